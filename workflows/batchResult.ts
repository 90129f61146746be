import { CancellationScope, CancelledFailure, isCancellation, log, patched } from '@temporalio/workflow';
import type { BatchWorkflowInput, ImportJob, RequestSlice, SubmitBatchInput, SubmitBatchResult, TaskOutcome } from '../common/batch';
import { ABANDONED_FAILURE_CODE, CANCELLED_FAILURE_CODE } from '../common/batchIds';
import type { BatchPlan } from '../common/plan';
import type { BatchResult, FailureSummary, RetryCounts } from '../common/report';
import { describeFailure, endedByCancel } from './failures';

/**
 * How a batch's result is made from what its submit and its waits said: shared by the import,
 * which runs a batch's submit itself, and the batch workflow, which takes over when tasks outlast
 * the submit's watch (or runs the whole batch, in histories from before that).
 */

/** How an operator finds a batch: in its workflow's details, its activities' summaries, its log lines. */
export function batchLabel(batch: BatchPlan): string {
  const last = batch.firstRow + Math.max(batch.rowCount, 1) - 1;
  return `batch ${batch.index + 1}: rows ${batch.firstRow.toLocaleString('en-US')}-${last.toLocaleString('en-US')}`;
}

/**
 * A batch's submit: the first one (which may build the next batch ahead), or a resubmit of the
 * requests whose task failed (`onlyKeys`). It watches its tasks from the hint, when there is one.
 */
export function submitInputFor(input: BatchWorkflowInput, onlyKeys?: string[]): SubmitBatchInput {
  const { job, batch, settings, next } = input;
  const { firstPollAfterMs, lookGapMs } = settings;
  const watchTasks = firstPollAfterMs ? { firstPollAfterMs, ...(lookGapMs ? { lookGapMs } : {}) } : {};
  return {
    job,
    batch,
    ...(onlyKeys ? { onlyKeys } : {}),
    maxSubmitAttempts: settings.maxSubmitAttempts,
    watchTasks,
    ...(onlyKeys === undefined && next ? { prepareNext: next } : {}),
  };
}

/** The tasks the submit saw end while it watched them, by task ID. */
export function outcomesSeenBy(submission: SubmitBatchResult): Map<string, TaskOutcome> {
  return new Map((submission.taskOutcomes ?? []).map((outcome) => [outcome.taskId, outcome]));
}

export function emptyBatchResult(batch: BatchPlan): BatchResult {
  return {
    index: batch.index,
    firstRow: batch.firstRow,
    status: 'succeeded',
    rows: { total: batch.rowCount, imported: 0, rejected: 0, skipped: 0 },
    requests: 0,
    taskIds: [],
    retries: {},
    possibleDuplicates: 0,
  };
}

/** The counts of a batch's first submit: its rows rejected and skipped are counted once, here. */
export function takeFirstSubmission(result: BatchResult, submission: SubmitBatchResult): void {
  result.rows.rejected = submission.rows.rejected;
  result.rows.skipped = submission.rows.skipped;
  // A first submit skips only the rows a later row supersedes: counted apart from rows not sent.
  if (submission.rows.skipped > 0) result.rows.superseded = submission.rows.skipped;
  result.warnings = submission.warnings;
}

export function addSubmission(result: BatchResult, submission: Pick<SubmitBatchResult, 'requests' | 'retries' | 'possibleDuplicates'>): void {
  result.requests += submission.requests.filter((request) => !request.takenOver).length;
  for (const request of submission.requests) if (request.taskId !== undefined) result.taskIds.push(request.taskId);
  for (const [cause, n] of Object.entries(submission.retries) as Array<[keyof RetryCounts, number]>) bump(result.retries, cause, n);
  result.possibleDuplicates += submission.possibleDuplicates;
}

/** A failure the submit reported itself (attempts used up, or stopped by a cancel): its unsent rows are skipped. */
export function takeSubmitFailure(result: BatchResult, submission: SubmitBatchResult): void {
  if (!submission.failure) return;
  const { code } = submission.failure;
  result.status = code === ABANDONED_FAILURE_CODE ? 'abandoned' : code === CANCELLED_FAILURE_CODE ? 'cancelled' : 'failed';
  result.failure = submission.failure;
  result.rows.skipped += submission.rows.unsent;
  noteUnknown(result, submission.unknownKeys ?? []);
}

