import type { Context } from '@temporalio/activity';

/**
 * How an attempt tells the next one that it failed on its own (and the SDK logged why), so that
 * the next one can tell a retry from a takeover. The server does not tell an attempt why the one
 * before it ended; heartbeat details are all it hands on. A failing attempt's last details go to
 * the server with its failure, while a worker that dies (or hangs past its heartbeat timeout)
 * leaves none: an attempt that finds no mark from the one just before it took over from a dead one.
 */
export interface FailedAttemptMark {
  /** The last attempt that ended by failing on its own. */
  failedAttempt?: number;
}

/** The mark an attempt puts in its last heartbeat details as it fails. */
export function failedAttemptMark(context: Context): Required<FailedAttemptMark> {
  return { failedAttempt: context.info.attempt };
}

/** The mark in heartbeat details (or a journal) as restored, if any. */
export function failedAttemptIn(details: unknown): number | undefined {
  if (details === null || typeof details !== 'object') return undefined;
  const { failedAttempt } = details as { failedAttempt?: unknown };
  return typeof failedAttempt === 'number' ? failedAttempt : undefined;
}

/** Whether this attempt follows one whose worker died or stopped heartbeating, rather than one that failed and said why. */
export function takesOverFromDeadAttempt(context: Context, failedAttempt: number | undefined): boolean {
  const { attempt } = context.info;
  return attempt > 1 && failedAttempt !== attempt - 1;
}
