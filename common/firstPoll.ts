/**
 * When a new batch first looks at its task: a little before the median of how long this import's
 * recent tasks took. Zod-free: the workflow computes it.
 *
 * Each sample is measured up to the *start* of the look that saw the task done (awaitImportTask's
 * `waitedMs`), never to its answer: counting the look's own round trip would make every estimate
 * later than the last, and the hint would creep up by a round trip per batch. Measured this way, a
 * first look that already sees the task done pulls the next estimate earlier, and one that sees
 * it running leaves it where the task really ended.
 */
export const RECENT_TASK_WAITS = 16;
/** The longest first wait of a look at a task: a hint far off (a slow task among fast ones) costs at most this. */
export const MAX_FIRST_POLL_DELAY_MS = 5_000;
export const FIRST_POLL_MARGIN_MS = 200;

export function firstPollAfterMs(recentTaskWaits: readonly number[]): number {
  if (recentTaskWaits.length === 0) return 0;
  const sorted = [...recentTaskWaits].sort((a, b) => a - b);
  return Math.max(0, (sorted[Math.floor(sorted.length / 2)] as number) - FIRST_POLL_MARGIN_MS);
}

/** Adds a task's wait to the recent ones, keeping the newest RECENT_TASK_WAITS. */
export function rememberTaskWait(recentTaskWaits: number[], waitedMs: number): void {
  recentTaskWaits.push(waitedMs);
  if (recentTaskWaits.length > RECENT_TASK_WAITS) recentTaskWaits.shift();
}
