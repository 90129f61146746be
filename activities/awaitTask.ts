import { Context } from '@temporalio/activity';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import type { AwaitTaskInput, AwaitTaskResult } from '../common/batch';
import { MAX_FIRST_POLL_DELAY_MS, MAX_LOOK_GAP_MS } from '../common/firstPoll';
import type { ActivityDeps } from './deps';
import { toApplicationFailure } from './failures';
import { OVERLAP_PAUSE_AFTER_429_MS, overlappingLooks, type EndedTask } from './overlappingLooks';

/**
 * The poll schedule after the first look, as gaps between the *starts* of looks (`look` counts
 * from 1): every 250 ms for about two seconds, then gaps growing by 35% up to 10 s. A task is
 * noticed within ~250 ms of finishing when the first look came about when it should finish, and a
 * task that takes ten minutes costs about 80 polls.
 */
export const DENSE_POLLS = 8;
export function pollDelayMs(look: number): number {
  return Math.min(Math.round(250 * 1.35 ** Math.max(look - DENSE_POLLS, 0)), 10_000);
}

/**
 * The delay before the next look, given how long this look took: the schedule counts from one
 * look's start to the next, so a slow API (a 300 ms Task Info) is not also kept waiting 250 ms
 * after each answer. A look sees the task as it is when the request arrives, so after an answer of
 * "running" the next useful look is right away, not a whole gap later.
 */
const MIN_LOOK_GAP_MS = 20;
export function nextLookDelayMs(look: number, roundTripMs: number): number {
  return Math.max(MIN_LOOK_GAP_MS, pollDelayMs(look) - Math.max(0, Math.round(roundTripMs)));
}

/** How a watch ended: the task's end, or still running after the last look allowed. */
export type TaskWatch = { done: true; result: AwaitTaskResult } | { done: false; nextDelayMs: number; rawStatus: string };

export interface WatchPlan {
  /** When the wait began (epoch ms): the hint and `waitedMs` count from here. */
  fromMs: number;
  /** Look first this long after `fromMs` (about when this import's tasks have been finishing). */
  hintMs?: number;
  /** How far apart the overlapping looks at the hint are (absent: the widest gap). */
  lookGapMs?: number;
  /** Looks are numbered on the poll schedule: the first of this watch, and the last it may make. */
  firstLook: number;
  lastLook: number;
}

/** The hint part of a watch plan, from a wait's or a submit's input: none without a hint (0 or absent: look at once). */
export function watchHint(looks: { firstPollAfterMs?: number | undefined; lookGapMs?: number | undefined }): Pick<WatchPlan, 'hintMs' | 'lookGapMs'> {
  if (!looks.firstPollAfterMs) return {};
  return { hintMs: looks.firstPollAfterMs, ...(looks.lookGapMs ? { lookGapMs: looks.lookGapMs } : {}) };
}

/**
 * Looks at a task on the poll schedule until it is done or the last look allowed has seen it
 * running. Waiting for the hint first: polling a task that cannot be done yet only costs API calls.
 * A failed Task Info call throws as an activity failure paced by the poll schedule.
 */
export async function watchTask(deps: ActivityDeps, context: Context, taskId: string, plan: WatchPlan): Promise<TaskWatch> {
  let firstLook = plan.firstLook;
  if (plan.hintMs) {
    const hintMs = Math.min(plan.hintMs, MAX_FIRST_POLL_DELAY_MS);
    await context.sleep(Math.max(0, hintMs - Math.max(0, Date.now() - plan.fromMs)));
    // At the hint the end is near: overlapping looks stand for the first look of the schedule. Not
    // when this watch may make only one look (an API rate limit counts each look as an activity
    // start), nor for a while after the API answered 429: it asks for fewer calls, not more.
    if (plan.lastLook > plan.firstLook && !deps.xtremepush.rateLimitedWithin(OVERLAP_PAUSE_AFTER_429_MS)) {
      const overlap = await overlappingLooks((signal) => deps.xtremepush.taskInfo(taskId, signal), plan.lookGapMs ?? MAX_LOOK_GAP_MS, context.cancellationSignal);
      if (overlap.done) return { done: true, result: watchResult(overlap.task, overlap.lookedAtMs, plan) };
      if ('error' in overlap) throw toApplicationFailure(overlap.error, pollDelayMs(firstLook));
      firstLook++;
    }
  }
  // When the last look of this watch that saw the task running began: without a hint, its end lies since then.
  let runningAtMs: number | undefined;
  for (let look = firstLook; ; look++) {
    // The task was done by the time this look began: its wait ends here, not when the answer arrives.
    const lookedAtMs = Date.now();
    let task;
    try {
      task = await deps.xtremepush.taskInfo(taskId, context.cancellationSignal);
    } catch (error) {
      throw toApplicationFailure(error, pollDelayMs(look));
    }
    if (task.status !== 'running') return { done: true, result: watchResult({ ...task, status: task.status }, lookedAtMs, plan, plan.hintMs ? undefined : runningAtMs) };
    runningAtMs = lookedAtMs;
    const nextDelayMs = nextLookDelayMs(look, Date.now() - lookedAtMs);
    if (look >= plan.lastLook) return { done: false, nextDelayMs, rawStatus: task.rawStatus };
    await context.sleep(nextDelayMs);
  }
}

