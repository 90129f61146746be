import type { ImportWorkflowInput } from '../common/importInput';
import type { PlanCursor, PlanPage, SourceLayout } from '../common/plan';
import type { SourceFormat, SourceRef } from '../common/source';
import type { ActivityDeps } from './deps';
import { heartbeatingSource } from './heartbeats';
import { compileMapping } from './rows';
import { inspectSource as inspect, planBatches as plan } from './source';
import { openSource } from './sourceAccess';

export interface InspectSourceInput {
  importId: string;
  source: SourceRef;
  format: SourceFormat;
  delimiter?: ImportWorkflowInput['delimiter'];
  mapping?: ImportWorkflowInput['mapping'];
}
export interface InspectSourceResult {
  layout: SourceLayout;
  totalRows: number;
}

export interface PlanBatchesInput {
  source: SourceRef;
  format: SourceFormat;
  layout: SourceLayout;
  cursor: PlanCursor | null;
  batchSize: number;
  maxBatches: number;
}

export function createSourceActivities(deps: ActivityDeps) {
  return {
    /** One streaming pass: fingerprint, header, row count; the mapping is checked against the header. */
    async inspectSource(input: InspectSourceInput): Promise<InspectSourceResult> {
      const source = heartbeatingSource(await openSource(deps.dataDir, input.source));
      const inspection = await inspect(source, { format: input.format, delimiter: input.delimiter });
      compileMapping({ format: input.format, header: inspection.layout.header, mapping: input.mapping });
      return { layout: inspection.layout, totalRows: inspection.totalRows };
    },

    /** One page of batch boundaries, from a cursor. */
    async planBatches(input: PlanBatchesInput): Promise<PlanPage> {
      const source = heartbeatingSource(await openSource(deps.dataDir, input.source));
      return plan(source, { format: input.format, layout: input.layout, cursor: input.cursor, batchSize: input.batchSize, maxBatches: input.maxBatches });
    },
  };
}
