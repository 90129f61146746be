import {
  ActivityFailure,
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  patched,
  setCurrentDetails,
  setHandler,
  TimeoutFailure,
} from '@temporalio/workflow';
import type { BatchWorkflowInput, RequestSlice, SubmitBatchResult } from '../common/batch';
import { ABANDONED_FAILURE_CODE, DEFAULT_STUCK_LOOK_EVERY_MS } from '../common/batchIds';
import { batchStuckSignal, resolveStuckBatchUpdate, type StuckResolution } from '../common/messages';
import type { BatchResult, RetryCounts } from '../common/report';
import { awaitTaskActivities, reportActivities, stuckTaskActivities, submitActivities } from './activityOptions';

/** `cancel --abandon` while tasks are awaited: the batch reports what it sent instead of failing as cancelled. */
const ABANDON_REPORTS_WHAT_WAS_SENT = 'abandon-reports-what-was-sent';
/** `cancel --abandon` during a submit: the batch waits for the submit to say what it posted. */
const ABANDON_WAITS_FOR_SUBMIT = 'abandon-waits-for-submit';
/** A stuck task is still looked at, slowly, until it ends or an operator decides. */
const STUCK_TASKS_KEEP_BEING_LOOKED_AT = 'stuck-tasks-keep-being-looked-at';
/** `cancel --abandon` while a submit waits for its next attempt: what it posted is read from the report folder. */
const ABANDON_BETWEEN_ATTEMPTS = 'abandon-between-submit-attempts';

/**
 * One batch of an import, as its own workflow (`${importId}/batch-${n}`) so an operator can find it
 * in the UI. Submitting and waiting are separate durable steps: once a task ID is in history it is
 * waited on, never re-posted, unless the task itself fails. The submit watches its tasks for a
 * few looks before it answers, so a task that ends soon needs no wait step at all.
 */
