import { ServiceError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { ImportClientError } from '../common/clientError';
import type { ImportClientContext } from './connect';

/**
 * How recently a worker must have polled to count as running. A live worker's poll is answered
 * within a minute (the server's long-poll timeout), then it polls again; Temporal remembers a
 * poller for five minutes, so a worker seen longer ago than this has stopped.
 */
export const WORKER_SEEN_WITHIN_MS = 2 * 60_000;

/** Nothing polls the import task queue: an import there waits, and a query of it cannot be answered. */
export class NoWorkerError extends ImportClientError {
  override name = 'NoWorkerError';
  /** It passes once a worker polls the queue. */
  readonly retryable = true;
  constructor(
    readonly taskQueue: string,
    readonly lastSeenAt: Date | null,
    now = Date.now(),
    /** This process's XP_IMPORT_TASK_QUEUE, when the import runs on another queue. */
    commandTaskQueue?: string,
  ) {
    super(noWorkerMessage(taskQueue, lastSeenAt, now, commandTaskQueue));
  }
}

/**
 * A worker polls the task queue but did not answer a query in time: stopped (SIGSTOP, a paused
 * container), overloaded, or cut off from Temporal after its last poll.
 */
export class WorkerNotAnsweringError extends ImportClientError {
  override name = 'WorkerNotAnsweringError';
  readonly retryable = true;
  constructor(
    readonly taskQueue: string,
    readonly waitedMs: number,
    /** What to do about it; by default what suits a query. */
    next = 'Check its log; `xp-import watch` keeps asking.',
  ) {
    super(
      `no worker answered within ${Math.round(waitedMs / 1000)} s, though one polled task queue "${taskQueue}" lately: ` +
        `it may be stopped, overloaded or cut off from Temporal. ${next}`,
    );
  }
}

/** A gRPC deadline that ran out (code 4), on the error or its cause. */
function isDeadlineExceeded(error: unknown): boolean {
  const code = (e: unknown) => (e as { code?: unknown } | undefined)?.code;
  return code(error) === 4 || code((error as { cause?: unknown } | undefined)?.cause) === 4;
}

/**
 * The server's own answer to a query that no worker took: FAILED_PRECONDITION "no poller seen for
 * task queue recently, worker may be down". The server gives it a second before the client's
 * deadline when the queue the query went to has had no poller for a few seconds, which is what a
 * worker killed moments ago leaves (it still counts as polling for `requireWorker`).
 */
function isNoPollerAnswer(error: unknown): boolean {
  const said = (e: unknown) => {
    const grpc = e as { code?: unknown; details?: unknown; message?: unknown } | undefined;
    const text = [grpc?.details, grpc?.message].filter((part) => typeof part === 'string').join(' ');
    return grpc?.code === 9 && /no poller seen/i.test(text);
  };
  return said(error) || said((error as { cause?: unknown } | undefined)?.cause);
}

/**
 * Whether a query that failed after `elapsedMs` got no answer within `deadlineMs`. The deadline
 * mostly comes back as DEADLINE_EXCEEDED; but when the server gives up on the query at about the
 * same moment, the SDK throws its ServiceError "Failed to query Workflow" with another code (seen
 * once in many runs of the noWorker test, where `status` then printed that instead of saying that
 * no worker answered). And a worker that was killed a few seconds before gets the server's "no
 * poller seen" about a second before the deadline. Either way, nothing answered in time.
 */
export function queryNotAnswered(error: unknown, elapsedMs: number, deadlineMs: number): boolean {
  return isDeadlineExceeded(error) || isNoPollerAnswer(error) || (error instanceof ServiceError && elapsedMs >= deadlineMs);
}

/**
 * Whether an update sent within a deadline got no answer: the SDK's WorkflowUpdateRPCTimeoutOrCancelledError
 * (the server holds an update until a worker takes it, re-sending it past its 20 s long poll), or a
 * bare DEADLINE_EXCEEDED.
 */
export function updateNotAnswered(error: unknown): boolean {
  return error instanceof WorkflowUpdateRPCTimeoutOrCancelledError || isDeadlineExceeded(error);
}

export function noWorkerMessage(taskQueue: string, lastSeenAt: Date | null, now = Date.now(), commandTaskQueue?: string): string {
  const seen = lastSeenAt === null ? 'none seen lately' : `the last one polled ${Math.round((now - lastSeenAt.getTime()) / 1_000)} s ago`;
  // An import started with another XP_IMPORT_TASK_QUEUE: the queue to name is the import's, and the mismatch is the likely cause.
  const start =
    commandTaskQueue === undefined
      ? 'Start one with `xp-import worker`, with the same TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and XP_IMPORT_TASK_QUEUE as this command.'
      : `The import was started on that queue, not on this command's XP_IMPORT_TASK_QUEUE ("${commandTaskQueue}"): ` +
        `start a worker with XP_IMPORT_TASK_QUEUE=${taskQueue}, or check which queue your workers poll.`;
  return `no worker is polling task queue "${taskQueue}" (${seen}), so the import waits and cannot answer. ${start}`;
}

/** When a worker last polled the import task queue for workflow tasks, as the server remembers it. */
export async function workerLastSeen(ctx: ImportClientContext): Promise<Date | null> {
  const answer = await ctx.client.workflowService.describeTaskQueue({
    namespace: ctx.client.options.namespace,
    taskQueue: { name: ctx.taskQueue },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  });
  let last: number | null = null;
  for (const poller of answer.pollers ?? []) {
    const seconds = poller.lastAccessTime?.seconds;
    if (seconds === undefined || seconds === null) continue;
    const at = Number(seconds) * 1_000 + Math.floor((poller.lastAccessTime?.nanos ?? 0) / 1e6);
    if (last === null || at > last) last = at;
  }
  return last === null ? null : new Date(last);
}

/** Throws NoWorkerError unless a worker polled the import task queue within WORKER_SEEN_WITHIN_MS. */
export async function requireWorker(ctx: ImportClientContext, now = Date.now()): Promise<void> {
  const lastSeenAt = await workerLastSeen(ctx);
  if (lastSeenAt === null || now - lastSeenAt.getTime() > WORKER_SEEN_WITHIN_MS) throw new NoWorkerError(ctx.taskQueue, lastSeenAt, now, ctx.commandTaskQueue);
}

/** The warning to print when no worker polls the import task queue; null when one does. */
export async function noWorkerWarning(ctx: ImportClientContext): Promise<string | null> {
  try {
    await requireWorker(ctx);
    return null;
  } catch (error) {
    if (error instanceof NoWorkerError) return error.message;
    throw error;
  }
}
