import { z } from 'zod';

export const ImportPhaseSchema = z.enum(['inspecting', 'importing', 'pausing', 'paused', 'cancelling', 'finishing', 'done']);
export type ImportPhase = z.infer<typeof ImportPhaseSchema>;

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
  rowsPerSecond: z.number().nonnegative(),
  etaSeconds: z.number().nonnegative().nullable(),
  startedAt: z.string(),
  updatedAt: z.string(),
});
export type Progress = z.infer<typeof ProgressSchema>;

