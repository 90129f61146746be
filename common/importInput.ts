import { z } from 'zod';
import { IMPORT_ID_MAX_LENGTH, IMPORT_ID_PATTERN, IMPORT_ID_RULE } from './batchIds';
import { durationFlag, milliseconds } from './duration';
import { DEFAULT_BATCH_SIZE, DEFAULT_CONCURRENCY, MAX_CONCURRENCY, MAX_ROWS_PER_REQUEST, MAX_STUCK_AFTER_MS, MIN_STUCK_AFTER_MS } from './limits';
import { MappingSchema } from './mapping';
import { wholeNumber } from './wholeNumber';
import { DelimiterSchema, SourceFormatSchema, SourceRefSchema } from './source';

// One rule says what an ID may be: an empty ID breaks it too, and says what to use instead.
export const ImportIdSchema = z.string().regex(IMPORT_ID_PATTERN, IMPORT_ID_RULE).max(IMPORT_ID_MAX_LENGTH, `at most ${IMPORT_ID_MAX_LENGTH} characters`);

export const BatchSizeSchema = wholeNumber(1, MAX_ROWS_PER_REQUEST);
export const ConcurrencySchema = wholeNumber(1, MAX_CONCURRENCY);
/** How long a task may run after its POST before it is reported stuck: milliseconds in the client API... */
export const StuckAfterMsSchema = milliseconds(MIN_STUCK_AFTER_MS, MAX_STUCK_AFTER_MS);
/** ...and a duration such as 45m or 2h on the command line (`start --stuck-after`). */
export const StuckAfterFlagSchema = durationFlag(MIN_STUCK_AFTER_MS, MAX_STUCK_AFTER_MS);

/** What a user asks for: the same schema behind the CLI flags and the client API. */
export const ImportOptionsSchema = z.object({
  format: SourceFormatSchema.optional(),
  delimiter: DelimiterSchema.optional(),
  batchSize: BatchSizeSchema.default(DEFAULT_BATCH_SIZE),
  concurrency: ConcurrencySchema.default(DEFAULT_CONCURRENCY),
  dryRun: z.boolean().default(false),
  mapping: MappingSchema.optional(),
  /** The stuck-task watchdog (default 30 minutes). How long to wait, not what is sent: the default import ID does not depend on it. */
  stuckAfterMs: StuckAfterMsSchema.optional(),
});
export type ImportOptions = z.infer<typeof ImportOptionsSchema>;
export type ImportOptionsInput = z.input<typeof ImportOptionsSchema>;

/** The workflow's input. References and settings only: never a row value, never a credential. */
export const ImportWorkflowInputSchema = z.object({
  importId: ImportIdSchema,
  source: SourceRefSchema,
  format: SourceFormatSchema,
  delimiter: DelimiterSchema.optional(),
  batchSize: BatchSizeSchema,
  concurrency: ConcurrencySchema,
  dryRun: z.boolean(),
  mapping: MappingSchema.optional(),
  /** A re-run of an import that ended: send only the batches that did not succeed in run `fromRunId`. */
  retryOf: z.object({ fromRunId: z.string() }).optional(),
  tuning: z
    .object({
      /** Batches a run starts before it continues as new, keeping each run's history small. */
      maxBatchesPerRun: z.number().int().positive().optional(),
      stuckAfterMs: z.number().int().positive().optional(),
      /** A task reported stuck is still looked at this often, so the batch ends by itself if the task does. */
      stuckLookEveryMs: z.number().int().positive().optional(),
      maxTaskResubmits: z.number().int().nonnegative().optional(),
      maxSubmitAttempts: z.number().int().positive().optional(),
      /** Attempts at each source step (inspection, plan pages, access check) before the import fails with a report. */
      maxSourceAttempts: z.number().int().positive().optional(),
      /** A plan page scans at most about this many bytes. */
      bytesPerPlanPage: z.number().int().positive().optional(),
    })
    .optional(),
});
export type ImportWorkflowInput = z.infer<typeof ImportWorkflowInputSchema>;

/** Infers the format from the file name when the user gives none. */
export function inferFormat(source: string): 'csv' | 'ndjson' {
  return /\.(ndjson|jsonl)(\?|$)/i.test(source) ? 'ndjson' : 'csv';
}
