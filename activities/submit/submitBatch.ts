import { Context } from '@temporalio/activity';
import type { RequestSlice, SubmitBatchInput, SubmitBatchResult, TaskOutcome } from '../../common/batch';
import { ABANDONED_FAILURE_CODE } from '../../common/batchIds';
import type { FailureSummary, RetryCounts } from '../../common/report';
import type { ActivityDeps } from '../deps';
import { DENSE_POLLS, watchHint, watchTask } from '../awaitTask';
import { MIN_RETRY_DELAY_MS, toApplicationFailure } from '../failures';
import { heartbeatWhile } from '../heartbeats';
import { readTakenOver, type TakenOverRequests } from '../reports/openTasks';
import { ReportPaths } from '../reports/reportPaths';
import { appendRejectPart, readRejectPart, writeRejectPart, type RejectedRow } from '../reports/rejectParts';
import { failedAttemptMark, takesOverFromDeadAttempt } from '../takeovers';
import { RateLimitedError, RequestRejectedError, RowsRefusedError, XtremepushError } from '../xtremepush/errors';
import { partRow, rowsJson, type Part } from './part';
import { originalRows, type OriginalRow } from './originalRows';
import type { PreparedBatches } from './preparedBatches';
import { postedBySubmit, remainsOfSubmit, SubmitJournal } from './submitJournal';
import {
  countResend,
  countRetry,
  parseRequestKey,
  REFUSED_ROWS_BEFORE_STOP,
  refusedRowKeys,
  requestKey,
  restoreProgress,
  rowsRefusedWithNoneAccepted,
  splitPath,
  type SubmitProgress,
} from './submitProgress';
import { pauseUnlessStopping, RATE_LIMIT_PATIENCE_MS, retryDelayMs, workerStopping } from './submitRetries';

/** The API's own words about a rejected row: kept in the rejects file only (they may quote values). */
function apiReason(error: RequestRejectedError): string {
  const errors = error.details.apiErrors === undefined ? '' : ` ${JSON.stringify(error.details.apiErrors)}`;
  return `rejected by Xtremepush (HTTP ${error.status ?? 400}): ${error.details.apiMessage ?? 'no message'}${errors}`.slice(0, 1_000);
}

/**
 * Posts a batch: reads its byte range, validates and maps its rows, and sends one request per part.
 * A 400 about content splits the request in halves until the rejected rows stand alone. Progress
 * lives in heartbeat details, so a retry after a transient error or a crash sends only what has no
 * answer yet. On the last allowed attempt it reports what it could not send instead of failing.
 */