/**
 * The wait a watch reports. Seen by looks without a hint, which wait for each other's answers, the
 * task ended somewhere between the last look that saw it running and the one that saw it end: the
 * middle is said. Said as seen, the first window's waits were up to a round trip late and all
 * alike (their looks had started together), so the next batches' looks, placed on them with the
 * finest gap, all came after the end: bench (b), the second window saw its tasks end ~210 ms late
 * (~60 ms said midway), where windows from the sixth on see them within ~10 ms. With a hint, the
 * workflow corrects the wait itself (endEstimateMs in common/firstPoll.ts).
 */
function watchResult(task: EndedTask, lookedAtMs: number, plan: WatchPlan, runningAtMs?: number): AwaitTaskResult {
  const endedAtMs = runningAtMs === undefined ? lookedAtMs : (runningAtMs + lookedAtMs) / 2;
  return { status: task.status, rawStatus: task.rawStatus, waitedMs: Math.max(0, Math.round(endedAtMs - plan.fromMs)) };
}

/** One look at a task; still running is a benign failure retried `everyMs` later. */
async function lookOnce(deps: ActivityDeps, context: Context, taskId: string, everyMs: number): Promise<AwaitTaskResult> {
  const watch = await watchTask(deps, context, taskId, { fromMs: context.info.scheduledTimestampMs, firstLook: DENSE_POLLS + 1, lastLook: DENSE_POLLS + 1 });
  if (watch.done) return watch.result;
  throw stillRunning(taskId, watch.rawStatus, everyMs);
}

function stillRunning(taskId: string, rawStatus: string, nextRetryDelay: number): ApplicationFailure {
  return ApplicationFailure.create({
    type: 'TaskStillRunning',
    message: `task ${taskId} is ${rawStatus || 'running'}`,
    category: ApplicationFailureCategory.BENIGN,
    nextRetryDelay,
  });
}

/**
 * Waits for an import task. The first attempt makes the dense looks around the expected end
 * itself (DENSE_POLLS of them at most, about two seconds; one under an API rate limit, which
 * counts activity starts): a retry through Temporal comes back about a second after it is due,
 * four dense gaps, which made every miss of the first look cost a second. Later looks, far
 * apart, are attempts of their own: while the task runs an attempt fails *benignly* with the next
 * delay, so the activity's retry policy is the slow poll loop, and retries add no history events.
 */
export function createAwaitImportTask(deps: ActivityDeps) {
  return async function awaitImportTask(input: AwaitTaskInput): Promise<AwaitTaskResult> {
    const context = Context.current();
    const { attempt } = context.info;
    if (input.everyMs !== undefined) return lookOnce(deps, context, input.taskId, input.everyMs);
    const firstAttemptLooks = Math.min(Math.max(1, deps.looksPerFirstAttempt ?? DENSE_POLLS), DENSE_POLLS);
    const lastLook = attempt === 1 ? firstAttemptLooks : firstAttemptLooks + attempt - 1;
    // The hint counts from when the workflow scheduled the wait (as waitedMs does), so time spent
    // reaching a worker is not waited again.
    const watch = await watchTask(deps, context, input.taskId, {
      fromMs: context.info.scheduledTimestampMs,
      ...(attempt === 1 ? watchHint(input) : {}),
      firstLook: attempt === 1 ? 1 : lastLook,
      lastLook,
    });
    if (watch.done) return watch.result;
    throw stillRunning(input.taskId, watch.rawStatus, watch.nextDelayMs);
  };
}
