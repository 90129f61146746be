import { Context } from '@temporalio/activity';
import type { ImportJob } from '../common/batch';
import type { ImportWorkflowInput } from '../common/importInput';
import type { BatchPlan, PlanCursor, PlanPage, SourceLayout } from '../common/plan';
import { SourceReadProgressSchema } from '../common/progress';
import type { SourceFormat, SourceRef } from '../common/source';
import { inspectWithIdentityIndex } from './dedupe';
import { BatchStarts, planFromBatchStarts, writeBatchStarts } from './source/batchStarts';
import { BlockDigester, writeBlockDigests } from './source/blockDigests';
import { assertSameVersion } from './source/errors';
import type { ActivityDeps } from './deps';
import { heartbeatingSource, type HeartbeatingSource } from './heartbeats';
import { ReportPaths } from './reports/reportPaths';
import { planBatches as plan } from './source';
import { openSource } from './sourceAccess';
import { sameLayout } from './submit/buildFromSource';
import type { PreparedBatches } from './submit/preparedBatches';
import { failedAttemptIn, failedAttemptMark, takesOverFromDeadAttempt } from './takeovers';

export interface InspectSourceInput {
  importId: string;
  source: SourceRef;
  format: SourceFormat;
  delimiter?: ImportWorkflowInput['delimiter'];
  mapping?: ImportWorkflowInput['mapping'];
  /**
   * The import's first window (its first `batches` batches of `batchSize` rows): built while the
   * inspection reads on, so its submits post at once. Absent: nothing is built before the plan.
   * With `pageBatches`, the import's first plan page (at most that many batches, and past the
   * window no more than about `pageBytes`) is planned beside the pass too and comes back with it.
   */
  firstWindow?: { batchSize: number; batches: number; dryRun: boolean; pageBatches?: number; pageBytes?: number };
}
export interface InspectSourceResult {
  layout: SourceLayout;
  totalRows: number;
  /** Rows a later row of the same identity supersedes; batches skip them (the last row wins). */
  supersededRows: number;
  /** Lines with nothing on them, which are not rows (absent in results of older code). */
  blankLines?: number;
  /**
   * The first plan page, planned while the pass read on (asked for with `firstWindow.pageBatches`):
   * exactly what `planBatches` answers from the start with `layout`. Absent when it could not be
   * planned in time or the pass ended with another layout; the workflow then plans it itself.
   */
  firstPage?: PlanPage;
}

type FirstWindow = NonNullable<InspectSourceInput['firstWindow']>;
/** The first page planned beside the pass, and the layout it was planned with (its content hash not yet known). */
interface EarlyPage {
  layout: SourceLayout;
  page: PlanPage;
}

/**
 * How many more batches, up to `wanted`, fit in `maxBytes` past the window at the window's bytes per
 * batch: a page of huge batches would otherwise make the pass wait for a long scan.
 */
function batchesWithin(window: BatchPlan[], wanted: number, maxBytes: number | undefined): number {
  if (wanted <= 0 || window.length === 0) return 0;
  if (maxBytes === undefined) return wanted;
  const windowBytes = (window.at(-1) as BatchPlan).endByte - (window[0] as BatchPlan).startByte;
  const perBatch = Math.max(windowBytes / window.length, 1);
  return Math.max(0, Math.min(wanted, Math.floor((maxBytes - windowBytes) / perBatch)));
}

export interface PlanBatchesInput {
  /** Whose inspection noted the batch starts the page is read from (absent in older histories: the page is scanned). */
  importId?: string;
  source: SourceRef;
  format: SourceFormat;
  layout: SourceLayout;
  cursor: PlanCursor | null;
  batchSize: number;
  maxBatches: number;
}

/**
 * An inspection taken over from a worker that died (or hung past the heartbeat timeout): it reads
 * the source again from the start, which on a big file takes a while, so the operator sees it at WARN.
 */
function warnInspectionTakenOver(context: Context, importId: string): void {
  const read = SourceReadProgressSchema.safeParse(context.info.heartbeatDetails);
  context.log.warn('inspection taken over', {
    importId,
    attempt: context.info.attempt,
    // How far the dead attempt had read: this one starts again from byte 0.
    ...(read.success ? { bytesReadBefore: read.data.bytesRead } : {}),
  });
}