export function createSubmitBatch(deps: ActivityDeps, prepared: PreparedBatches) {
  const folders = { dataDir: deps.dataDir, reportDir: deps.reportDir };
  return async function submitBatch(input: SubmitBatchInput): Promise<SubmitBatchResult> {
    const context = Context.current();
    const { job, batch } = input;
    const progress = restoreProgress(context.info.heartbeatDetails);
    const lastAttempt = context.info.attempt >= input.maxSubmitAttempts;
    const paths = new ReportPaths(deps.reportDir, job.importId);
    const postSignal = abortedUnlessCancelRequested(context);
    try {
      const journal = await SubmitJournal.open(paths.submitJournal(batch.index), submitOwner(context), progress);
      if (takesOverFromDeadAttempt(context, progress.failedAttempt)) warnTakenOver(context, input, progress);
      const earlier = input.onlyKeys === undefined ? await readTakenOver(paths.openTasks, batch.index) : undefined;
      // Reading the rows of a slow http(s) source can take longer than the heartbeat timeout.
      const built = await heartbeatWhile(prepared.take(job, batch), () => progress);
      const takenOver = earlier ? takeOver(progress, earlier, built.parts) : new Set<string>();
      // While this batch's requests and task run, the worker has time to build the one likely to follow it.
      if (input.prepareNext !== undefined) prepared.prepareAhead(job, input.prepareNext);
      if (input.onlyKeys === undefined) await writeRejectPart(paths.validationRejects(batch.index), built.rejects);

      const requests: RequestSlice[] = [];
      /** When each task of this attempt was posted: a watch counts from there. */
      const postedAt = new Map<string, number>();
      const apiRejected: RejectedRow[] = [];
      let unsent = 0;
      let failure: FailureSummary | undefined;
      /** Requests left unposted because the batch was cancelled (cancel --abandon) while this submit ran. */
      let stoppedRequests = 0;
      const stopForCancel = (rows: number) => {
        stoppedRequests++;
        unsent += rows;
      };
      /** On a worker asked to stop, a submit leaves its next request to another worker, unless no attempt follows this one. */
      const givesWay = () => deps.stopping?.() === true && !lastAttempt;
      /** 429s answered in this attempt, and the time spent waiting them out. */
      let rateLimits = 0;
      let pausedMs = 0;
      /** The batch's records as read from the source, once the API has refused a row of it. */
      let originals: Promise<Map<number, OriginalRow>> | undefined;

      /** Requests this attempt counts in its result: a split half is reached twice (tried, then walked down). */
      const counted = new Set<string>();
      const count = (request: RequestSlice) => {
        if (counted.has(request.key)) return;
        counted.add(request.key);
        requests.push(request);
      };

      /**
       * Posts rows [start, end) of a part. A request the API refuses is split in halves, and both
       * halves are tried before either is split further (`descend` false: try only): a batch whose
       * first rows are bad has its good rest accepted before the guard against refusing every row
       * counts the bad ones (RowsRefusedError).
       */
      const send = async (partIndex: number, part: Part, start: number, end: number, descend = true): Promise<void> => {
        const key = requestKey(partIndex, start, end);
        const rows = end - start;
        const posted = progress.posted[key];
        if (posted !== undefined) {
          count({ key, rows, ...(posted === '' ? {} : { taskId: posted }), ...(takenOver.has(key) ? { takenOver: true as const } : {}) });
          return;
        }
        // A try sends only what nothing is known of yet; the walk down counts what is left unsent.
        if (!descend && (progress.rejected.includes(key) || failure !== undefined || cancelRequested(context))) return;
        if (progress.rejected.includes(key)) {
          if (rows === 1) return; // isolated in an earlier attempt; its reason is already in the rejects part
          const middle = start + Math.floor(rows / 2);
          await send(partIndex, part, start, middle, false);
          await send(partIndex, part, middle, end, false);
          await send(partIndex, part, start, middle);
          await send(partIndex, part, middle, end);
          return;
        }
        if (failure !== undefined) {
          unsent += rows;
          return;
        }
        if (cancelRequested(context)) {
          stopForCancel(rows);
          return;
        }
        if (job.dryRun) {
          count({ key, rows });
          return;
        }
        // The shutdown grace is for requests in flight; the next attempt, on another worker, sends this one.
        if (givesWay()) {
          context.heartbeat(progress);
          throw workerStopping();
        }
        await journal.sending(key, progress);
        try {
          const answer = await heartbeatWhile(
            deps.xtremepush.importProfiles(part.attributes, rowsJson(part, start, end), postSignal),
            () => progress,
          );
          delete progress.rateLimitedSince;
          const taskId = answer.mode === 'async' ? answer.taskId : '';
          if (taskId !== '') postedAt.set(taskId, Date.now());
          progress.posted[key] = taskId;
          countResend(progress, key, true);
          count({ key, rows, ...(taskId === '' ? {} : { taskId }) });
          await journal.settled(progress);
          context.heartbeat(progress);
        } catch (error) {
          if (error instanceof RequestRejectedError) {
            progress.rejected.push(key);
            if (rows === 1) {
              const only = partRow(part, start);
              originals ??= originalRows(folders, job, batch);
              const original = (await originals).get(only.row) ?? { cells: only.cells.map(String) };
              const rejected = { row: only.row, line: only.line, column: null, reason: apiReason(error), ...original };
              apiRejected.push(rejected);
              await appendRejectPart(paths.apiRejects(batch.index), [rejected]);
            }
            // After the append: a retry takes an isolated key as already written to the rejects part.
            await journal.settled(progress);
            context.heartbeat(progress);
            const refused = rows === 1 ? rowsRefusedWithNoneAccepted(progress) : 0;
            if (refused >= REFUSED_ROWS_BEFORE_STOP) throw new RowsRefusedError(batch.index + 1, refused, error.status ?? 400);
            if (rows > 1 && descend) await send(partIndex, part, start, end);
            return;
          }
          if (!(error instanceof XtremepushError)) throw error;
          if (!error.retryable) {
            // An answer that ends the import (a revoked token): the API took nothing, so the journal
            // must not leave the request as one that may have been applied (best effort, as below).
            if (!error.details.outcomeUnknown) await journal.settled(progress).catch(() => undefined);
            throw error;
          }
          countRetry(progress, error.retryCause);
          if (error.details.outcomeUnknown) countResend(progress, key, false);
          // Best effort: failing to save must not change how the attempt fails.
          await journal.settled(progress).catch(() => undefined);
          if (cancelRequested(context)) {
            // A retry would be cancelled before it could say what this batch sent: answer now.
            if (descend) stopForCancel(rows);
            return;
          }
          // A 429 asks for a pause, not for the batch to give up: it is waited out within the attempt
          // (up to RATE_LIMIT_PATIENCE_MS), so a storm of them does not use up the attempts.
          const pause = error instanceof RateLimitedError ? retryDelayMs(error, ++rateLimits) : 0;
          if (pause > 0 && pausedMs + pause <= RATE_LIMIT_PATIENCE_MS) {
            if (progress.rateLimitedSince === undefined) {
              progress.rateLimitedSince = Date.now();
              context.log.warn('batch rate limited', { importId: job.importId, batch: batch.index + 1, attempt: context.info.attempt, waitMs: pause, todo: 'waited out within the attempt; many of these mean XP_IMPORT_API_RATE_LIMIT or the concurrency is too high' });
            }
            pausedMs += pause;
            // Beaten now, not only on the timer: a chain of short pauses and requests (429s with
            // Retry-After: 1) never reached its first beat, and the heartbeat timeout took this live
            // attempt for dead, starting another beside it that posted the same rows. The SDK throttles beats.
            context.heartbeat(progress);
            await heartbeatWhile(pauseUnlessStopping(context, pause, deps.stopping), () => progress);
            if (cancelRequested(context)) {
              if (descend) stopForCancel(rows);
              return;
            }
            // Timed out, or the worker is stopping: the attempt ends here, and the next sends the request.
            if (context.cancellationSignal.aborted || givesWay()) {
              context.heartbeat(progress);
              throw toApplicationFailure(error, MIN_RETRY_DELAY_MS);
            }
            return send(partIndex, part, start, end, descend);
          }
          if (lastAttempt) {
            failure = { code: error.name, message: `gave up after ${context.info.attempt} attempts: ${error.message}` };
            if (descend) unsent += rows;
            return;
          }
          context.heartbeat(progress);
          throw toApplicationFailure(error, retryDelayMs(error, context.info.attempt));
        }
      };

      const targets = input.onlyKeys?.map(parseRequestKey) ?? built.parts.map((p, part) => ({ part, start: 0, end: p.rows.length }));
      for (const target of targets) {
        const part = built.parts[target.part];
        if (part === undefined || target.end > part.rows.length) throw new Error(`request ${requestKey(target.part, target.start, target.end)} no longer matches the batch`);
        await send(target.part, part, target.start, target.end);
      }

      if (stoppedRequests > 0) failure = { code: ABANDONED_FAILURE_CODE, message: `stopped (cancel --abandon, or the import failed) while posting: ${stoppedRequests} request(s), ${unsent} row(s), not sent` };
      const watch = input.watchTasks && failure === undefined ? await watchPosted(deps, context, postedAt, input.watchTasks, () => progress) : undefined;
      const taskOutcomes = watch?.outcomes ?? [];

      const apiRejectedRows = refusedRowKeys(progress.rejected).length;
      // Kept, marked finished: an attempt that follows a result lost on its way resumes from it.
      await journal.finished(progress);
      return {
        requests,
        rows: {
          total: built.total,
          sent: requests.reduce((n, r) => n + r.rows, 0),
          // A resubmit counts only the rows the API refused in it: the validation rejects were counted by the first submit.
          rejected: (input.onlyKeys === undefined ? built.rejects.length : 0) + apiRejectedRows,
          skipped: built.superseded,
          unsent,
        },
        retries: progress.retries,
        possibleDuplicates: progress.possibleDuplicates,
        warnings: built.warnings,
        ...(failure ? { failure } : {}),
        ...(failure && progress.unknown.length > 0 ? { unknownKeys: [...progress.unknown] } : {}),
        ...(taskOutcomes.length > 0 ? { taskOutcomes } : {}),
        ...(watch !== undefined ? { watchedMs: watch.watchedMs } : {}),
      };
    } catch (error) {
      // The SDK logs this failure; the next attempt must not take it for a worker that died.
      Object.assign(progress, failedAttemptMark(context));
      context.heartbeat(progress);
      throw toApplicationFailure(error);
    }
  };
}

