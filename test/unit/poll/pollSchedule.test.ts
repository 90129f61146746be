import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { createAwaitImportTask, DENSE_POLLS, nextLookDelayMs, pollDelayMs } from '../../../activities/awaitTask';
import type { ActivityDeps } from '../../../activities/deps';
import type { AwaitTaskResult } from '../../../common/batch';
import { OVERLAP_LOOKS, OVERLAP_PAUSE_AFTER_429_MS } from '../../../activities/overlappingLooks';
import { FIRST_POLL_MARGIN_MS, firstPollAfterMs, MAX_LOOK_GAP_MS, MIN_LOOK_GAP_MS, rememberTaskWait } from '../../../common/firstPoll';
import type { XtremepushClient } from '../../../activities/xtremepush/client';
import { RateLimitedError } from '../../../activities/xtremepush/errors';
import type { SandboxOptionsInput } from '../../../sandbox';
import { sandboxApi } from '../../support/sandboxApi';

/**
 * Issue 6, "polling that does not waste time". Waiting for a task is the awaitImportTask activity
 * retried by Temporal, each retry after the `nextRetryDelay` the activity asks for: the first look
 * comes at once, later ones after pollDelayMs(attempt). Here the test plays Temporal's part (run an
 * attempt, wait the delay it asks for, run the next) against a real sandbox over loopback.
 */

const TOKEN = 'poll-test-token';
const TEN_MINUTES = 10 * 60_000;

/** When each poll happens, counted from the first one (at 0): the sum of the delays before it. */
function pollTimesUntil(endMs: number): number[] {
  const times = [0];
  for (let attempt = 1; (times.at(-1) as number) < endMs; attempt++) times.push((times.at(-1) as number) + pollDelayMs(attempt));
  return times;
}

/** The first poll at or after `doneMs`: when a task that finishes then is noticed. */
function noticedAt(doneMs: number): number {
  return pollTimesUntil(doneMs).at(-1) as number;
}

const api = sandboxApi(TOKEN);

/** When each Task Info request of the activity began (Date.now()). */
let lookTimes: number[] = [];

async function startTask(options: SandboxOptionsInput, looksPerFirstAttempt?: number): Promise<{ taskId: string; awaitImportTask: ReturnType<typeof createAwaitImportTask> }> {
  const { client } = await api.start(options);
  const rows = Array.from({ length: 100 }, (_, i) => [`p${i}`, 'Sam']);
  const answer = await client.importProfiles(['user_id', 'first_name'], rows);
  if (answer.mode !== 'async') throw new Error('the sandbox answered 100 rows synchronously');
  const real = client;
  lookTimes = [];
  // The real client over loopback; the test only notes when each look begins.
  const xtremepush = Object.assign(Object.create(real) as XtremepushClient, {
    taskInfo: (...args: Parameters<XtremepushClient['taskInfo']>) => {
      lookTimes.push(Date.now());
      return real.taskInfo(...args);
    },
    rateLimitedWithin: (ms: number) => real.rateLimitedWithin(ms),
  });
  const deps: ActivityDeps = { dataDir: undefined, reportDir: '/nonexistent', xtremepush, buildThreads: 0, ...(looksPerFirstAttempt ? { looksPerFirstAttempt } : {}) };
  return { taskId: answer.taskId, awaitImportTask: createAwaitImportTask(deps) };
}

/** One attempt, as Temporal runs it: the delay it asks for while the task runs, or its answer. */
async function attempt(awaitImportTask: ReturnType<typeof createAwaitImportTask>, taskId: string, n: number) {
  try {
    const answer: AwaitTaskResult = await new MockActivityEnvironment({ attempt: n }).run(awaitImportTask, { taskId, batchIndex: 0 });
    return { done: true as const, status: answer.status };
  } catch (error) {
    expect(error).toBeInstanceOf(ApplicationFailure);
    const failure = error as ApplicationFailure;
    expect(failure.type).toBe('TaskStillRunning');
    return { done: false as const, delayMs: Number(failure.nextRetryDelay) };
  }
}

