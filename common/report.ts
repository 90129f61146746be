import { z } from 'zod';
import { FingerprintSchema } from './source';

/** Columns the rejects file adds in front of the original ones; an import of it ignores them. */
export const REJECT_COLUMNS = ['xp_import_row', 'xp_import_line', 'xp_import_column', 'xp_import_reason'] as const;

const REJECT_COLUMN_NAMES: ReadonlySet<string> = new Set(REJECT_COLUMNS);

/** One of the four xp_import_* columns (CSV) or keys (NDJSON), exactly as the rejects file names it. */
export function isRejectColumn(name: string): boolean {
  return REJECT_COLUMN_NAMES.has(name);
}

/** Why an attempt was retried; the report counts retries by cause. */
/** `stuck_resubmitted`: requests an operator sent again (`resolve … resubmit`) while their task still ran; not failures of the task. */
export const RetryCauseSchema = z.enum(['rate_limited', 'server_error', 'network', 'timeout', 'task_failed', 'stuck_resubmitted']);
export type RetryCause = z.infer<typeof RetryCauseSchema>;
export const RetryCountsSchema = z.partialRecord(RetryCauseSchema, z.number().int().nonnegative());
export type RetryCounts = z.infer<typeof RetryCountsSchema>;

export const RowCountsSchema = z.object({
  total: z.number().int().nonnegative(),
  imported: z.number().int().nonnegative(),
  rejected: z.number().int().nonnegative(),
  skipped: z.number().int().nonnegative(),
  /**
   * Of `skipped`, the rows a later row of the same identity supersedes ("the last row wins"), left
   * out by design; the rest of `skipped` were not sent (a cancel, a failure). Absent in results
   * from before it was counted, where `skipped` holds them too.
   */
  superseded: z.number().int().nonnegative().optional(),
});
export type RowCounts = z.infer<typeof RowCountsSchema>;

/** A failure as it may appear in Temporal: a code and a message that names no row value and no secret. */
export const FailureSummarySchema = z.object({ code: z.string(), message: z.string() });
export type FailureSummary = z.infer<typeof FailureSummarySchema>;

export const BatchStatusSchema = z.enum(['succeeded', 'failed', 'abandoned', 'cancelled']);
export type BatchStatus = z.infer<typeof BatchStatusSchema>;

/** What one batch reports back to the import: counts and task IDs, never rows. */
export const BatchResultSchema = z.object({
  index: z.number().int().nonnegative(),
  /** First data row of the batch, so a report can name the rows of a failed batch. */
  firstRow: z.number().int().positive(),
  status: BatchStatusSchema,
  rows: RowCountsSchema,
  requests: z.number().int().nonnegative(),
  taskIds: z.array(z.string()),
  retries: RetryCountsSchema,
  /** Requests whose outcome was unknown (connection lost after sending) and that were sent again. */
  possibleDuplicates: z.number().int().nonnegative(),
  /** Values sent with a warning (a string longer than Xtremepush keeps); absent in results from before it was counted. */
  warnings: z.number().int().nonnegative().optional(),
  failure: FailureSummarySchema.optional(),
  /** How long its tasks took to finish after they were sent (the slowest), when it had any. */
  taskWaitMs: z.number().int().nonnegative().optional(),
  /**
   * An abandoned batch's requests whose tasks were not seen to end: a re-run takes them over and
   * looks at them, instead of posting rows the API may have applied (keys and task IDs only).
   */
  openTasks: z.array(z.object({ key: z.string(), taskId: z.string() })).optional(),
  /**
   * A batch that did not succeed: its requests the API applied (their tasks seen to complete, or
   * applied at once). A re-run takes them as sent instead of posting their rows again.
   */
  appliedRequests: z.array(z.object({ key: z.string(), taskId: z.string().optional() })).optional(),
  /** A batch that did not succeed: requests sent whose answer was lost. A re-run sending them again counts possible duplicates. */
  unknownRequests: z.array(z.string()).optional(),
});
export type BatchResult = z.infer<typeof BatchResultSchema>;

export const ImportStatusSchema = z.enum(['completed', 'completed_with_rejections', 'failed', 'cancelled']);
export type ImportStatus = z.infer<typeof ImportStatusSchema>;

