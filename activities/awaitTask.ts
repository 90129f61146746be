import { Context } from '@temporalio/activity';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import type { AwaitTaskInput, AwaitTaskResult } from '../common/batch';
import type { ActivityDeps } from './deps';
import { toApplicationFailure } from './failures';

/**
 * The poll schedule: the first look comes soon after submission and the gaps grow, so a task that
 * takes a second is noticed within about a second and one that takes ten minutes costs ~70 polls.
 */
export function pollDelayMs(attempt: number): number {
  return Math.min(Math.round(250 * 1.35 ** Math.max(attempt - 1, 0)), 10_000);
}

/**
 * Reads an import task's state once. While the task runs this fails *benignly* with the next poll
 * delay: the activity's retry policy is the poll loop, and retries add no history events.
 */
export function createAwaitImportTask(deps: ActivityDeps) {
  return async function awaitImportTask(input: AwaitTaskInput): Promise<AwaitTaskResult> {
    const { attempt } = Context.current().info;
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
    return { status: task.status, rawStatus: task.rawStatus };
  };
}