/** On loopback a look takes a few ms, so the delay asked for is the schedule's gap less those. */
/**
 * The gap to the next look is the schedule's, less the look's own round trip: a few ms on loopback,
 * but a loaded machine (the whole suite on two cores) once stretched one past 50 ms, hence 250.
 */
function expectScheduleGap(delayMs: number, attempt: number): void {
  expect(delayMs).toBeLessThanOrEqual(pollDelayMs(attempt));
  expect(delayMs).toBeGreaterThanOrEqual(pollDelayMs(attempt) - 250);
}

describe('the poll schedule (pollDelayMs)', () => {
  it('looks at once, then after 250 ms, with gaps growing by at most 35% up to 10 s', () => {
    expect(pollDelayMs(1)).toBe(250);
    for (let n = 2; n <= 100; n++) {
      expect(pollDelayMs(n)).toBeGreaterThanOrEqual(pollDelayMs(n - 1));
      expect(pollDelayMs(n)).toBeLessThanOrEqual(Math.ceil(pollDelayMs(n - 1) * 1.35) + 1);
      expect(pollDelayMs(n)).toBeLessThanOrEqual(10_000);
    }
    expect(pollDelayMs(100)).toBe(10_000);
  });

  it('notices a task that takes 1 s within about 1 s, and any task within 35% of its time (+250 ms), never more than 10 s late', () => {
    // Every 250 ms for the first two seconds: a task done at 1 s is seen by the poll at 1 s.
    expect(pollTimesUntil(1_000)).toEqual([0, 250, 500, 750, 1_000]);
    expect(noticedAt(1_000)).toBeLessThanOrEqual(1_100);
    for (let doneMs = 1; doneMs <= 2_000; doneMs += 13) expect(noticedAt(doneMs) - doneMs).toBeLessThan(250);
    for (let doneMs = 1; doneMs <= TEN_MINUTES; doneMs += doneMs < 60_000 ? 7 : 997) {
      const lateBy = noticedAt(doneMs) - doneMs;
      expect(lateBy).toBeLessThanOrEqual(Math.min(0.35 * doneMs + 250, 10_000));
    }
  });

  it('costs a bounded number of polls for a 10-minute task: the growing gaps, then one poll per 10 s', () => {
    const polls = pollTimesUntil(TEN_MINUTES).length;
    const growing = Array.from({ length: 100 }, (_, i) => pollDelayMs(i + 1)).filter((d) => d < 10_000).length;
    // Every poll past the growing ones covers 10 s of the task: 60 of them for 10 minutes, at most.
    const bound = 1 + growing + Math.ceil(TEN_MINUTES / 10_000);
    expect(polls).toBeLessThanOrEqual(bound);
    expect(bound).toBeLessThanOrEqual(85);
    // A fixed 250 ms poll would cost 2,400 polls; a fixed 1 s poll 600.
    expect(polls).toBeLessThan(TEN_MINUTES / 1_000 / 7);
  });
});

describe('looks counted start to start (nextLookDelayMs)', () => {
  it('asks for the schedule’s gap less the look’s own round trip, and never for less than 20 ms', () => {
    expect(nextLookDelayMs(1, 0)).toBe(250);
    expect(nextLookDelayMs(1, 100)).toBe(150);
    expect(nextLookDelayMs(1, 300)).toBe(20);
    expect(nextLookDelayMs(1, -5)).toBe(250);
    expect(nextLookDelayMs(20, 300)).toBe(pollDelayMs(20) - 300);
    expect(nextLookDelayMs(100, 1_000)).toBe(9_000);
  });
});

