import { describe, expect, it } from 'vitest';
import { FIRST_POLL_MARGIN_MS, firstPollAfterMs, lookSchedule, MAX_FIRST_POLL_DELAY_MS, MAX_LOOK_GAP_MS, MIN_LOOK_GAP_MS, rememberTaskWait, type LookSchedule } from '../../../common/firstPoll';

/**
 * What a batch sees of its task with a schedule: looks start at the hint, one every gap, and the
 * first sent at or after `endMs` (the first moment a look can see the end) is the one that does.
 * Returns the wait remembered for the next batch: when that look was sent.
 */
function seenAt(endMs: number, schedule: { firstPollAfterMs: number; lookGapMs: number }): number {
  const { firstPollAfterMs: hint, lookGapMs: gap } = schedule;
  if (hint >= endMs) return hint;
  return hint + Math.ceil((endMs - hint) / gap) * gap;
}

describe('how far apart a batch’s looks are (lookSchedule)', () => {
  it('with no task seen yet, looks at once, with the widest gap', () => {
    expect(lookSchedule([])).toEqual({ firstPollAfterMs: 0, lookGapMs: MAX_LOOK_GAP_MS });
  });

  it('with too few tasks to judge their spread, keeps the widest gap and the old hint', () => {
    const waits = [1_750, 1_760, 1_755];
    expect(lookSchedule(waits)).toEqual({ firstPollAfterMs: firstPollAfterMs(waits), lookGapMs: MAX_LOOK_GAP_MS });
  });

  it('for tasks whose times vary by hundreds of ms, is the schedule it always was', () => {
    const waits = [1_200, 1_900, 1_500, 2_300, 1_700, 1_400, 2_000, 1_600];
    const schedule = lookSchedule(waits);
    expect(schedule.lookGapMs).toBe(MAX_LOOK_GAP_MS);
    expect(schedule.firstPollAfterMs).toBe(firstPollAfterMs(waits));
    expect(schedule.firstPollAfterMs).toBe(1_700 - FIRST_POLL_MARGIN_MS);
  });

  it('narrows the gap to half the spread of the middle half of the waits, and starts two gaps before the median', () => {
    // The middle half spans 1,720 to 1,800: a gap of 40 ms, the first look 80 ms before the median (1,760).
    const waits = [1_650, 1_700, 1_720, 1_750, 1_760, 1_780, 1_800, 1_900];
    expect(lookSchedule(waits)).toEqual({ firstPollAfterMs: 1_760 - 80, lookGapMs: 40 });
  });

  it('never goes below the finest gap, however even the tasks', () => {
    expect(lookSchedule(Array.from({ length: 16 }, () => 1_730))).toEqual({ firstPollAfterMs: 1_730 - 2 * MIN_LOOK_GAP_MS, lookGapMs: MIN_LOOK_GAP_MS });
  });

  it('tasks that keep time are soon seen within the finest gap of their end, where the widest gap kept seeing them late', () => {
    // The first moment a look can see the task's end; the import's first batch looks every 250 ms from the post.
    const endMs = 1_705;
    const firstBatch = { firstPollAfterMs: 0, lookGapMs: 250 };
    const lateness = (schedule: (waits: number[]) => LookSchedule, remember: typeof rememberTaskWait) => {
      const waits: number[] = [];
      const late: number[] = [];
      for (let batch = 0; batch < 24; batch++) {
        const looks = batch === 0 ? firstBatch : schedule(waits);
        const wait = seenAt(endMs, looks);
        late.push(wait - endMs);
        remember(waits, wait, looks);
      }
      return { late: late.slice(-8), waits };
    };
    const fine = lateness(lookSchedule, rememberTaskWait);
    expect(lookSchedule(fine.waits).lookGapMs).toBe(MIN_LOOK_GAP_MS);
    for (const late of fine.late) {
      expect(late).toBeGreaterThanOrEqual(0);
      expect(late).toBeLessThan(MIN_LOOK_GAP_MS);
    }
    // Always the widest gap, from the median less its margin: the first batch's 45 ms late, for ever.
    const widest = lateness((waits) => ({ firstPollAfterMs: firstPollAfterMs(waits), lookGapMs: MAX_LOOK_GAP_MS }), (waits, wait) => rememberTaskWait(waits, wait));
    for (const late of widest.late) expect(late).toBe(45);
  });

  it('a hint that has become late comes down as fast as with the fixed margin, not two fine gaps a batch', () => {
    // Tasks took 2.5 s, evenly (the gap is the finest), and now take 1.7 s: every first look sees the end.
    const endMs = 1_705;
    const descend = (remember: (waits: number[], wait: number, looks: LookSchedule) => void) => {
      const waits = Array.from({ length: 16 }, () => 2_500);
      const late: number[] = [];
      for (let batch = 0; batch < 48; batch++) {
        const looks = lookSchedule(waits);
        const wait = seenAt(endMs, looks);
        late.push(wait - endMs);
        remember(waits, wait, looks);
      }
      return late;
    };
    const withLooks = descend((waits, wait, looks) => rememberTaskWait(waits, wait, looks));
    const withoutLooks = descend((waits, wait) => rememberTaskWait(waits, wait));
    // The old schedule (the median less 200 ms, each wait as seen) for comparison.
    const old: number[] = [];
    const oldWaits = Array.from({ length: 16 }, () => 2_500);
    for (let batch = 0; batch < 48; batch++) {
      const wait = seenAt(endMs, { firstPollAfterMs: firstPollAfterMs(oldWaits), lookGapMs: MAX_LOOK_GAP_MS });
      old.push(wait - endMs);
      rememberTaskWait(oldWaits, wait);
    }
    const sum = (late: number[]) => late.reduce((a, b) => a + b, 0);
    expect(sum(withLooks)).toBeLessThanOrEqual(sum(old));
    // Taken as seen, the waits of first looks bring the hint down 40 ms every 8 batches: still ~600 ms late.
    expect(withoutLooks.at(-1)).toBeGreaterThan(500);
    for (const late of withLooks.slice(-8)) {
      expect(late).toBeGreaterThanOrEqual(0);
      expect(late).toBeLessThan(MAX_LOOK_GAP_MS);
    }
  });

  it('remembers where a task probably ended: half a gap before a later look saw it, a margin before the first look did', () => {
    const waits: number[] = [];
    const fine = { firstPollAfterMs: 1_690, lookGapMs: 20 };
    rememberTaskWait(waits, 1_695, fine);
    rememberTaskWait(waits, 1_710, fine);
    // Before the hint (a wait that took over from a submit's watch), or with no hint: as seen.
    rememberTaskWait(waits, 1_200, fine);
    rememberTaskWait(waits, 300, { firstPollAfterMs: 0, lookGapMs: MAX_LOOK_GAP_MS });
    // A hint past the longest first wait is looked at then, not at the hint.
    const far = { firstPollAfterMs: 8_000, lookGapMs: MAX_LOOK_GAP_MS };
    rememberTaskWait(waits, 6_000, far);
    rememberTaskWait(waits, MAX_FIRST_POLL_DELAY_MS + 10, far);
    expect(waits).toEqual([1_695 - FIRST_POLL_MARGIN_MS, 1_700, 1_200, 300, 5_950, MAX_FIRST_POLL_DELAY_MS + 10 - FIRST_POLL_MARGIN_MS]);
  });

  it('a task slower than the rest is still seen by the looks after the hint: the gap widens again as times spread', () => {
    const waits = Array.from({ length: 16 }, () => 1_740);
    for (let i = 0; i < 8; i++) rememberTaskWait(waits, 1_740 + 60 * (i + 1));
    expect(lookSchedule(waits).lookGapMs).toBeGreaterThan(MIN_LOOK_GAP_MS);
  });
});
