import type { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { MIN_RETRY_DELAY_MS } from '../failures';
import { RateLimitedError, type XtremepushError } from '../xtremepush/errors';

// How a submit waits before it sends a request again, and how it gives way to a worker that stops.

const MAX_BACKOFF_MS = 60_000;

/**
 * How long one attempt waits out 429s before it fails as any other error would (an attempt used,
 * retried after the API's Retry-After). An attempt may take 10 minutes in all.
 */
export const RATE_LIMIT_PATIENCE_MS = 3 * 60_000;

/** Retry-After when the API gives one (`0` waits MIN_RETRY_DELAY_MS all the same); otherwise exponential backoff with jitter. */
export function retryDelayMs(error: XtremepushError, attempt: number, random = Math.random): number {
  if (error instanceof RateLimitedError && error.details.retryAfterMs !== undefined) return Math.max(MIN_RETRY_DELAY_MS, error.details.retryAfterMs);
  const ceiling = Math.min(MAX_BACKOFF_MS, 1_000 * 2 ** Math.max(attempt - 1, 0));
  return Math.round(ceiling * (0.5 + random() * 0.5));
}

/** Sleeps `ms`, or less once the activity is cancelled or the worker asked to stop (looked at every second). */
export async function pauseUnlessStopping(context: Context, ms: number, stopping: (() => boolean) | undefined): Promise<void> {
  const until = Date.now() + ms;
  for (let left = ms; left > 0 && !context.cancellationSignal.aborted && !stopping?.(); left = until - Date.now()) {
    await context.sleep(Math.min(left, 1_000)).catch(() => undefined);
  }
}

/** The failure that ends an attempt on a worker that stops: retried at once, by another worker. */
export function workerStopping(): ApplicationFailure {
  return ApplicationFailure.create({
    type: 'WorkerStopping',
    message: 'the worker is shutting down: the next attempt, on another worker, sends the rest of the batch',
    nextRetryDelay: MIN_RETRY_DELAY_MS,
  });
}
