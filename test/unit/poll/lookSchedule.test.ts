import { describe, expect, it } from 'vitest';
import { FIRST_POLL_MARGIN_MS, firstPollAfterMs, lookSchedule, MAX_LOOK_GAP_MS, MIN_LOOK_GAP_MS, rememberTaskWait } from '../../../common/firstPoll';

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
    const lateness = (schedule: (waits: number[]) => { firstPollAfterMs: number; lookGapMs: number }) => {
      const waits: number[] = [];
      const late: number[] = [];
      for (let batch = 0; batch < 24; batch++) {
        const wait = seenAt(endMs, batch === 0 ? firstBatch : schedule(waits));
        late.push(wait - endMs);
        rememberTaskWait(waits, wait);
      }
      return { late: late.slice(-8), waits };
    };
    const fine = lateness(lookSchedule);
    expect(lookSchedule(fine.waits).lookGapMs).toBe(MIN_LOOK_GAP_MS);
    for (const late of fine.late) {
      expect(late).toBeGreaterThanOrEqual(0);
      expect(late).toBeLessThan(MIN_LOOK_GAP_MS);
    }
    // Always the widest gap, from the median less its margin: the first batch's 45 ms late, for ever.
    const widest = lateness((waits) => ({ firstPollAfterMs: firstPollAfterMs(waits), lookGapMs: MAX_LOOK_GAP_MS }));
    for (const late of widest.late) expect(late).toBe(45);
  });

  it('a task slower than the rest is still seen by the looks after the hint: the gap widens again as times spread', () => {
    const waits = Array.from({ length: 16 }, () => 1_740);
    for (let i = 0; i < 8; i++) rememberTaskWait(waits, 1_740 + 60 * (i + 1));
    expect(lookSchedule(waits).lookGapMs).toBeGreaterThan(MIN_LOOK_GAP_MS);
  });
});
