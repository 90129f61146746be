import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  patched,
  setCurrentDetails,
  setHandler,
  TimeoutFailure,
  workflowInfo,
} from '@temporalio/workflow';
import type { AwaitTaskInput, BatchSettings, BatchWorkflowInput, RequestSlice, SubmitBatchResult } from '../common/batch';
import { batchWorkflowId, DEFAULT_STUCK_LOOK_EVERY_MS } from '../common/batchIds';
import { batchEndedSignal, batchStuckSignal, handOverSignal, resolveStuckBatchUpdate, stopSendingSignal, type BatchEnded, type StuckResolution } from '../common/messages';
import type { BatchResult } from '../common/report';
import { awaitTaskActivities, reportActivities, stuckTaskActivities, submitActivities } from './activityOptions';
import {
  abandonedBetweenAttempts,
  abandonedWhileWaiting,
  addSubmission,
  batchLabel,
  bump,
  emptyBatchResult,
  FAILED_SUBMIT_KEEPS_WHAT_IT_DID,
  keepApplied,
  logBatchFinished,
  outcomesSeenBy,
  stoppedSubmit,
  submitInputFor,
  sum,
  takeFirstSubmission,
  takeSubmitFailure,
  type TaskEnd,
} from './batchResult';
import { describeFailure, endedByCancel } from './failures';
import { cancelledWhilePosting, notSentFailure, SendingStops, stoppedBetweenAttempts } from './stopSending';

/** `cancel --abandon` while tasks are awaited: the batch reports what it sent instead of failing as cancelled. */
const ABANDON_REPORTS_WHAT_WAS_SENT = 'abandon-reports-what-was-sent';
/** `cancel --abandon` during a submit: the batch waits for the submit to say what it posted. */
const ABANDON_WAITS_FOR_SUBMIT = 'abandon-waits-for-submit';
/** A stuck task is still looked at, slowly, until it ends or an operator decides. */
const STUCK_TASKS_KEEP_BEING_LOOKED_AT = 'stuck-tasks-keep-being-looked-at';
/** `cancel --abandon` while a submit waits for its next attempt: what it posted is read from the report folder. */
const ABANDON_BETWEEN_ATTEMPTS = 'abandon-between-submit-attempts';
/** patched() id: the signal that a stuck batch is no longer stuck is not cut off by a cancel --abandon that lands just then. */
const STUCK_DECIDED_TELLS_IMPORT_UNCUT = 'stuck-decided-tells-import-uncut';
/** patched() id: a batch abandoned while it resubmits requests whose task failed keeps what it did (before: it failed, its requests and imported rows lost from the report). */
const ABANDON_DURING_RESUBMIT = 'abandon-during-resubmit';
/** patched() id: a resubmit's rows refused by the API count as rejected (its submit no longer counts the batch's validation rejects again). */
const RESUBMIT_COUNTS_ITS_REJECTS = 'resubmit-counts-its-rejects';
/** patched() id: a batch abandoned while its tasks are reported stuck lists them, as one abandoned while waiting does. */
const ABANDON_REPORTS_STUCK_TASKS = 'abandon-reports-stuck-tasks';
/** patched() id: a batch whose input names another import than its workflow ID does is refused (refuseForeignBatch). */
const BATCH_ID_IS_ITS_IMPORTS = 'batch-id-is-its-imports';

/** The failure type of a workflow whose input does not belong to its workflow ID: started by hand, never by the client or an import. */
export const INVALID_IMPORT_INPUT = 'InvalidImportInput';

/**
 * One batch of an import, as its own workflow (`${importId}/batch-${n}`) so an operator can find it
 * in the UI. Submitting and waiting are separate durable steps: once a task ID is in history it is
 * waited on, never re-posted, unless the task itself fails. The submit watches its tasks for a
 * few looks before it answers, so a task that ends soon needs no wait step at all.
 *
 * Handed over by a run of the import that continued as new while it ran, it tells the import its
 * end by signal: the import's newest run is waiting for it (see handOverSignal).
 */
export async function importBatchWorkflow(input: BatchWorkflowInput): Promise<BatchResult> {
  refuseForeignBatch(input);
  let handedOver = false;
  setHandler(handOverSignal, () => void (handedOver = true));
  const tell = async (ended: BatchEnded) => {
    if (!handedOver) return;
    // An import that has ended (terminated, say) has no one to tell.
    await CancellationScope.nonCancellable(() => getExternalWorkflowHandle(input.parentWorkflowId).signal(batchEndedSignal, ended)).catch(() => undefined);
  };
  let result: BatchResult;
  try {
    result = await runImportBatch(input);
  } catch (error) {
    await tell({ index: input.batch.index, failure: describeFailure(error), cancelled: isCancellation(error) });
    throw error;
  }
  await tell({ index: input.batch.index, result });
  return result;
}

