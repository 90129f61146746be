import { z } from 'zod';

/**
 * What `--json` prints on stdout when a command is refused or fails, beside the message on
 * stderr: a script that parses stdout gets one document either way, never an empty output.
 * `xp-import validate` prints its own ValidationFailure, of the same shape plus the source.
 */
export const CliFailureSchema = z.object({
  error: z.object({
    /** The error's name (ImportNotFoundError, UsageError, NoWorkerError, ...): what a script branches on. */
    code: z.string(),
    message: z.string(),
    /** A client API refusal says whether the same call may succeed later, unchanged. */
    retryable: z.boolean().optional(),
  }),
});
export type CliFailure = z.infer<typeof CliFailureSchema>;

export function cliFailureOf(error: unknown, message: string): CliFailure {
  const named = error instanceof Error ? error : undefined;
  const retryable = (named as { retryable?: unknown } | undefined)?.retryable;
  return { error: { code: named?.name ?? 'Error', message, ...(typeof retryable === 'boolean' ? { retryable } : {}) } };
}