/**
 * An attempt that takes a batch over from a worker that died mid-batch (or hung past the heartbeat
 * timeout): the operator sees it at WARN, with what it resumes from. Counts only, never a row.
 */
function warnTakenOver(context: Context, input: SubmitBatchInput, progress: SubmitProgress): void {
  context.log.warn('batch taken over', {
    importId: input.job.importId,
    batch: input.batch.index + 1,
    attempt: context.info.attempt,
    resumesFrom: {
      requestsPosted: Object.keys(progress.posted).length,
      // Sent with no answer before the worker died: sending them again may duplicate their rows.
      requestsInDoubt: progress.unknown.length,
      rowsRefused: refusedRowKeys(progress.rejected).length,
    },
  });
}

/**
 * A re-run's batch that an earlier run did not finish: the requests it had sent are posted already
 * (an open task is waited for, an applied request counts as applied at once) and were counted
 * there. A request split out of a refused one is reached through the halves above it, which are
 * marked refused; a key that no longer fits the batch is posted again. Returns the keys taken over.
 */
function takeOver(progress: SubmitProgress, earlier: TakenOverRequests, parts: Part[]): Set<string> {
  const taken = new Set<string>();
  const sent: Array<[string, string]> = [...earlier.open.map((t): [string, string] => [t.key, t.taskId]), ...earlier.applied.map((r): [string, string] => [r.key, ''])];
  const reach = (key: string): boolean => {
    const part = parts[parseRequestKey(key).part];
    const path = part === undefined ? undefined : splitPath(key, part.rows.length);
    if (path === undefined) return false;
    for (const halved of path) if (!progress.rejected.includes(halved)) progress.rejected.push(halved);
    return true;
  };
  for (const [key, taskId] of sent) {
    if (!reach(key)) continue;
    progress.posted[key] ??= taskId;
    taken.add(key);
  }
  // Sent again by this run, and counted as a possible duplicate when it is.
  for (const key of earlier.unknown ?? []) if (progress.posted[key] === undefined && !progress.unknown.includes(key) && reach(key)) progress.unknown.push(key);
  return taken;
}

