import type { RequestLogEntry } from '../sandbox';

/** How fast requests reached the sandbox, from its request log's `receivedAt` timestamps. */
export interface RequestRates {
  requests: number;
  /** First to last request, in seconds. */
  spanSeconds: number;
  meanPerSecond: number;
  /** The most requests received within any window of the given length (seconds → count). */
  maxInWindow: Record<string, number>;
}

export const RATE_LIMITED_METHODS = ['import/profile', 'info/task'];

/** Counts in sliding windows: every window that starts at a request (where maxima begin). */
export function requestRates(log: RequestLogEntry[], methods: string[] = RATE_LIMITED_METHODS, windowsSeconds: number[] = [1, 5]): RequestRates {
  const times = log
    .filter((entry) => methods.includes(entry.method))
    .map((entry) => entry.receivedAt)
    .sort((a, b) => a - b);
  const spanSeconds = times.length > 1 ? ((times.at(-1) as number) - (times[0] as number)) / 1000 : 0;
  const maxInWindow: Record<string, number> = {};
  for (const seconds of windowsSeconds) {
    let max = 0;
    let end = 0;
    for (let start = 0; start < times.length; start++) {
      while (end < times.length && (times[end] as number) < (times[start] as number) + seconds * 1000) end++;
      max = Math.max(max, end - start);
    }
    maxInWindow[String(seconds)] = max;
  }
  return { requests: times.length, spanSeconds, meanPerSecond: spanSeconds > 0 ? times.length / spanSeconds : 0, maxInWindow };
}

/** Temporal's default `matching.numTaskqueueReadPartitions`: a task queue's rate limit is split over this many partitions. */
export const TASK_QUEUE_PARTITIONS = 4;
/** How long after its dispatch an activity's request may reach the API: a submit reads and maps its batch first. */
export const DISPATCH_TO_REQUEST_SLACK_SECONDS = 1;

/**
 * The most API calls a window of `seconds` may see under XP_IMPORT_API_RATE_LIMIT = `limit`.
 * Temporal splits the limit evenly over the task queue's partitions, each a token bucket holding
 * ceil(limit ÷ partitions) tokens (its burst), so a window may see every bucket's burst on top of
 * `limit × seconds`. Requests reach the sandbox up to a second after their activity was dispatched,
 * which widens the window that can feed them by that second.
 */
export function rateAllowance(limit: number, seconds: number): number {
  const burst = TASK_QUEUE_PARTITIONS * Math.ceil(limit / TASK_QUEUE_PARTITIONS);
  return Math.floor(limit * (seconds + DISPATCH_TO_REQUEST_SLACK_SECONDS)) + burst;
}
