import type { ImportJob } from '../common/batch';
import type { ImportWorkflowInput } from '../common/importInput';
import type { PlanCursor, PlanPage, SourceLayout } from '../common/plan';
import type { SourceFormat, SourceRef } from '../common/source';
import { inspectWithIdentityIndex } from './dedupe';
import { BlockDigester, writeBlockDigests } from './source/blockDigests';
import type { ActivityDeps } from './deps';
import { heartbeatingSource } from './heartbeats';
import { ReportPaths } from './reports/reportPaths';
import { planBatches as plan } from './source';
import { openSource } from './sourceAccess';
import type { PreparedBatches } from './submit/preparedBatches';

export interface InspectSourceInput {
  importId: string;
  source: SourceRef;
  format: SourceFormat;
  delimiter?: ImportWorkflowInput['delimiter'];
  mapping?: ImportWorkflowInput['mapping'];
  /**
   * The import's first window (its first `batches` batches of `batchSize` rows): built while the
   * inspection reads on, so its submits post at once. Absent: nothing is built before the plan.
   */
  firstWindow?: { batchSize: number; batches: number; dryRun: boolean };
}
export interface InspectSourceResult {
  layout: SourceLayout;
  totalRows: number;
  /** Rows a later row of the same identity supersedes; batches skip them (the last row wins). */
  supersededRows: number;
}

export interface PlanBatchesInput {
  source: SourceRef;
  format: SourceFormat;
  layout: SourceLayout;
  cursor: PlanCursor | null;
  batchSize: number;
  maxBatches: number;
}

export function createSourceActivities(deps: ActivityDeps, builds: PreparedBatches) {
  /**
   * Plans the first window from the layout (its first bytes only) and has it built early. Best
   * effort: whatever fails here, the submits build their batches as they would have.
   */
  const buildFirstWindow = async (input: InspectSourceInput, window: NonNullable<InspectSourceInput['firstWindow']>, layout: SourceLayout) => {
    const source = await openSource(deps.dataDir, input.source);
    const page = await plan(source, { format: input.format, layout, cursor: null, batchSize: window.batchSize, maxBatches: window.batches });
    const job: ImportJob = { importId: input.importId, source: input.source, format: input.format, layout, mapping: input.mapping, dryRun: window.dryRun };
    for (const batch of page.batches) builds.prepareEarly(job, batch);
  };

  return {
    /**
     * One streaming pass: fingerprint, header, row count, and the identity of every row, from which
     * the superseded rows are written to the report folder. The mapping is checked against the
     * header as soon as it is read.
     */
    async inspectSource(input: InspectSourceInput): Promise<InspectSourceResult> {
      const source = heartbeatingSource(await openSource(deps.dataDir, input.source));
      const paths = new ReportPaths(deps.reportDir, input.importId);
      const digester = new BlockDigester();
      const window = input.firstWindow;
      let firstWindow: Promise<void> | undefined;
      try {
        const inspection = await inspectWithIdentityIndex(source, {
          format: input.format,
          delimiter: input.delimiter,
          mapping: input.mapping,
          supersededFile: paths.superseded,
          // Sorting and merging the index comes after the last byte: the heartbeat still says so.
          // Its sorted runs (16 bytes a row past 2 M rows) spill beside the report, on the report
          // volume: the system temp folder may be memory (the compose worker's /tmp is a tmpfs).
          index: { onProgress: () => source.heartbeat(), tmpDir: paths.root },
          digester,
          ...(window ? { onLayout: (layout: SourceLayout) => void (firstWindow = buildFirstWindow(input, window, layout).catch(() => undefined)) } : {}),
        });
        await writeBlockDigests(paths.sourceDigests, digester.finish());
        return { layout: inspection.layout, totalRows: inspection.totalRows, supersededRows: inspection.index.superseded };
      } catch (error) {
        // No submit will come for what was built early (a later attempt builds it again): let it go.
        if (firstWindow !== undefined) {
          await firstWindow;
          builds.forget(input.importId);
        }
        throw error;
      }
    },

    /** One page of batch boundaries, from a cursor. */
    async planBatches(input: PlanBatchesInput): Promise<PlanPage> {
      const source = heartbeatingSource(await openSource(deps.dataDir, input.source));
      return plan(source, { format: input.format, layout: input.layout, cursor: input.cursor, batchSize: input.batchSize, maxBatches: input.maxBatches });
    },
  };
}