/**
 * A batch writes its journal and rejects into the report folder of `job.importId`, and tells
 * `parentWorkflowId` its end. An import starts batch `n` as `${importId}/batch-${n}` with its own
 * ID for both, so a batch workflow whose ID is not that (one started by hand, say as
 * `mine/batch-1` with another import's ID in its input) would write into that import's folder and
 * signal it: it fails before any command. Asked through patched(), so that a history that got past
 * the check before it existed replays as it ran; histories whose IDs match are unchanged.
 */
function refuseForeignBatch(input: BatchWorkflowInput): void {
  const { workflowId } = workflowInfo();
  const expected = batchWorkflowId(input.job.importId, input.batch.index + 1);
  if ((workflowId === expected && input.parentWorkflowId === input.job.importId) || !patched(BATCH_ID_IS_ITS_IMPORTS)) return;
  throw ApplicationFailure.create({
    type: INVALID_IMPORT_INPUT,
    message: `a batch workflow's ID must be its import's ID and batch number (${workflowId} is not ${expected}, or its parent is not ${input.job.importId}): batch workflows are started by their import only`,
    nonRetryable: true,
  });
}

async function runImportBatch(input: BatchWorkflowInput): Promise<BatchResult> {
  const { job, batch, settings } = input;
  const { submitBatch } = submitActivities(settings.maxSubmitAttempts, patched(ABANDON_WAITS_FOR_SUBMIT));
  const { awaitImportTask } = awaitTaskActivities(settings.stuckAfterMs);
  const journalReaders = reportActivities;
  const label = batchLabel(batch);
  const result = emptyBatchResult(batch);

  let stuckResolution: StuckResolution | null = null;
  let stuckCount = 0;
  // A plain cancel of the import: post nothing more, wait for what was posted (see stopSending.ts).
  const stops = new SendingStops();
  setHandler(
    resolveStuckBatchUpdate,
    (resolution) => {
      stuckResolution = resolution;
      if (resolution === 'abandon') return `${label}: abandoning stuck requests`;
      // Taken, but a cancel posts nothing more: say so, not "resubmitting" (the batch ends abandoned).
      if (stops.stopped) return `${label}: not resubmitted, as the import is being cancelled; the batch ends with its task open, which a re-run (\`xp-import retry\`) looks at again`;
      return `${label}: resubmitting stuck requests`;
    },
    {
      validator: (_resolution) => {
        if (stuckCount === 0) throw new Error(`${label} has no stuck task`);
      },
    },
  );

  setHandler(stopSendingSignal, () => stops.stopAll());
  /** A submit, or what a plain cancel left of it; a cancel --abandon between its attempts is thrown. */
  const submitOrStop = async (onlyKeys: string[] | undefined, asked: number, summary: string): Promise<SubmitBatchResult> => {
    let submission: SubmitBatchResult;
    try {
      submission = await stops.run(() => submitBatch.executeWithOptions({ summary }, [submitInputFor(input, onlyKeys)]));
    } catch (error) {
      if (!(stops.stopped && endedByCancel(error) && !CancellationScope.current().consideredCancelled)) throw error;
      submission = await stoppedBetweenAttempts(job.importId, batch, asked, onlyKeys === undefined, journalReaders);
    }
    return stops.stopped ? cancelledWhilePosting(submission, batch) : submission;
  };

  const tellImport = async (stuck: boolean) => {
    await getExternalWorkflowHandle(input.parentWorkflowId).signal(batchStuckSignal, { index: batch.index, stuck });
  };

  // The submit watches its tasks for a few looks; only those it did not see end are waited for.
  let submission: SubmitBatchResult;
  if (input.submitted) {
    // The import ran the submit itself; the batch waits for the tasks it did not see end.
    submission = input.submitted;
  } else {
    setCurrentDetails(`${label}: submitting`);
    try {
      submission = await submitOrStop(undefined, batch.rowCount, `${label}: submit`);
    } catch (error) {
      if (!endedByCancel(error) && patched(FAILED_SUBMIT_KEEPS_WHAT_IT_DID)) return abandoned(await stoppedSubmit(error, job.importId, batch, journalReaders));
      if (!endedByCancel(error) || !patched(ABANDON_BETWEEN_ATTEMPTS)) throw error;
      return abandoned(await abandonedBetweenAttempts(error, job.importId, batch, journalReaders));
    }
  }
  takeFirstSubmission(result, submission);

  let pending = submission.requests;
  /** Requests the API applied, over every round: a batch that does not succeed names them for a re-run. */
  const applied: RequestSlice[] = [];
  const imported = (request: RequestSlice) => {
    result.rows.imported += request.rows;
    applied.push(request);
  };
  for (let resubmits = 0; ; resubmits++) {
    addSubmission(result, submission);
    if (job.dryRun) {
      result.rows.imported += submission.rows.sent;
      break;
    }
    setCurrentDetails(`${label}: ${describeRequests(pending)}`);
    const settled = new Map<string, TaskEnd>();
    const seenBySubmit = outcomesSeenBy(submission);
    const outcomeOf = async (request: RequestSlice): Promise<TaskEnd> => {
      if (request.taskId === undefined) return 'completed';
      // Histories from before the submit watched have no outcomes: their waits replay as they ran.
      const seen = seenBySubmit.get(request.taskId);
      if (seen !== undefined) {
        result.taskWaitMs = Math.max(result.taskWaitMs ?? 0, seen.waitedMs);
        return seen.status;
      }
      try {
        const answer = await awaitImportTask.executeWithOptions({ summary: `${label}, task ${request.taskId}` }, [
          { taskId: request.taskId, batchIndex: batch.index, ...waitHint(submission, settings) },
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
      // A look failed for good (a token revoked meanwhile): the requests went out, so the report lists them, as below.
      if (!isCancellation(error) && patched(FAILED_SUBMIT_KEEPS_WHAT_IT_DID)) {
        return abandoned(abandonedWhileWaiting(job.importId, result, pending, settled, submission.rows.unsent, label, { appliedBefore: applied, failedBy: describeFailure(error) }));
      }
      // The import was cancelled with --abandon: its requests went out, so the report must list them.
      if (!isCancellation(error) || !patched(ABANDON_REPORTS_WHAT_WAS_SENT)) throw error;
      return abandoned(abandonedWhileWaiting(job.importId, result, pending, settled, submission.rows.unsent, label, { appliedBefore: applied }));
    }

    const again: string[] = [];
    // Of `again`: the stuck requests an operator asked to send again.
    let resubmittedStuck = 0;
    const stuck: RequestSlice[] = [];
    pending.forEach((request, i) => {
      const outcome = outcomes[i];
      if (outcome === 'completed') imported(request);
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
      log.warn('batch stuck', {
        importId: job.importId,
        batch: batch.index + 1,
        taskIds: stuck.map((r) => r.taskId),
        todo: `xp-import resolve ${job.importId} ${batch.index + 1} resubmit (or abandon)`,
      });
      let lateEnds: Map<string, TaskEnd>;
      try {
        await tellImport(true);
        // Histories from before the slow looks wait for the operator alone.
        lateEnds = keepsLooking
          ? await untilResolvedOrEnded(stuck, batch.index, lookEveryMs, () => stuckResolution !== null)
          : await condition(() => stuckResolution !== null).then(() => new Map<string, TaskEnd>());
      } catch (error) {
        // Cancelled (--abandon) while stuck: the stuck tasks may still be applied, so the report names them.
        if (!isCancellation(error) || !patched(ABANDON_REPORTS_STUCK_TASKS)) throw error;
        // Failed tasks of this round would have been sent again: their rows are skipped, not open.
        result.rows.skipped += sum(pending.filter((r) => again.includes(r.key)).map((r) => r.rows));
        return abandoned(abandonedWhileWaiting(job.importId, result, stuck, new Map(), submission.rows.unsent, label, { appliedBefore: applied }));
      }
      const resolution = stuckResolution as StuckResolution | null;
      stuckResolution = null;
      stuckCount = 0;
      // Once the operator has decided, a cancel --abandon must not cut the batch off before it says what it did.
      if (patched(STUCK_DECIDED_TELLS_IMPORT_UNCUT)) await CancellationScope.nonCancellable(() => tellImport(false));
      else await tellImport(false);
      const open: RequestSlice[] = [];
      for (const request of stuck) {
        const end = lateEnds.get(request.key);
        if (end === 'completed') imported(request);
        else if (end === 'failed') again.push(request.key);
        else open.push(request);
      }
      // A plain cancel sends nothing more: a stuck task the operator asked to resubmit is left open instead.
      if (open.length > 0 && resolution === 'resubmit' && !stops.stopped) {
        again.push(...open.map((r) => r.key));
        resubmittedStuck += open.length;
        // The stuck task may still end and apply its rows: the resubmitted ones may go in twice.
        result.possibleDuplicates += open.length;
      }
      else if (open.length > 0) {
        result.status = 'abandoned';
        result.rows.skipped += sum(open.map((r) => r.rows));
        // The stuck tasks may still be applied: a re-run looks at them instead of posting their rows again.
        result.openTasks = open.flatMap((r) => (r.taskId === undefined ? [] : [{ key: r.key, taskId: r.taskId }]));
        const decided = resolution === 'resubmit' ? 'not resubmitted: the import was cancelled' : 'abandoned by an operator';
        result.failure = {
          code: 'TaskStuck',
          message: `${label}: task ${open.map((r) => r.taskId).join(', ')} still running after ${Math.round(settings.stuckAfterMs / 1000)} s; ${decided}`,
        };
      }
    }

    takeSubmitFailure(result, submission);
    if (again.length === 0) break;
    const retried = pending.filter((r) => again.includes(r.key));
    if (stops.stopped) {
      // Their tasks failed, so their rows were not applied: sending them again would be new sending.
      const rows = sum(retried.map((r) => r.rows));
      result.status = 'cancelled';
      result.rows.skipped += rows;
      result.failure = notSentFailure(batch, rows);
      break;
    }
    if (resubmits >= settings.maxTaskResubmits) {
      result.status = 'failed';
      result.rows.skipped += sum(retried.map((r) => r.rows));
      result.failure = { code: 'TaskFailed', message: `${label}: ${retried.length} task(s) failed ${resubmits + 1} time(s)` };
      break;
    }
    // An operator's resubmit of a stuck task is not a failed task: the report tells them apart.
    if (retried.length > resubmittedStuck) bump(result.retries, 'task_failed', retried.length - resubmittedStuck);
    if (resubmittedStuck > 0) bump(result.retries, 'stuck_resubmitted', resubmittedStuck);
    setCurrentDetails(`${label}: resubmitting ${retried.length} request(s) whose task failed`);
    const asked = sum(retried.map((r) => r.rows));
    try {
      submission = await submitOrStop(again, asked, `${label}: resubmit ${again.length} request(s)`);
    } catch (error) {
      // Failed or abandoned during the resubmit: what the batch did before, and what the resubmit posted, stay in its result.
      const cancelled = endedByCancel(error);
      if (!patched(cancelled ? ABANDON_DURING_RESUBMIT : FAILED_SUBMIT_KEEPS_WHAT_IT_DID)) throw error;
      return abandoned(await stoppedSubmit(cancelled ? undefined : error, job.importId, batch, journalReaders, { result, asked, applied }));
    }
    pending = submission.requests;
    // A resubmit's rows the API refused are rejected (its submit counts no others).
    if (patched(RESUBMIT_COUNTS_ITS_REJECTS)) result.rows.rejected += submission.rows.rejected;
    // Rows counted at the first submission are not counted again.
    submission = { ...submission, rows: { ...submission.rows, rejected: 0, skipped: 0 } };
  }
  keepApplied(result, applied);
  setCurrentDetails(`${label}: ${result.status}, ${result.rows.imported} imported, ${result.rows.rejected} rejected, ${result.rows.skipped} skipped`);
  logBatchFinished(job.importId, result);
  return result;
}

/** An abandoned batch's details say what it stopped waiting for (its failure's message). */
function abandoned(result: BatchResult): BatchResult {
  if (result.failure) setCurrentDetails(result.failure.message);
  return result;
}

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

function describeRequests(requests: RequestSlice[]): string {
  const tasks = requests.filter((r) => r.taskId !== undefined).map((r) => r.taskId);
  const sync = requests.length - tasks.length;
  const parts = [];
  if (tasks.length > 0) parts.push(`waiting for task ${tasks.join(', ')}`);
  if (sync > 0) parts.push(`${sync} request(s) applied at once`);
  return parts.join('; ') || 'nothing to send';
}

/** The wait's first look: at the hint, unless the submit watched the task already (then at once). */
function waitHint(submission: SubmitBatchResult, settings: BatchSettings): Pick<AwaitTaskInput, 'firstPollAfterMs' | 'lookGapMs'> {
  if (submission.watchedMs !== undefined) return { firstPollAfterMs: 0 };
  return { firstPollAfterMs: settings.firstPollAfterMs, ...(settings.lookGapMs ? { lookGapMs: settings.lookGapMs } : {}) };
}
