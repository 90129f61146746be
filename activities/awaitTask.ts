import { Context } from '@temporalio/activity';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import type { AwaitTaskInput, AwaitTaskResult } from '../common/batch';
import type { ActivityDeps } from './deps';
import { toApplicationFailure } from './failures';

/**
 * The poll schedule after the first look: every 250 ms for about two seconds, then gaps growing by
 * 35% up to 10 s. A task is noticed within ~250 ms of finishing when the first look came about
 * when it should finish, and a task that takes ten minutes costs about 80 polls.
 */
const DENSE_POLLS = 8;
export function pollDelayMs(attempt: number): number {
  return Math.min(Math.round(250 * 1.35 ** Math.max(attempt - DENSE_POLLS, 0)), 10_000);
}

/** The longest first wait: a hint far off (a slow task among fast ones) costs at most this. */
export const MAX_FIRST_POLL_DELAY_MS = 5_000;

/**
 * Reads an import task's state once. While the task runs this fails *benignly* with the next poll
 * delay: the activity's retry policy is the poll loop, and retries add no history events.
 */
export function createAwaitImportTask(deps: ActivityDeps) {
  return async function awaitImportTask(input: AwaitTaskInput): Promise<AwaitTaskResult> {
    const context = Context.current();
    const { attempt } = context.info;
    // The first look waits until about when this import's tasks have been finishing: polling a
    // task that cannot be done yet only costs API calls and Temporal retries.
    if (attempt === 1 && input.firstPollAfterMs) await context.sleep(Math.min(input.firstPollAfterMs, MAX_FIRST_POLL_DELAY_MS));
    // The task was done by the time this look began: its wait ends here, not when the answer arrives.
    const lookedAtMs = Date.now();
    let task;
    try {
      task = await deps.xtremepush.taskInfo(input.taskId, Context.current().cancellationSignal);
    } catch (error) {
      throw toApplicationFailure(error, pollDelayMs(attempt));
    }
    if (task.status === 'running') {
      throw ApplicationFailure.create({
        type: 'TaskStillRunning',
        message: `task ${input.taskId} is ${task.rawStatus || 'running'}`,
        category: ApplicationFailureCategory.BENIGN,
        nextRetryDelay: pollDelayMs(attempt),
      });
    }
    return { status: task.status, rawStatus: task.rawStatus, waitedMs: Math.max(0, Math.round(lookedAtMs - context.info.scheduledTimestampMs)) };
  };
}