/** Report entries are capped so the workflow result stays small; the report file has them all. */
export const MAX_TASK_IDS_IN_RESULT = 1_000;
export const MAX_FAILED_BATCHES_IN_RESULT = 100;

/** The final report: the CLI contract of DESIGN.md, printed by `start --wait --json` and `report --json`. */
export const ImportReportSchema = z.object({
  importId: z.string(),
  status: ImportStatusSchema,
  source: z.string(),
  format: z.string(),
  dryRun: z.boolean(),
  rows: RowCountsSchema,
  batches: z.object({
    total: z.number().int().nonnegative(),
    succeeded: z.number().int().nonnegative(),
    failed: z.number().int().nonnegative(),
  }),
  requests: z.number().int().nonnegative(),
  taskIds: z.array(z.string()),
  taskIdsTotal: z.number().int().nonnegative(),
  retries: RetryCountsSchema,
  possibleDuplicates: z.number().int().nonnegative(),
  /** Values sent as they are but with a warning (strings longer than 101 characters); `xp-import validate` lists them. */
  warnings: z.number().int().nonnegative().default(0),
  /** Batches that did not succeed (failed, abandoned when stuck, cancelled): where they are and why. */
  failedBatches: z.array(
    z.object({
      batch: z.number().int().positive(),
      rows: z.string(),
      status: BatchStatusSchema,
      failure: FailureSummarySchema.optional(),
    }),
  ),
  rejectsFile: z.string().nullable(),
  reportFile: z.string().nullable(),
  /** The source version imported; a re-run refuses a source that has changed since. */
  fingerprint: FingerprintSchema.nullable(),
  /** Lines of the source with nothing on them: not rows, so not in `rows.total`. Absent where not known (older runs). */
  blankLines: z.number().int().nonnegative().optional(),
  /** For a re-run (`xp-import retry`): what it kept from the run before, which it did not send again. */
  takenOver: z
    .object({
      fromRunId: z.string(),
      batches: z.number().int().nonnegative(),
      rows: z.object({ imported: z.number().int().nonnegative(), rejected: z.number().int().nonnegative(), skipped: z.number().int().nonnegative() }),
    })
    .nullable(),
  startedAt: z.string(),
  finishedAt: z.string(),
  durationMs: z.number().nonnegative(),
  rowsPerSecond: z.number().nonnegative(),
  failure: FailureSummarySchema.optional(),
});
export type ImportReport = z.infer<typeof ImportReportSchema>;

/** Batches a cancel or a failure stopped before they started: neither succeeded nor failed, and a re-run sends them. */
export function batchesNotRun(batches: ImportReport['batches']): number {
  return Math.max(batches.total - batches.succeeded - batches.failed, 0);
}

/** Exit codes of DESIGN.md's CLI contract. */
/** `interrupted`, `terminated`: SIGINT (Ctrl-C) or SIGTERM while `--wait` or `watch` followed an import, which goes on (128 + the signal, as shells say). */
export const ExitCode = { ok: 0, partial: 1, usage: 2, failed: 3, interrupted: 130, terminated: 143 } as const;

/** Failures caused by the input or the setup rather than by the import: exit code 2, like bad usage. */
export const INPUT_FAILURE_CODES: readonly string[] = ['SourceFormatError', 'MappingError', 'SourceAccessError', 'InvalidInputError'];

/**
 * Of those, the ones a re-run meets again: it reads the same file with the same mapping and
 * settings. A SourceAccessError (a permission, a mount) can pass once access is given.
 */
export const RERUN_FAILS_AGAIN_CODES: readonly string[] = ['SourceFormatError', 'MappingError', 'InvalidInputError'];

/** Whether a re-run of an import that ended so would fail the same way, sending nothing. */
export function rerunFailsAgain(report: Pick<ImportReport, 'status' | 'failure'>): boolean {
  return report.status === 'failed' && report.failure !== undefined && RERUN_FAILS_AGAIN_CODES.includes(report.failure.code);
}

export function exitCodeForReport(report: Pick<ImportReport, 'status' | 'failure'>): number {
  switch (report.status) {
    case 'completed':
      return ExitCode.ok;
    case 'completed_with_rejections':
      return ExitCode.partial;
    case 'failed':
      return report.failure && INPUT_FAILURE_CODES.includes(report.failure.code) ? ExitCode.usage : ExitCode.failed;
    case 'cancelled':
      return ExitCode.failed;
  }
}