/**
 * The batch's result when its submit saw every task it posted complete (or posted nothing that
 * makes a task, or ran dry): nothing is left to wait for. Undefined when a task is still
 * running or failed: the batch workflow then waits, or sends again.
 */
export function settledBySubmit(job: ImportJob, batch: BatchPlan, submission: SubmitBatchResult): BatchResult | undefined {
  const outcomes = outcomesSeenBy(submission);
  const open = submission.requests.some((request) => request.taskId !== undefined && outcomes.get(request.taskId)?.status !== 'completed');
  if (open && !job.dryRun) return undefined;
  const result = emptyBatchResult(batch);
  takeFirstSubmission(result, submission);
  addSubmission(result, submission);
  if (job.dryRun) {
    result.rows.imported += submission.rows.sent;
    return result;
  }
  for (const request of submission.requests) {
    result.rows.imported += request.rows;
    const seen = request.taskId === undefined ? undefined : outcomes.get(request.taskId);
    if (seen) result.taskWaitMs = Math.max(result.taskWaitMs ?? 0, seen.waitedMs);
  }
  takeSubmitFailure(result, submission);
  keepApplied(result, submission.requests);
  return result;
}

/** A batch that did not succeed names the requests the API applied, for a re-run to take as sent (nothing for one that succeeded). */
export function keepApplied(result: BatchResult, applied: readonly RequestSlice[]): void {
  if (result.status === 'succeeded' || applied.length === 0) return;
  result.appliedRequests = applied.map((r) => (r.taskId === undefined ? { key: r.key } : { key: r.key, taskId: r.taskId }));
}

/** patched() id: a batch abandoned during a submit attempt that then failed reports what earlier attempts posted, as one abandoned between attempts does. */
const ABANDONED_AFTER_A_FAILED_ATTEMPT = 'abandoned-after-a-failed-attempt';

/** The activities that read what a submit stopped between its attempts had done (its journal in the report folder). */
export interface SubmitJournalReaders {
  postedRequests: (input: { importId: string; batchIndex: number }) => Promise<RequestSlice[]>;
  submitRemains: (input: { importId: string; batchIndex: number; firstSubmit: boolean }) => Promise<SubmitRemains>;
}
export interface SubmitRemains {
  requests: RequestSlice[];
  unknownKeys: string[];
  rejectedRows: number;
  /** Absent in answers recorded before they were read. */
  retries?: RetryCounts;
  possibleDuplicates?: number;
}

/**
 * patched() id: a submit stopped between attempts is read whole (its lost answers, the rows refused),
 * so its batch counts the rows validation or the API rejected as rejected, not skipped, and a re-run
 * counts a request sent again after a lost answer as a possible duplicate.
 */
const SUBMIT_REMAINS_READ_WHOLE = 'submit-remains-read-whole';

/** What a submit stopped between its attempts had done, from its journal (the server answers such a cancel without it). */
export async function remainsOfSubmit(readers: SubmitJournalReaders, importId: string, batch: BatchPlan, firstSubmit: boolean): Promise<SubmitRemains> {
  const ids = { importId, batchIndex: batch.index };
  return await CancellationScope.nonCancellable(async () =>
    patched(SUBMIT_REMAINS_READ_WHOLE) ? await readers.submitRemains({ ...ids, firstSubmit }) : { requests: await readers.postedRequests(ids), unknownKeys: [], rejectedRows: 0 },
  );
}

/**
 * A batch cancelled while its submit waited for its next attempt (the server answers such a
 * cancel at once, without what earlier attempts had posted): what they posted is read from the
 * submit's journal, so the report lists requests the API may still apply. Rethrows any other error.
 */