export function createSourceActivities(deps: ActivityDeps, builds: PreparedBatches) {
  /**
   * Plans the first window from the layout (its first bytes only) and has it built early, then plans
   * the rest of the first page when asked to. Best effort: whatever fails here, the submits build
   * their batches and the workflow plans its first page as they would have (undefined: no page).
   */
  const planFirstWindow = async (input: InspectSourceInput, window: FirstWindow, layout: SourceLayout): Promise<EarlyPage | undefined> => {
    const source = await openSource(deps.dataDir, input.source);
    const planned = (cursor: PlanCursor | null, maxBatches: number) => plan(source, { format: input.format, layout, cursor, batchSize: window.batchSize, maxBatches });
    const first = await planned(null, window.batches);
    const job: ImportJob = { importId: input.importId, source: input.source, format: input.format, layout, mapping: input.mapping, dryRun: window.dryRun };
    for (const batch of first.batches) builds.prepareEarly(job, batch);
    const more = first.next === null ? 0 : batchesWithin(first.batches, (window.pageBatches ?? 0) - first.batches.length, window.pageBytes);
    if (more === 0) return window.pageBatches === undefined ? undefined : { layout, page: first };
    const rest = await planned(first.next, more);
    return { layout, page: { batches: [...first.batches, ...rest.batches], next: rest.next } };
  };

  return {
    /**
     * One streaming pass: fingerprint, header, row count, and the identity of every row, from which
     * the superseded rows are written to the report folder. The mapping is checked against the
     * header as soon as it is read.
     */
    async inspectSource(input: InspectSourceInput): Promise<InspectSourceResult> {
      const context = Context.current();
      if (takesOverFromDeadAttempt(context, failedAttemptIn(context.info.heartbeatDetails))) warnInspectionTakenOver(context, input.importId);
      const paths = new ReportPaths(deps.reportDir, input.importId);
      const digester = new BlockDigester();
      const window = input.firstWindow;
      // A retry's inspection is not told the batch size: its pages are scanned.
      const starts = window ? new BatchStarts(window.batchSize) : undefined;
      /** Set once the source is open: a failure's last heartbeat keeps how far it read. */
      let opened: HeartbeatingSource | undefined;
      let firstWindow: Promise<EarlyPage | undefined> | undefined;
      try {
        const source = heartbeatingSource(await openSource(deps.dataDir, input.source));
        opened = source;
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
          ...(starts ? { batchStarts: starts } : {}),
          ...(window ? { onLayout: (layout: SourceLayout) => void (firstWindow = planFirstWindow(input, window, layout).catch(() => undefined)) } : {}),
        });
        await writeBlockDigests(paths.sourceDigests, digester.finish());
        if (starts) await writeBatchStarts(paths.batchStarts(starts.batchSize, inspection.layout.fingerprint.sha256), starts, inspection.totalRows);
        // Planned from fewer bytes than the pass reads, it is long done by now (a tiny file aside).
        const early = await firstWindow;
        const firstPage = early !== undefined && sameLayout(early.layout, inspection.layout) ? early.page : undefined;
        return { layout: inspection.layout, totalRows: inspection.totalRows, supersededRows: inspection.index.superseded, blankLines: inspection.blankLines, ...(firstPage ? { firstPage } : {}) };
      } catch (error) {
        // No submit will come for what was built early (a later attempt builds it again): let it go.
        if (firstWindow !== undefined) {
          await firstWindow;
          builds.forget(input.importId);
        }
        // The SDK logs this failure; the next attempt must not take it for a worker that died.
        if (opened === undefined) context.heartbeat({ bytesRead: 0, bytesTotal: null, ...failedAttemptMark(context) });
        else opened.heartbeat(failedAttemptMark(context));
        throw error;
      }
    },

    /** One page of batch boundaries, from a cursor: read from the starts the inspection noted, or scanned. */
    async planBatches(input: PlanBatchesInput): Promise<PlanPage> {
      const source = heartbeatingSource(await openSource(deps.dataDir, input.source));
      if (input.importId !== undefined) {
        assertSameVersion(source.describe(), input.layout.fingerprint, await source.stat());
        const starts = new ReportPaths(deps.reportDir, input.importId).batchStarts(input.batchSize, input.layout.fingerprint.sha256);
        const page = await planFromBatchStarts(starts, input);
        if (page !== undefined) return page;
      }
      return plan(source, { format: input.format, layout: input.layout, cursor: input.cursor, batchSize: input.batchSize, maxBatches: input.maxBatches });
    },
  };
}