/** Names one submit activity across its attempts, and no other (a resubmit or a later run starts its own journal). */
function submitOwner(context: Context): string {
  return `${context.info.workflowExecution?.runId ?? ''}/${context.info.activityId}`;
}

/** The workflow asked for this activity's cancellation (cancel --abandon, or a fatal error elsewhere). */
function cancelRequested(context: Context): boolean {
  return context.cancellationDetails?.cancelRequested === true;
}

/**
 * The signal for a POST: aborted when the worker shuts down or the activity times out, not when
 * its batch is cancelled. A request cut off by a cancel might still be applied without its task ID
 * ever being known; one let finish (a few hundred ms) is reported with its task.
 */
function abortedUnlessCancelRequested(context: Context): AbortSignal {
  const controller = new AbortController();
  const signal = context.cancellationSignal;
  const follow = () => {
    if (!cancelRequested(context)) controller.abort(signal.reason);
  };
  if (signal.aborted) follow();
  else signal.addEventListener('abort', follow, { once: true });
  return controller.signal;
}

/**
 * Looks a watch in the submit may make per task before the batch workflow's own wait takes over,
 * when it starts at the hint (about when this import's tasks have been ending).
 */
export const SUBMIT_WATCH_LOOKS = 4;

/**
 * Without a hint (an import's first window) the looks start at the post, so four of them would
 * span only a second: a task of a few seconds would always go to a wait activity, two workflow
 * steps and a look phase later. The first attempt of that wait would make these dense looks anyway.
 */