export async function abandonedBetweenAttempts(error: unknown, importId: string, batch: BatchPlan, readers: SubmitJournalReaders): Promise<BatchResult> {
  // Cancelled during an attempt that then failed: that attempt's failure, not a cancellation, comes back.
  const cancelled = isCancellation(error);
  if (!cancelled && !(endedByCancel(error) && patched(ABANDONED_AFTER_A_FAILED_ATTEMPT))) throw error;
  const remains = await remainsOfSubmit(readers, importId, batch, true);
  const sent = remains.requests;
  if (sent.length === 0 && remains.unknownKeys.length === 0 && remains.rejectedRows === 0) {
    // Nothing went out: the batch is cancelled, as one that had not started.
    throw cancelled ? error : new CancelledFailure('cancelled during a submit attempt that then failed');
  }
  return abandonedWithRemains(importId, emptyBatchResult(batch), remains, batch.rowCount, batchLabel(batch));
}

/**
 * patched() id: a batch whose submit failed for good (an answer no retry fixes, such as a token
 * revoked mid-import, or a worker lost during the last attempt) keeps what the submit had done:
 * the requests it posted (listed for a re-run, which takes them over instead of posting them
 * again) and the rows refused. Before, every row of the batch was reported skipped.
 */
export const FAILED_SUBMIT_KEEPS_WHAT_IT_DID = 'failed-submit-keeps-what-it-did';

/**
 * A batch whose submit stopped before it answered: failed with `error`, or cancelled (`error`
 * undefined: the batch is abandoned, not failed). What the submit's journal says it did stays in
 * the result, as for a batch abandoned between attempts. `resubmit`: the batch's result so far, the
 * rows the resubmit was asked to send, and the requests seen applied in earlier rounds.
 */
export async function stoppedSubmit(
  error: unknown,
  importId: string,
  batch: BatchPlan,
  readers: SubmitJournalReaders,
  resubmit?: { result: BatchResult; asked: number; applied: readonly RequestSlice[] },
): Promise<BatchResult> {
  const remains = await remainsOfSubmit(readers, importId, batch, resubmit === undefined);
  const { result, asked, applied } = resubmit ?? { result: emptyBatchResult(batch), asked: batch.rowCount, applied: [] };
  const stop: StopContext = error === undefined ? { appliedBefore: applied } : { appliedBefore: applied, failedBy: describeFailure(error) };
  return abandonedWithRemains(importId, result, remains, asked, batchLabel(batch), stop);
}

/** Rows of the `asked` a stopped submit neither posted nor saw refused. */
export function unsentOf(remains: SubmitRemains, asked: number): number {
  return asked - sum(remains.requests.map((r) => r.rows)) - remains.rejectedRows;
}

/** How a batch stopped waiting: what it had seen applied before, and the failure that stopped it (none: a cancel --abandon). */
export interface StopContext {
  appliedBefore?: readonly RequestSlice[];
  failedBy?: FailureSummary;
}

/**
 * A batch abandoned while a submit of `asked` rows was stopped between its attempts (or failed, as
 * `stop.failedBy` says): what the submit posted is abandoned as it would be while waiting, the
 * rows refused are rejected, and its lost answers are named.
 */
export function abandonedWithRemains(importId: string, result: BatchResult, remains: SubmitRemains, asked: number, label: string, stop: StopContext = {}): BatchResult {
  addSubmission(result, { requests: remains.requests, retries: remains.retries ?? {}, possibleDuplicates: remains.possibleDuplicates ?? 0 });
  result.rows.rejected += remains.rejectedRows;
  abandonedWhileWaiting(importId, result, remains.requests, new Map(), unsentOf(remains, asked), label, stop);
  noteUnknown(result, remains.unknownKeys);
  return result;
}

/** Requests whose answer was lost: the batch's report says their rows may be applied, and a re-run sending them again counts them. */
export function noteUnknown(result: BatchResult, keys: readonly string[]): void {
  if (keys.length === 0) return;
  result.unknownRequests = [...new Set([...(result.unknownRequests ?? []), ...keys])];
  if (result.failure) result.failure = { ...result.failure, message: `${result.failure.message}; ${keys.length} request(s) whose answer was lost may have been applied` };
}

export type TaskEnd = 'completed' | 'failed' | 'stuck';

/**
 * The result of a batch whose waits were cancelled (or failed, as `stop.failedBy` says): requests
 * whose tasks were seen to complete are imported; the others' rows are skipped, though their tasks
 * may still be applied, which the failure says, with their task IDs (also in the report's
 * `taskIds`). `unsent`: rows the submit did not post because the cancel or failure came first.
 */
