import { z } from 'zod';

export const ImportPhaseSchema = z.enum(['inspecting', 'importing', 'pausing', 'paused', 'cancelling', 'finishing', 'done']);
export type ImportPhase = z.infer<typeof ImportPhaseSchema>;

/**
 * How far a pass over the source has read: the inspection's heartbeat details, which `status` and
 * `watch` show while an import is inspecting (the workflow only learns the row count at the end).
 */
export const SourceReadProgressSchema = z.object({
  bytesRead: z.number().int().nonnegative(),
  /** The source's size; null until it is known. */
  bytesTotal: z.number().int().nonnegative().nullable(),
});
export type SourceReadProgress = z.infer<typeof SourceReadProgressSchema>;

/**
 * A step of the import that failed and waits for another attempt (a source URL that refuses
 * connections, a report folder that cannot be written): the client reads it from the server's
 * pending activities, since the workflow learns of it only when the step ends. Its message is the
 * activity's failure as Temporal keeps it (row values never reach it).
 */
export const RetryingStepSchema = z.object({
  step: z.string(),
  attempt: z.number().int().positive(),
  /** 0 when the step may be tried without limit. */
  maximumAttempts: z.number().int().nonnegative(),
  message: z.string(),
});
export type RetryingStep = z.infer<typeof RetryingStepSchema>;

/** The answer of the `progress` query: counts and rates only. */
export const ProgressSchema = z.object({
  importId: z.string(),
  phase: ImportPhaseSchema,
  rows: z.object({
    /** Data rows in the source; null until the source has been inspected. */
    total: z.number().int().nonnegative().nullable(),
    done: z.number().int().nonnegative(),
    imported: z.number().int().nonnegative(),
    rejected: z.number().int().nonnegative(),
    skipped: z.number().int().nonnegative(),
    inFlight: z.number().int().nonnegative(),
  }),
  batches: z.object({
    total: z.number().int().nonnegative().nullable(),
    done: z.number().int().nonnegative(),
    succeeded: z.number().int().nonnegative(),
    failed: z.number().int().nonnegative(),
    inFlight: z.number().int().nonnegative(),
    /** Batches whose task outlived the watchdog and wait for an operator (resubmit or abandon). */
    stuck: z.number().int().nonnegative(),
    /** Their numbers (1-based, as in `<import id>/batch-<n>`), at most 100. */
    stuckBatches: z.array(z.number().int().positive()),
  }),
  concurrency: z.number().int().positive(),
  /** A dry run: its "imported" rows are rows that would be imported; nothing is sent. */
  dryRun: z.literal(true).optional(),
  rowsPerSecond: z.number().nonnegative(),
  etaSeconds: z.number().nonnegative().nullable(),
  startedAt: z.string(),
  /** Where the rate is measured from (about RATE_WINDOW_MS back); absent: from startedAt. */
  rateSince: z.string().optional(),
  updatedAt: z.string(),
  /** While inspecting: how far the inspection has read, from its last heartbeat (added by the client). */
  inspection: SourceReadProgressSchema.optional(),
  /** A step of the import waiting to be tried again, and why (added by the client). */
  retrying: RetryingStepSchema.optional(),
  /**
   * Seconds since the import last changed (a batch ended, a step began), added by the client, which
   * brings the rate and ETA to the time it asked: the workflow computes them when it last woke.
   */
  unchangedSeconds: z.number().int().nonnegative().optional(),
});
export type Progress = z.infer<typeof ProgressSchema>;

