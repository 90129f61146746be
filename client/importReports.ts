/** An import's final report: read once it has ended, or waited for. */
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, defaultPayloadConverter } from '@temporalio/common';
import type { Progress } from '../common/progress';
import { ImportReportSchema, type ImportReport } from '../common/report';
import type { ImportClientContext } from './connect';
import { endOutlastingOutages } from './serverOutage';
import { ImportEndedWithoutReportError, ImportNotFoundError } from './importErrors';
import { failureText } from './failureText';
import { handleOf, importStatus } from './importRuns';
import { PROGRESS_QUERY_TIMEOUT_MS, progressOf } from './importProgress';

/** The final report of a finished import; null while it runs. Throws ImportEndedWithoutReportError for one stopped from outside before it wrote one. */
export async function getReport(ctx: ImportClientContext, importId: string): Promise<ImportReport | null> {
  const status = await importStatus(ctx, importId);
  if (status === null) throw new ImportNotFoundError(importId);
  if (status === 'RUNNING') return null;
  const handle = handleOf(ctx, importId);
  if (status === 'COMPLETED') {
    const result: unknown = await handle.result();
    return ImportReportSchema.parse(result);
  }
  const { report, failure } = await endOfHistory(handle);
  if (report === null) throw new ImportEndedWithoutReportError(importId, status, failure);
  return report;
}

/** How a wait for an import's report may be stopped. */
export interface WaitOptions {
  /**
   * Stops the wait (not the import) when aborted: waitForReport rejects with the signal's reason
   * at once. Its call to the server for the result goes on until the import ends or the
   * connection is closed (`ctx.close()`).
   */
  signal?: AbortSignal;
}

/**
 * Waits for the import to end, calling `onProgress` about once a second. A progress query that
 * fails (no worker for now) is skipped; an `onProgress` that throws ends the wait with its error,
 * so a bug in the caller's own code is not hidden.
 */
export async function waitForReport(
  ctx: ImportClientContext,
  importId: string,
  onProgress?: (progress: Progress) => void,
  intervalMs = 1_000,
  options: WaitOptions = {},
): Promise<ImportReport> {
  const { signal } = options;
  signal?.throwIfAborted();
  const handle = handleOf(ctx, importId);
  if ((await importStatus(ctx, importId)) === null) throw new ImportNotFoundError(importId);
  let done = false;
  // The end cuts the wait between two progress queries short: the report is not held back by it.
  let wake = () => {};
  // Stops the wait from either side: the caller's signal, or its onProgress failing.
  const stop = new AbortController();
  const onAbort = () => stop.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  // Aborted while the status above was asked: the listener came too late to hear it.
  if (signal?.aborted) onAbort();
  const polling = (async () => {
    while (!done) {
      if (onProgress) {
        let progress: Progress | undefined;
        try {
          // A worker gone for good would hold a query until the server's own limit (30 s) without this.
          progress = await ctx.client.connection.withDeadline(Date.now() + PROGRESS_QUERY_TIMEOUT_MS, () => progressOf(ctx, handle));
        } catch {
          // A query can fail while no worker is up or the run is switching; the next one will do.
        }
        try {
          if (progress !== undefined && !done) onProgress(progress);
        } catch (error) {
          stop.abort(error);
          break;
        }
      }
      if (done) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, intervalMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  })();
  // The result's call to the server is not stopped by a signal (the SDK asks again): the wait races it.
  const ended = endOutlastingOutages(handle, stop.signal);
  // Rejects when stopped; the catch below throws the stop's own reason, whatever it is.
  const stopped = new Promise<never>((_, reject) => {
    const stopNow = () => reject(new Error('stopped'));
    if (stop.signal.aborted) stopNow();
    stop.signal.addEventListener('abort', stopNow, { once: true });
  });
  let outcome: unknown;
  try {
    outcome = await Promise.race([ended, stopped]);
  } catch (error) {
    if (stop.signal.aborted) throw stop.signal.reason;
    if (!(error instanceof WorkflowFailedError)) throw error;
    // A failed import fails with its report as the failure's details.
    outcome = error.cause instanceof ApplicationFailure ? error.cause.details?.[0] : undefined;
  } finally {
    // Left behind by a stop, it ends with the import or the connection; its end is of no one's concern.
    ended.catch(() => undefined);
    stopped.catch(() => undefined);
    done = true;
    wake();
    signal?.removeEventListener('abort', onAbort);
    await polling;
  }
  // The report the run that ended returned or failed with. Read again by ID only when it is not
  // there (a cancelled import's is in its history): a re-run started meanwhile is then the import.
  const ending = ImportReportSchema.safeParse(outcome);
  if (ending.success) return ending.data;
  const report = await getReport(ctx, importId);
  // A re-run started since it ended (retry, from another shell or service): the import goes on, and so does the wait.
  return report ?? (await waitForReport(ctx, importId, onProgress, intervalMs, options));
}

/**
 * The report an import wrote (or failed with), and the message it failed with, from the history of
 * its last run: a failed or cancelled import has no result, so its report is the result of its
 * last `writeReport` activity (or the details of its failure).
 */
export async function endOfHistory(handle: WorkflowHandle): Promise<{ report: ImportReport | null; failure: string | undefined }> {
  const history = await handle.fetchHistory();
  let failure: string | undefined;
  const scheduled = new Map<string, string>();
  let found: unknown = null;
  for (const event of history.events ?? []) {
    const attrs = event.activityTaskScheduledEventAttributes;
    if (attrs?.activityType?.name) scheduled.set(String(event.eventId), attrs.activityType.name);
    const completed = event.activityTaskCompletedEventAttributes;
    if (completed && scheduled.get(String(completed.scheduledEventId)) === 'writeReport') {
      const payload = completed.result?.payloads?.[0];
      if (payload) found = defaultPayloadConverter.fromPayload(payload);
    }
    const failed = event.workflowExecutionFailedEventAttributes?.failure;
    if (failed) failure = failureText(failed);
    if (found === null && failed?.applicationFailureInfo?.details?.payloads?.[0]) {
      found = defaultPayloadConverter.fromPayload(failed.applicationFailureInfo.details.payloads[0]);
    }
  }
  const parsed = ImportReportSchema.safeParse(found);
  return { report: parsed.success ? parsed.data : null, failure };
}