describe('awaitImportTask against a real sandbox, with Temporal’s retry played by the test', () => {
  it('a task that takes 1 s: the first attempt makes the dense looks itself and sees it done at about 1 s', async () => {
    const { taskId, awaitImportTask } = await startTask({ taskTiming: { queuedMs: 300, processingMs: 700 } });
    const started = Date.now();
    const outcome = await attempt(awaitImportTask, taskId, 1);
    expect(outcome).toMatchObject({ done: true, status: 'completed' });
    // Looks 250 ms apart, start to start: the one that sees the task done begins at about 1 s.
    expect(lookTimes.length).toBeGreaterThanOrEqual(4);
    expect(lookTimes.length).toBeLessThanOrEqual(6);
    for (let i = 1; i < lookTimes.length; i++) expect((lookTimes[i] as number) - (lookTimes[i - 1] as number)).toBeGreaterThanOrEqual(pollDelayMs(i) - 5);
    expect((lookTimes.at(-1) as number) - started).toBeLessThanOrEqual(1_300);
    expect(api.sandbox.stats().requests['info/task']).toBe(lookTimes.length);
  });

  it('a task that runs for 10 minutes: the dense looks in the first attempt, then delays that add up to 10 minutes within the bound, one request each', async () => {
    const { taskId, awaitImportTask } = await startTask({ faults: { stuckTaskRate: 1 } });
    const first = await attempt(awaitImportTask, taskId, 1);
    if (first.done) throw new Error('a stuck task was reported done');
    expect(lookTimes.length).toBe(DENSE_POLLS);
    let elapsed = (lookTimes.at(-1) as number) - (lookTimes[0] as number) + pollDelayMs(DENSE_POLLS);
    let attempts = 1;
    while (elapsed < TEN_MINUTES) {
      const outcome = await attempt(awaitImportTask, taskId, ++attempts);
      if (outcome.done) throw new Error('a stuck task was reported done');
      const look = DENSE_POLLS + attempts - 1;
      expectScheduleGap(outcome.delayMs, look);
      elapsed += pollDelayMs(look); // simulated: nobody waits ten minutes in a unit test
    }
    const polls = lookTimes.length + 1; // and the look at or after ten minutes
    expect(polls).toBeLessThanOrEqual(pollTimesUntil(TEN_MINUTES).length + 1);
    expect(polls).toBeLessThanOrEqual(85);
    expect(api.sandbox.stats().requests['info/task']).toBe(lookTimes.length);
  });

  it('under an API rate limit (one look per attempt, so that every look is an activity start), the first attempt looks once', async () => {
    const { taskId, awaitImportTask } = await startTask({ taskTiming: { queuedMs: 300, processingMs: 700 } }, 1);
    const first = await attempt(awaitImportTask, taskId, 1);
    expect(first).toMatchObject({ done: false });
    expect(lookTimes).toHaveLength(1);
    const second = await attempt(awaitImportTask, taskId, 2);
    expect(second).toMatchObject({ done: false });
    expect(lookTimes).toHaveLength(2);
    if (!second.done) expectScheduleGap(second.delayMs, 2);
  });

  it('with a first-poll hint from earlier tasks, a task that takes 1 s costs two polls', async () => {
    const { taskId, awaitImportTask } = await startTask({ taskTiming: { queuedMs: 300, processingMs: 700 } });
    const started = Date.now();
    // The hint is the earlier tasks' time: the first look lands about when the task ends, so the
    // look after it (one overlap gap on) sees the end even when a loaded machine fires the sandbox's
    // end a few tens of ms late. A hint of 900 put the second look on the end itself, and one run
    // of the whole suite took a third.
    const first: Promise<AwaitTaskResult> = new MockActivityEnvironment({ attempt: 1, scheduledTimestampMs: started }).run(awaitImportTask, { taskId, batchIndex: 0, firstPollAfterMs: 1_000 });
    let outcome: { done: true; status: string } | { done: false; delayMs: number } = await first.then(
      (answer: AwaitTaskResult) => ({ done: true as const, status: answer.status }),
      (error: ApplicationFailure) => ({ done: false as const, delayMs: Number(error.nextRetryDelay) }),
    );
    // The first look waited for the hint instead of polling a task that could not be done yet.
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    if (!outcome.done) {
      await sleep(outcome.delayMs);
      outcome = await attempt(awaitImportTask, taskId, 2);
    }
    expect(outcome).toMatchObject({ done: true, status: 'completed' });
    expect(api.sandbox.stats().requests['info/task']).toBeLessThanOrEqual(2);
  });

  it('with a hint and a slow API (300 ms per look), looks overlap from the hint on and see the end within about a gap', async () => {
    // The task ends 1 s after the POST's answer; a look sees it if it is sent 300 ms before that or later.
    const { taskId, awaitImportTask } = await startTask({ taskTiming: { queuedMs: 300, processingMs: 700 }, faults: { latencyMs: 300 } });
    const started = Date.now();
    const answer: AwaitTaskResult = await new MockActivityEnvironment({ attempt: 1, scheduledTimestampMs: started }).run(awaitImportTask, { taskId, batchIndex: 0, firstPollAfterMs: 500 });
    expect(answer.status).toBe('completed');
    // Looks one gap apart, not one round trip apart: the second was sent before the first answered.
    expect((lookTimes[1] as number) - (lookTimes[0] as number)).toBeLessThan(300);
    expect(lookTimes.length).toBeLessThanOrEqual(OVERLAP_LOOKS);
    // Its end seen by a look sent within a gap of the first moment one could (700 ms), give or take the timers.
    expect(answer.waitedMs).toBeGreaterThanOrEqual(650);
    expect(answer.waitedMs).toBeLessThan(700 + MAX_LOOK_GAP_MS + 100);
  });

  it('with the finest gap (tasks that keep time), the looks from the hint go out that gap apart', async () => {
    const { taskId, awaitImportTask } = await startTask({ taskTiming: { queuedMs: 300, processingMs: 700 }, faults: { latencyMs: 300 } });
    const started = Date.now();
    const answer: AwaitTaskResult = await new MockActivityEnvironment({ attempt: 1, scheduledTimestampMs: started }).run(awaitImportTask, {
      taskId,
      batchIndex: 0,
      firstPollAfterMs: 640,
      lookGapMs: MIN_LOOK_GAP_MS,
    });
    expect(answer.status).toBe('completed');
    expect(lookTimes.length).toBeGreaterThanOrEqual(3);
    // setTimeout fires at the gap or a little after it, never before.
    const gaps = lookTimes.slice(1).map((at, i) => at - (lookTimes[i] as number));
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(MIN_LOOK_GAP_MS - 1);
    expect(Math.min(...gaps)).toBeLessThan(MAX_LOOK_GAP_MS);
    // The first look that could see the end was sent at about 700 ms: seen by one sent within the finest gap after it, give or take the timers.
    expect(answer.waitedMs).toBeGreaterThanOrEqual(650);
    expect(answer.waitedMs).toBeLessThan(700 + MIN_LOOK_GAP_MS + 100);
  });

  it('for a minute after the API answered 429, looks at the hint wait for each other again', async () => {
    const slowApi = { latencyMs: 300 };
    const { taskId, awaitImportTask } = await startTask({ taskTiming: { queuedMs: 300, processingMs: 700 }, faults: slowApi });
    api.sandbox.configure({ ...slowApi, rateLimit: 1, faultMethods: ['list/profile'] });
    await expect(api.client.checkCredentials()).rejects.toBeInstanceOf(RateLimitedError);
    api.sandbox.configure(slowApi);
    expect(api.client.rateLimitedWithin(OVERLAP_PAUSE_AFTER_429_MS)).toBe(true);
    expect(api.client.rateLimitedWithin(OVERLAP_PAUSE_AFTER_429_MS, Date.now() + OVERLAP_PAUSE_AFTER_429_MS)).toBe(false);

    // The 429 took a round trip of the task's second: a short hint leaves it several looks to make.
    const started = Date.now();
    const answer: AwaitTaskResult = await new MockActivityEnvironment({ attempt: 1, scheduledTimestampMs: started }).run(awaitImportTask, { taskId, batchIndex: 0, firstPollAfterMs: 50 });
    expect(answer.status).toBe('completed');
    expect(lookTimes.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < lookTimes.length; i++) expect((lookTimes[i] as number) - (lookTimes[i - 1] as number)).toBeGreaterThanOrEqual(300);
  });

  it('the first look counts its hint from when the wait was scheduled, not from when a worker took it', async () => {
    const { taskId, awaitImportTask } = await startTask({ taskTiming: { queuedMs: 300, processingMs: 700 } });
    const started = Date.now();
    // Scheduled 700 ms ago (a busy worker): of a 900 ms hint, only about 200 ms are left to wait.
    const look = new MockActivityEnvironment({ attempt: 1, scheduledTimestampMs: started - 700 }).run(awaitImportTask, { taskId, batchIndex: 0, firstPollAfterMs: 900 });
    await look.catch(() => undefined);
    const firstLookAfterMs = (lookTimes[0] as number) - started;
    expect(firstLookAfterMs).toBeGreaterThanOrEqual(150);
    expect(firstLookAfterMs).toBeLessThan(600);
  });

  it('with a slow API (300 ms per look), the next look follows an answer of "running" at once', async () => {
    const { taskId, awaitImportTask } = await startTask({ taskTiming: { queuedMs: 300, processingMs: 700 }, faults: { latencyMs: 300 } });
    const outcome = await attempt(awaitImportTask, taskId, 1);
    expect(outcome).toMatchObject({ done: true, status: 'completed' });
    expect(lookTimes.length).toBeGreaterThanOrEqual(3);
    // Waiting 250 ms after each 300 ms answer would see the task every 550 ms; start to start it is every ~300 ms.
    for (let i = 1; i < lookTimes.length; i++) {
      const gap = (lookTimes[i] as number) - (lookTimes[i - 1] as number);
      expect(gap).toBeGreaterThanOrEqual(300);
      expect(gap).toBeLessThan(450);
    }
  });

  it('without a hint, the wait said is midway between the last look that saw the task running and the one that saw it end', async () => {
    // Looks 300 ms long wait for each other: about 320 ms apart, the end seen up to that late.
    const { taskId, awaitImportTask } = await startTask({ taskTiming: { queuedMs: 300, processingMs: 700 }, faults: { latencyMs: 300 } });
    const started = Date.now();
    const answer: AwaitTaskResult = await new MockActivityEnvironment({ attempt: 1, scheduledTimestampMs: started }).run(awaitImportTask, { taskId, batchIndex: 0 });
    expect(answer.status).toBe('completed');
    expect(lookTimes.length).toBeGreaterThanOrEqual(3);
    const [running, ended] = lookTimes.slice(-2) as [number, number];
    expect(ended - running).toBeGreaterThanOrEqual(300);
    // Not the last look's start (`ended - started`), which the first window's waits were, up to a round trip late.
    expect(Math.abs(answer.waitedMs - ((running + ended) / 2 - started))).toBeLessThanOrEqual(5);
  });

  it('the first-poll hint follows the task time and does not creep up by the round trip of each look', async () => {
    // Looks take 400 ms (the sandbox's latency comes before it reads the task), tasks 800 ms. Were a
    // wait measured to the answer of the look that saw the end, each batch's hint would be 200 ms
    // later than the one before (round trip 400 − margin 200): past 1 s by the third batch.
    const { awaitImportTask } = await startTask({ taskTiming: { queuedMs: 200, processingMs: 600 }, faults: { latencyMs: 400 } });
    const waits: number[] = [];
    const hints: number[] = [];
    for (let batch = 0; batch < 6; batch++) {
      const answer = await api.client.importProfiles(['user_id', 'first_name'], Array.from({ length: 100 }, (_, i) => [`b${batch}-${i}`, 'Sam']));
      if (answer.mode !== 'async') throw new Error('the sandbox answered 100 rows synchronously');
      const scheduledTimestampMs = Date.now();
      hints.push(firstPollAfterMs(waits));
      for (let n = 1; ; n++) {
        try {
          const done: AwaitTaskResult = await new MockActivityEnvironment({ attempt: n, scheduledTimestampMs }).run(awaitImportTask, {
            taskId: answer.taskId,
            batchIndex: batch,
            firstPollAfterMs: hints.at(-1) as number,
          });
          rememberTaskWait(waits, done.waitedMs);
          break;
        } catch (error) {
          expect((error as ApplicationFailure).type).toBe('TaskStillRunning');
          await sleep(Number((error as ApplicationFailure).nextRetryDelay));
        }
      }
    }
    expect(hints[0]).toBe(0);
    for (const hint of hints) expect(hint).toBeLessThanOrEqual(1_000);
    // And it is a hint at all: after the first task, the first look waits until about the margin
    // before the first moment a look can see the end (sent 400 ms before the task's 800 ms are up).
    expect(Math.max(...hints.slice(1))).toBeGreaterThanOrEqual(800 - 400 - FIRST_POLL_MARGIN_MS - 50);
  }, 60_000);
});