export function submitWatchLooks(hintMs: number | undefined): number {
  return hintMs ? SUBMIT_WATCH_LOOKS : DENSE_POLLS;
}

/**
 * Watches the tasks this attempt posted, side by side, for a few looks: those seen done need no
 * wait activity, which saves the batch workflow two steps (bench (b): about 100 ms a batch). Under
 * an API rate limit every look must be an activity start of its own, so nothing is watched here.
 * Whatever goes wrong (a Task Info error, a cancellation) only leaves a task to the wait.
 */
async function watchPosted(
  deps: ActivityDeps,
  context: Context,
  postedAt: Map<string, number>,
  hint: NonNullable<SubmitBatchInput['watchTasks']>,
  progress: () => SubmitProgress,
): Promise<{ outcomes: TaskOutcome[]; watchedMs: number } | undefined> {
  if (postedAt.size === 0 || !submitsWatchTasks(deps)) return undefined;
  let watchedMs = 0;
  const watches = [...postedAt].map(async ([taskId, fromMs]): Promise<TaskOutcome | undefined> => {
    try {
      const watch = await watchTask(deps, context, taskId, { fromMs, ...watchHint(hint), firstLook: 1, lastLook: submitWatchLooks(hint.firstPollAfterMs) });
      if (watch.done) return { taskId, ...watch.result };
    } catch {
      // Left to the wait, like a task still running.
    }
    watchedMs = Math.max(watchedMs, Math.round(Date.now() - fromMs));
    return undefined;
  });
  const outcomes = await heartbeatWhile(Promise.all(watches), progress);
  return { outcomes: outcomes.filter((outcome) => outcome !== undefined), watchedMs };
}

/** Whether this worker's submits watch their tasks: not under an API rate limit, where every look is an activity start. */
export function submitsWatchTasks(deps: Pick<ActivityDeps, 'looksPerFirstAttempt'>): boolean {
  return deps.looksPerFirstAttempt !== 1;
}

/** What a batch's submit had posted before it failed and went to wait for another attempt (from the submit's journal). */
export function createPostedRequests(deps: ActivityDeps) {
  return async function postedRequests(input: { importId: string; batchIndex: number }): Promise<RequestSlice[]> {
    const runId = Context.current().info.workflowExecution?.runId ?? '';
    return postedBySubmit(new ReportPaths(deps.reportDir, input.importId).submitJournal(input.batchIndex), runId);
  };
}

export interface SubmitRemainsResult {
  requests: RequestSlice[];
  unknownKeys: string[];
  rejectedRows: number;
  retries: RetryCounts;
  possibleDuplicates: number;
}

/**
 * What a batch's submit had done when a cancel stopped it between attempts: what it posted, the
 * requests whose answer was lost, and the rows refused (the API's, and on a batch's first submit
 * the validation's, read from the batch's rejects part), so that the batch's counts add up.
 */
export function createSubmitRemains(deps: ActivityDeps) {
  return async function submitRemains(input: { importId: string; batchIndex: number; firstSubmit: boolean }): Promise<SubmitRemainsResult> {
    const runId = Context.current().info.workflowExecution?.runId ?? '';
    const paths = new ReportPaths(deps.reportDir, input.importId);
    const remains = await remainsOfSubmit(paths.submitJournal(input.batchIndex), runId);
    const validationRejects = input.firstSubmit ? (await readRejectPart(paths.validationRejects(input.batchIndex))).length : 0;
    const { requests, unknownKeys, retries, possibleDuplicates } = remains;
    return { requests, unknownKeys, rejectedRows: validationRejects + remains.rejectedRowKeys.length, retries, possibleDuplicates };
  };
}

export type { SubmitProgress };
