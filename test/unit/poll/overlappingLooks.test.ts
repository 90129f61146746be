import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OVERLAP_LOOKS, overlappingLooks } from '../../../activities/overlappingLooks';
import type { TaskInfo } from '../../../activities/xtremepush/client';
import { MAX_LOOK_GAP_MS, MIN_LOOK_GAP_MS } from '../../../common/firstPoll';

const ROUND_TRIP_MS = 300;
const GAP_MS = MAX_LOOK_GAP_MS;

/**
 * A Task Info that answers ROUND_TRIP_MS after it is asked, about the task as it is when the
 * request arrives (as the sandbox does), and records when each look was sent.
 */
function slowTaskInfo(endsAtMs: number | undefined, failFromLook?: number) {
  const sentAt: number[] = [];
  let inFlight = 0;
  let mostInFlight = 0;
  const look = (): Promise<TaskInfo> => {
    const number = sentAt.push(Date.now());
    inFlight++;
    mostInFlight = Math.max(mostInFlight, inFlight);
    return new Promise((resolve, reject) => {
      setTimeout(() => {
        inFlight--;
        if (failFromLook !== undefined && number >= failFromLook) reject(new Error(`look ${number} failed`));
        else resolve(endsAtMs !== undefined && Date.now() >= endsAtMs ? { status: 'completed', rawStatus: 'completed' } : { status: 'running', rawStatus: 'processing' });
      }, ROUND_TRIP_MS);
    });
  };
  return { look, sentAt, mostInFlight: () => mostInFlight };
}

/** Looks `gapMs` apart at a task that ends at `endsAtMs`, on fake timers; fails the test unless they see the end. */
async function lookUntilSeen(endsAtMs: number, gapMs: number) {
  const api = slowTaskInfo(endsAtMs);
  const outcome = overlappingLooks(api.look, gapMs);
  await vi.advanceTimersByTimeAsync(5_000);
  const result = await outcome;
  expect(result.done).toBe(true);
  if (!result.done) throw new Error('the looks did not see the task end');
  return { api, lookedAtMs: result.lookedAtMs };
}

describe('overlapping looks around a task’s expected end', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends a look every gap without waiting for answers, and sees the end within about a gap of it', async () => {
    const endsAtMs = 430;
    const { api, lookedAtMs } = await lookUntilSeen(endsAtMs, GAP_MS);
    expect(api.mostInFlight()).toBeGreaterThan(1);
    // The first look that arrived after the end (sent at 200, arriving at 500) is the one that saw it.
    expect(lookedAtMs).toBe(Math.ceil((endsAtMs - ROUND_TRIP_MS) / GAP_MS) * GAP_MS);
    expect(api.sentAt.slice(0, 3)).toEqual([0, GAP_MS, 2 * GAP_MS]);
    expect(api.sentAt.length).toBeLessThanOrEqual(OVERLAP_LOOKS);
  });

  it('stops after OVERLAP_LOOKS looks that all saw the task running, with its last status', async () => {
    const api = slowTaskInfo(undefined);
    const outcome = overlappingLooks(api.look, GAP_MS);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await outcome).toEqual({ done: false, rawStatus: 'processing' });
    expect(api.sentAt).toHaveLength(OVERLAP_LOOKS);
    expect(api.sentAt.at(-1)).toBe((OVERLAP_LOOKS - 1) * GAP_MS);
  });

  it('sends no look after one fails, and answers with the error once the looks in flight have answered', async () => {
    const api = slowTaskInfo(undefined, 1);
    const outcome = overlappingLooks(api.look, GAP_MS);
    await vi.advanceTimersByTimeAsync(10_000);
    const result = await outcome;
    expect(result).toMatchObject({ done: false, error: new Error('look 1 failed') });
    // Looks 2 and 3 were sent before look 1's answer (at 300 ms); none after it.
    expect(api.sentAt).toEqual([0, GAP_MS, 2 * GAP_MS]);
  });

  it('takes the end seen by a look still in flight after another look failed', async () => {
    let number = 0;
    const look = (): Promise<TaskInfo> => {
      const mine = ++number;
      return new Promise((resolve, reject) =>
        setTimeout(() => (mine === 1 ? reject(new Error('look 1 failed')) : resolve({ status: 'failed', rawStatus: 'error' })), ROUND_TRIP_MS),
      );
    };
    const outcome = overlappingLooks(look, GAP_MS);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(await outcome).toEqual({ done: true, task: { status: 'failed', rawStatus: 'error' }, lookedAtMs: GAP_MS });
  });

  it('with the finest gap (tasks that keep time), looks MIN_LOOK_GAP_MS apart see the end within that gap', async () => {
    const endsAtMs = 347;
    const { api, lookedAtMs } = await lookUntilSeen(endsAtMs, MIN_LOOK_GAP_MS);
    expect(api.sentAt.slice(0, 3)).toEqual([0, MIN_LOOK_GAP_MS, 2 * MIN_LOOK_GAP_MS]);
    // The first moment a look could see the end is 47 ms (sent then, it arrives at 347): seen by the one sent at 60.
    expect(lookedAtMs).toBe(60);
    expect(lookedAtMs - (endsAtMs - ROUND_TRIP_MS)).toBeLessThan(MIN_LOOK_GAP_MS);
  });
});