export async function importBatchWorkflow(input: BatchWorkflowInput): Promise<BatchResult> {
  const { job, batch, settings } = input;
  const { submitBatch } = submitActivities(settings.maxSubmitAttempts, patched(ABANDON_WAITS_FOR_SUBMIT));
  const { awaitImportTask } = awaitTaskActivities(settings.stuckAfterMs);
  const { postedRequests } = reportActivities;
  const label = `batch ${batch.index + 1}: rows ${formatRange(batch.firstRow, batch.rowCount)}`;

  const result: BatchResult = {
    index: batch.index,
    firstRow: batch.firstRow,
    status: 'succeeded',
    rows: { total: batch.rowCount, imported: 0, rejected: 0, skipped: 0 },
    requests: 0,
    taskIds: [],
    retries: {},
    possibleDuplicates: 0,
  };

  let stuckResolution: StuckResolution | null = null;
  let stuckCount = 0;
  setHandler(
    resolveStuckBatchUpdate,
    (resolution) => {
      stuckResolution = resolution;
      return `${label}: ${resolution === 'resubmit' ? 'resubmitting' : 'abandoning'} stuck requests`;
    },
    {
      validator: (_resolution) => {
        if (stuckCount === 0) throw new Error(`${label} has no stuck task`);
      },
    },
  );

  const tellImport = async (stuck: boolean) => {
    await getExternalWorkflowHandle(input.parentWorkflowId).signal(batchStuckSignal, { index: batch.index, stuck });
  };

  // The submit watches its tasks for a few looks; only those it did not see end are waited for.
  const watchTasks = settings.firstPollAfterMs ? { firstPollAfterMs: settings.firstPollAfterMs } : {};
  setCurrentDetails(`${label}: submitting`);
  let submission: SubmitBatchResult;
  try {
    submission = await submitBatch.executeWithOptions({ summary: `${label}: submit` }, [
      { job, batch, maxSubmitAttempts: settings.maxSubmitAttempts, watchTasks, ...(input.next ? { prepareNext: input.next } : {}) },
    ]);
  } catch (error) {
    // Cancelled while the submit waited for its next attempt: the server answered for it at once,
    // without what earlier attempts had posted, so the batch reads that from the report folder.
    if (!isCancellation(error) || !patched(ABANDON_BETWEEN_ATTEMPTS)) throw error;
    const sent = await CancellationScope.nonCancellable(() => postedRequests({ importId: job.importId, batchIndex: batch.index }));
    if (sent.length === 0) throw error;
    addSubmission(result, { requests: sent, retries: {}, possibleDuplicates: 0 });
    return abandonedWhileWaiting(job.importId, result, sent, new Map(), batch.rowCount - sum(sent.map((r) => r.rows)), label);
  }
  result.rows.rejected = submission.rows.rejected;
  result.rows.skipped = submission.rows.skipped;
  result.warnings = submission.warnings;

  let pending = submission.requests;
  for (let resubmits = 0; ; resubmits++) {
    addSubmission(result, submission);
    if (job.dryRun) {
      result.rows.imported += submission.rows.sent;
      break;
    }
    setCurrentDetails(`${label}: ${describeRequests(pending)}`);
    const settled = new Map<string, TaskEnd>();
    const outcomeOf = async (request: RequestSlice): Promise<TaskEnd> => {
      if (request.taskId === undefined) return 'completed';
      // Histories from before the submit watched have no outcomes: their waits replay as they ran.
      const seen = submission.taskOutcomes?.find((outcome) => outcome.taskId === request.taskId);
      if (seen !== undefined) {
        result.taskWaitMs = Math.max(result.taskWaitMs ?? 0, seen.waitedMs);
        return seen.status;
      }
      try {
        const answer = await awaitImportTask.executeWithOptions({ summary: `${label}, task ${request.taskId}` }, [
          { taskId: request.taskId, batchIndex: batch.index, firstPollAfterMs: submission.watchedMs === undefined ? settings.firstPollAfterMs : 0 },
        ]);
        result.taskWaitMs = Math.max(result.taskWaitMs ?? 0, (submission.watchedMs ?? 0) + answer.waitedMs);
        return answer.status;
      } catch (error) {
        // The watchdog (schedule-to-close) ended the polling: during an attempt that is a timeout,
        // during the backoff between attempts the server reports the last attempt's failure.
        if (error instanceof ActivityFailure && (error.retryState === 'TIMEOUT' || error.cause instanceof TimeoutFailure)) return 'stuck';
        throw error;
      }
    };
    let outcomes: TaskEnd[];
    try {
      outcomes = await Promise.all(pending.map((request) => outcomeOf(request).then((end) => (settled.set(request.key, end), end))));
    } catch (error) {
      // The import was cancelled with --abandon: its requests went out, so the report must list them.
      if (!isCancellation(error) || !patched(ABANDON_REPORTS_WHAT_WAS_SENT)) throw error;
      return abandonedWhileWaiting(job.importId, result, pending, settled, submission.rows.unsent, label);
    }

    const again: string[] = [];
    const stuck: RequestSlice[] = [];
    pending.forEach((request, i) => {
      const outcome = outcomes[i];
      if (outcome === 'completed') result.rows.imported += request.rows;
      else if (outcome === 'failed') again.push(request.key);
      else stuck.push(request);
    });

    if (stuck.length > 0) {
      stuckCount = stuck.length;
      const keepsLooking = patched(STUCK_TASKS_KEEP_BEING_LOOKED_AT);
      // A batch started by a parent run from before the setting has none.
      const lookEveryMs = settings.stuckLookEveryMs ?? DEFAULT_STUCK_LOOK_EVERY_MS;
      const also = keepsLooking ? ` (looked at every ${Math.round(lookEveryMs / 1000)} s: the batch goes on by itself if it ends)` : '';
      setCurrentDetails(`${label}: STUCK — task ${stuck.map((r) => r.taskId).join(', ')} still running; resolve with resubmit or abandon${also}`);
      await tellImport(true);
      // Histories from before the slow looks wait for the operator alone.
      const lateEnds = keepsLooking
        ? await untilResolvedOrEnded(stuck, batch.index, lookEveryMs, () => stuckResolution !== null)
        : await condition(() => stuckResolution !== null).then(() => new Map<string, TaskEnd>());
      const resolution = stuckResolution as StuckResolution | null;
      stuckResolution = null;
      stuckCount = 0;
      await tellImport(false);
      const open: RequestSlice[] = [];
      for (const request of stuck) {
        const end = lateEnds.get(request.key);
        if (end === 'completed') result.rows.imported += request.rows;
        else if (end === 'failed') again.push(request.key);
        else open.push(request);
      }
      if (open.length > 0 && resolution === 'resubmit') again.push(...open.map((r) => r.key));
      else if (open.length > 0) {
        result.status = 'abandoned';
        result.rows.skipped += sum(open.map((r) => r.rows));
        result.failure = {
          code: 'TaskStuck',
          message: `${label}: task ${open.map((r) => r.taskId).join(', ')} still running after ${Math.round(settings.stuckAfterMs / 1000)} s; abandoned by an operator`,
        };
      }
    }

    if (submission.failure) {
      result.status = submission.failure.code === ABANDONED_FAILURE_CODE ? 'abandoned' : 'failed';
      result.failure = submission.failure;
      result.rows.skipped += submission.rows.unsent;
    }
    if (again.length === 0) break;
    const retried = pending.filter((r) => again.includes(r.key));
    if (resubmits >= settings.maxTaskResubmits) {
      result.status = 'failed';
      result.rows.skipped += sum(retried.map((r) => r.rows));
      result.failure = { code: 'TaskFailed', message: `${label}: ${retried.length} task(s) failed ${resubmits + 1} time(s)` };
      break;
    }
    bump(result.retries, 'task_failed', retried.length);
    setCurrentDetails(`${label}: resubmitting ${retried.length} request(s) whose task failed`);
    submission = await submitBatch.executeWithOptions({ summary: `${label}: resubmit ${again.length} request(s)` }, [
      { job, batch, onlyKeys: again, maxSubmitAttempts: settings.maxSubmitAttempts, watchTasks },
    ]);
    pending = submission.requests;
    // Rows counted at the first submission are not counted again.
    submission = { ...submission, rows: { ...submission.rows, rejected: 0, skipped: 0 } };
  }
  setCurrentDetails(`${label}: ${result.status}, ${result.rows.imported} imported, ${result.rows.rejected} rejected, ${result.rows.skipped} skipped`);
  // Counts and task IDs only: log lines never carry row values.
  log.info('batch finished', {
    importId: job.importId,
    batch: batch.index + 1,
    status: result.status,
    rows: result.rows,
    requests: result.requests,
    taskIds: result.taskIds.slice(0, 20),
    ...(result.failure ? { failure: result.failure.code } : {}),
  });
  return result;
}

