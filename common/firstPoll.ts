/**
 * When a new batch first looks at its task: a little before the median of how long this import's
 * recent tasks took. Zod-free: the workflow computes it.
 *
 * Each sample is measured up to the *start* of the look that saw the task done (awaitImportTask's
 * `waitedMs`; for looks without a hint, midway from the last one that saw it running), never to
 * its answer: counting the look's own round trip would make every estimate later than the last,
 * and the hint would creep up by a round trip per batch. Measured this way, a
 * first look that already sees the task done pulls the next estimate earlier, and one that sees
 * it running leaves it where the task really ended. Since the looks became as fine as the tasks
 * are even (lookSchedule), a sample is where the task probably ended (endEstimateMs): looks 100 ms
 * apart see an end up to 100 ms late, and looks placed on that seen time would start after it.
 */
export const RECENT_TASK_WAITS = 16;
/** The longest first wait of a look at a task: a hint far off (a slow task among fast ones) costs at most this. */
export const MAX_FIRST_POLL_DELAY_MS = 5_000;
/** The widest gap between overlapping looks (activities/overlappingLooks.ts), for tasks whose times vary. */
export const MAX_LOOK_GAP_MS = 100;
/** The finest: a look a round trip long every 20 ms is already six in flight at once against a 100 ms API. */
export const MIN_LOOK_GAP_MS = 20;
/** The first look comes this many gaps before the median: a task a little faster than most is still seen at once. */
const GAPS_BEFORE_MEDIAN = 2;
export const FIRST_POLL_MARGIN_MS = GAPS_BEFORE_MEDIAN * MAX_LOOK_GAP_MS;
/** Below this many recent tasks their spread says little: looks keep the widest gap. */
const SAMPLES_FOR_SPREAD = 4;

export function firstPollAfterMs(recentTaskWaits: readonly number[]): number {
  if (recentTaskWaits.length === 0) return 0;
  return Math.max(0, quantileOf([...recentTaskWaits].sort((a, b) => a - b), 0.5) - FIRST_POLL_MARGIN_MS);
}

/** The wait at `share` of the way through sorted waits (0.5: the median, the upper one of an even count). */
function quantileOf(sorted: readonly number[], share: number): number {
  return sorted[Math.floor(sorted.length * share)] as number;
}

/** When a new batch first looks at its task, and how far apart its overlapping looks are then. */
export interface LookSchedule {
  firstPollAfterMs: number;
  lookGapMs: number;
}

/**
 * Looks as fine as this import's tasks are even. A look sees a task's end up to a gap late, and
 * with a 100 ms gap every batch's place in the window stood idle ~70 ms a round (bench (b)), though
 * its tasks all took 2 s to the millisecond. The gap is half the spread of the middle half of the
 * recent waits, from MIN_LOOK_GAP_MS to MAX_LOOK_GAP_MS, and the looks start two gaps before the
 * median. Tasks whose times vary by a few hundred ms get the widest gap, as before; tasks that
 * keep time converge on the finest, since the waits a gap samples spread over at most one gap.
 */
export function lookSchedule(recentTaskWaits: readonly number[]): LookSchedule {
  if (recentTaskWaits.length === 0) return { firstPollAfterMs: 0, lookGapMs: MAX_LOOK_GAP_MS };
  const sorted = [...recentTaskWaits].sort((a, b) => a - b);
  const at = (share: number) => quantileOf(sorted, share);
  const spread = sorted.length < SAMPLES_FOR_SPREAD ? Infinity : at(0.75) - at(0.25);
  const lookGapMs = Math.min(MAX_LOOK_GAP_MS, Math.max(MIN_LOOK_GAP_MS, Math.round(spread / 2)));
  return { firstPollAfterMs: Math.max(0, at(0.5) - GAPS_BEFORE_MEDIAN * lookGapMs), lookGapMs };
}

/**
 * Adds a task's wait to the recent ones, keeping the newest RECENT_TASK_WAITS. Given the looks the
 * batch had, what is kept is where the task probably ended rather than where it was seen, so that
 * the looks of the next batches are placed on the end itself (endEstimateMs).
 */
export function rememberTaskWait(recentTaskWaits: number[], waitedMs: number, looks?: LookSchedule): void {
  recentTaskWaits.push(looks === undefined ? waitedMs : endEstimateMs(waitedMs, looks));
  if (recentTaskWaits.length > RECENT_TASK_WAITS) recentTaskWaits.shift();
}

/**
 * Where a task seen at `waitedMs` probably ended. Seen by a look after the first, it ended since
 * the look before: half a gap earlier on average. Seen by the first look (within half a gap of
 * the hint), it had ended by then, maybe long before: FIRST_POLL_MARGIN_MS earlier, so that a
 * hint that has become late comes down as fast as it did with the fixed margin rather than by two
 * fine gaps a batch, while a few such waits among many leave the median and the spread where
 * they were. Without a hint, or before it, the wait as seen.
 */
function endEstimateMs(waitedMs: number, looks: LookSchedule): number {
  const firstLookMs = Math.min(looks.firstPollAfterMs, MAX_FIRST_POLL_DELAY_MS);
  if (firstLookMs === 0 || waitedMs < firstLookMs) return waitedMs;
  if (waitedMs < firstLookMs + looks.lookGapMs / 2) return Math.max(0, waitedMs - FIRST_POLL_MARGIN_MS);
  return waitedMs - Math.round(looks.lookGapMs / 2);
}