export function abandonedWhileWaiting(
  importId: string,
  result: BatchResult,
  pending: RequestSlice[],
  settled: ReadonlyMap<string, TaskEnd>,
  unsent: number,
  label: string,
  { appliedBefore = [], failedBy }: StopContext = {},
): BatchResult {
  // Applied: seen to complete, or applied at once (no task).
  const applied = pending.filter((request) => request.taskId === undefined || settled.get(request.key) === 'completed');
  const open = pending.filter((request) => !applied.includes(request));
  result.rows.imported += sum(applied.map((r) => r.rows));
  result.rows.skipped += sum(open.map((r) => r.rows)) + unsent;
  result.status = failedBy ? 'failed' : 'abandoned';
  keepApplied(result, [...appliedBefore, ...applied]);
  const tasks = open.flatMap((r) => (r.taskId === undefined ? [] : [r.taskId]));
  const openTasks = open.flatMap((r) => (r.taskId === undefined ? [] : [{ key: r.key, taskId: r.taskId }]));
  if (openTasks.length > 0) result.openTasks = openTasks;
  const notSent = unsent > 0 ? `; ${unsent} row(s) not sent` : '';
  if (failedBy) {
    const posted = tasks.length > 0 ? `; task ${tasks.join(', ')} had been posted: its rows may still be applied` : '';
    result.failure = { code: failedBy.code, message: `${label}: ${failedBy.message}${posted}${notSent}` };
  } else {
    const waiting = tasks.length > 0 ? ` while waiting for task ${tasks.join(', ')}; its rows may still be applied` : '';
    result.failure = { code: ABANDONED_FAILURE_CODE, message: `${label}: stopped (cancel --abandon, or the import failed)${waiting}${notSent}` };
  }
  const fields = { importId, batch: result.index + 1, rows: result.rows, taskIds: tasks.slice(0, 20), failure: result.failure };
  // A failure is news to the operator (logged where XP_IMPORT_LOG_LEVEL=WARN still shows it); an abandon was asked for.
  if (failedBy) log.warn('batch failed', fields);
  else log.info('batch abandoned', fields);
  return result;
}

/**
 * A batch whose submit ran in the import and came back from a cancel (`cancel --abandon`, or a
 * fatal error elsewhere) with tasks it did not see end: what the batch workflow would have
 * reported, had it been cancelled while waiting for them.
 */
export function abandonedAfterSubmit(importId: string, batch: BatchPlan, submission: SubmitBatchResult): BatchResult {
  const result = emptyBatchResult(batch);
  takeFirstSubmission(result, submission);
  addSubmission(result, submission);
  const outcomes = outcomesSeenBy(submission);
  const settled = new Map<string, TaskEnd>();
  for (const request of submission.requests) {
    const seen = request.taskId === undefined ? 'completed' : outcomes.get(request.taskId)?.status;
    if (seen !== undefined) settled.set(request.key, seen);
  }
  return abandonedWhileWaiting(importId, result, submission.requests, settled, submission.rows.unsent, batchLabel(batch));
}

/** Counts and task IDs only: log lines never carry row values. */
export function logBatchFinished(importId: string, result: BatchResult): void {
  const fields = {
    importId,
    batch: result.index + 1,
    status: result.status,
    rows: result.rows,
    requests: result.requests,
    taskIds: result.taskIds.slice(0, 20),
    // Requests sent again after their answer was lost: the API may have applied their rows twice.
    ...(result.possibleDuplicates > 0 ? { possibleDuplicates: result.possibleDuplicates } : {}),
    ...(result.failure ? { failure: result.failure } : {}),
  };
  // Both are news to the operator (logged where XP_IMPORT_LOG_LEVEL=WARN still shows them).
  if (result.status === 'failed' || result.possibleDuplicates > 0) log.warn('batch finished', fields);
  else log.info('batch finished', fields);
}

export function bump(counts: RetryCounts, cause: keyof RetryCounts, n: number): void {
  if (n > 0) counts[cause] = (counts[cause] ?? 0) + n;
}

export function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