type TaskEnd = 'completed' | 'failed' | 'stuck';

/**
 * While an operator has not decided about stuck tasks, they are still looked at, slowly: a task
 * that ends late ends its wait, so an operator who never comes does not hold a batch whose rows
 * were applied, and one who comes late does not resubmit them. Resolves with the tasks seen to
 * end, once all have or the operator has decided (the looks still running are cancelled).
 */
async function untilResolvedOrEnded(stuck: RequestSlice[], batchIndex: number, everyMs: number, resolved: () => boolean): Promise<Map<string, TaskEnd>> {
  const ended = new Map<string, TaskEnd>();
  const looking = new CancellationScope();
  const looks = looking.run(() =>
    Promise.all(
      stuck.map(async (request) => {
        const answer = await stuckTaskActivities.awaitImportTask.executeWithOptions({ summary: `stuck task ${request.taskId}: slow looks` }, [
          { taskId: request.taskId as string, batchIndex, everyMs },
        ]);
        ended.set(request.key, answer.status);
      }),
    ),
  );
  // A look that fails for good (the task unknown to Task Info) leaves the decision to the operator.
  const settled = looks.then(
    () => undefined,
    () => undefined,
  );
  await condition(() => resolved() || ended.size === stuck.length);
  looking.cancel();
  await settled;
  return ended;
}

/**
 * The result of a batch whose waits were cancelled: requests whose tasks were seen to complete are
 * imported; the others' rows are skipped, though their tasks may still be applied, which the
 * failure says, with their task IDs (also in the report's `taskIds`). `unsent`: rows the submit
 * did not post because the cancel reached it first.
 */
function abandonedWhileWaiting(
  importId: string,
  result: BatchResult,
  pending: RequestSlice[],
  settled: ReadonlyMap<string, TaskEnd>,
  unsent: number,
  label: string,
): BatchResult {
  const open = pending.filter((request) => settled.get(request.key) !== 'completed');
  result.rows.imported += sum(pending.filter((request) => settled.get(request.key) === 'completed').map((r) => r.rows));
  result.rows.skipped += sum(open.map((r) => r.rows)) + unsent;
  result.status = 'abandoned';
  const tasks = open.flatMap((r) => (r.taskId === undefined ? [] : [r.taskId]));
  const notSent = unsent > 0 ? `; ${unsent} row(s) not sent` : '';
  result.failure = { code: ABANDONED_FAILURE_CODE, message: `${label}: stopped (cancel --abandon, or the import failed) while waiting for task ${tasks.join(', ')}; its rows may still be applied${notSent}` };
  setCurrentDetails(`${label}: abandoned while waiting for task ${tasks.join(', ')}`);
  log.info('batch abandoned', { importId, batch: result.index + 1, rows: result.rows, taskIds: tasks.slice(0, 20) });
  return result;
}

function addSubmission(result: BatchResult, submission: Pick<SubmitBatchResult, 'requests' | 'retries' | 'possibleDuplicates'>): void {
  result.requests += submission.requests.length;
  for (const request of submission.requests) if (request.taskId !== undefined) result.taskIds.push(request.taskId);
  for (const [cause, n] of Object.entries(submission.retries) as Array<[keyof RetryCounts, number]>) bump(result.retries, cause, n);
  result.possibleDuplicates += submission.possibleDuplicates;
}

function bump(counts: RetryCounts, cause: keyof RetryCounts, n: number): void {
  if (n > 0) counts[cause] = (counts[cause] ?? 0) + n;
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function formatRange(firstRow: number, rowCount: number): string {
  const last = firstRow + Math.max(rowCount, 1) - 1;
  return `${firstRow.toLocaleString('en-US')}-${last.toLocaleString('en-US')}`;
}

function describeRequests(requests: RequestSlice[]): string {
  const tasks = requests.filter((r) => r.taskId !== undefined).map((r) => r.taskId);
  const sync = requests.length - tasks.length;
  const parts = [];
  if (tasks.length > 0) parts.push(`waiting for task ${tasks.join(', ')}`);
  if (sync > 0) parts.push(`${sync} request(s) applied at once`);
  return parts.join('; ') || 'nothing to send';
}
