import { randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ImportOptionsSchema, ImportWorkflowInputSchema, inferFormat, type ImportOptionsInput, type ImportWorkflowInput } from '../common/importInput';
import { cancelModeSignal, pauseUpdate, resolveStuckBatchUpdate, resumeUpdate, setConcurrencyUpdate, type CancelMode, type StuckResolution } from '../common/messages';
import { z } from 'zod';
import type { Progress } from '../common/progress';
import { ImportReportSchema, rerunFailsAgain, type FailureSummary, type ImportReport } from '../common/report';
import { ImportSourceKey, ImportStatusKey } from '../common/searchAttributes';
import type { SearchAttributePair } from '@temporalio/common';
import { keptSourceRef, sourceRefFromArgument, type SourceRef } from '../common/source';
import { describeSource, sourceAttribute } from '../common/sourceName';
import { batchWorkflowId } from '../common/batchIds';
import { formatDuration } from '../common/duration';
import { DEFAULT_STUCK_AFTER_MS } from '../common/limits';
import { issueLines } from '../common/zodIssues';
import type { ImportClientContext } from './connect';
import { canonicalJson, defaultImportIdFor, resolveSourceForWorker } from './importId';
import { ImportAlreadyExistsError, ImportEndedWithoutReportError, ImportIdInUseError, ImportNotFoundError, ImportSteeringError, InvalidImportRequestError, NoSuchBatchError, stuckNowText, type ImportIdBasis } from './importErrors';
import { NoWorkerError, noWorkerWarning, requireWorker, updateNotAnswered, WorkerNotAnsweringError } from './workerPresence';
import { handleOf, importRun, importStatus, onImportQueue, runningImport, startInput, type RunningImport } from './importRuns';
import { getProgress } from './importProgress';
import { endOfHistory, getReport } from './importReports';

// The client API is imported from this module (README): what the modules beside it offer is offered here too.
export { importStatus, onImportQueue } from './importRuns';
export { getProgress, retryingStep } from './importProgress';
export { getReport, waitForReport, type WaitOptions } from './importReports';

export const IMPORT_WORKFLOW_TYPE = 'importProfilesWorkflow';

export interface StartImportRequest extends ImportOptionsInput {
  /** A path (inside the worker's XP_IMPORT_DATA_DIR) or an http(s) URL. */
  source: string | SourceRef;
  /**
   * Defaults to an ID derived from the source version, so the same file is never imported twice: a
   * local file's size and modification time when this process sees it (in XP_IMPORT_DATA_DIR, or
   * from the current folder), otherwise its path alone; a URL's ETag or Last-Modified when its
   * server tells them. Services that start imports of the same files should see them alike.
   */
  importId?: string;
  /** Internal knobs, for tests; `stuckAfterMs` (an option, checked against its bounds) wins over `tuning.stuckAfterMs`. */
  tuning?: ImportWorkflowInput['tuning'];
}

export interface StartedImport {
  importId: string;
  /** True when an import of this ID was already running (started before, or a moment ago by another caller) and was joined. */
  alreadyRunning: boolean;
  /** What the import runs with: a joined import's own input, whatever options this request gave. */
  input: ImportWorkflowInput;
  /**
   * A joined import's settings that differ from the ones this request gave, as "batch size 10000
   * (not 100)": it keeps its own (`setConcurrency` changes its concurrency). Empty otherwise.
   */
  keptSettings: string[];
  /**
   * Set when no worker polls the import's task queue: the import waits, without a word, until one
   * does. The message says which queue and what to start (the CLI prints it as a warning).
   */
  noWorker?: string;
}

/** Tells the caller that started an import from one that joined it a moment later: USE_EXISTING answers both alike. */
const START_TOKEN_MEMO = 'startToken';

/**
 * A start request as a whole: the options, the source and the ID (checked on their own below) and the test
 * knobs. Strict: a misspelled option (`batchsize`) is refused, where it would be dropped without a
 * word and the import run with the default.
 */
const StartImportRequestSchema = ImportOptionsSchema.extend({ source: z.unknown(), importId: z.unknown().optional(), tuning: z.unknown().optional() }).strict();

/** Starts an import, or finds the one already running for the same source. */
export async function startImport(ctx: ImportClientContext, request: StartImportRequest): Promise<StartedImport> {
  return withWorkerPresence(ctx, await startOrJoin(ctx, request));
}

/** A started (or joined) import, with `noWorker` said when nothing will run it for now. */
async function withWorkerPresence(ctx: ImportClientContext, started: StartedImport): Promise<StartedImport> {
  const warning = await noWorkerWarning(await onImportQueue(ctx, started.importId));
  return warning === null ? started : { ...started, noWorker: warning };
}

async function startOrJoin(ctx: ImportClientContext, request: StartImportRequest): Promise<StartedImport> {
  const options = validRequest(StartImportRequestSchema, request);
  // An object is checked as an argument is: no user info kept in history, no fragment.
  const given = typeof request.source === 'string' ? sourceRefFromArgument(request.source) : keptSourceRef(request.source);
  const { ref, localPath } = resolveSourceForWorker(given);
  const importId = request.importId ?? (await defaultImportIdFor(ref, localPath, { dryRun: options.dryRun, format: options.format, mapping: options.mapping }));
  const basis: ImportIdBasis = request.importId !== undefined ? 'given' : ref.kind === 'file' && localPath === null ? 'path' : 'version';
  const input = validRequest(ImportWorkflowInputSchema, {
    importId,
    source: ref,
    format: options.format ?? inferFormat(ref.kind === 'file' ? ref.path : ref.url),
    delimiter: options.delimiter,
    batchSize: options.batchSize,
    concurrency: options.concurrency,
    dryRun: options.dryRun,
    mapping: options.mapping,
    tuning: options.stuckAfterMs === undefined ? request.tuning : { ...request.tuning, stuckAfterMs: options.stuckAfterMs },
  });

  const running = await runningImport(ctx, importId);
  if (running !== undefined) return follow(importId, await withConcurrencyNow(ctx, importId, running, request), input, request);
  const startToken = randomUUID();
  let handle: WorkflowHandle;
  try {
    handle = await ctx.client.workflow.start(IMPORT_WORKFLOW_TYPE, {
      workflowId: importId,
      taskQueue: ctx.taskQueue,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      staticSummary: summaryOf(input),
      staticDetails: detailsOf(input),
      memo: { [START_TOKEN_MEMO]: startToken },
      typedSearchAttributes: startAttributes(input),
    });
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) {
      const ended = await getReport(ctx, importId).then(
        (report) => report ?? undefined,
        (failure: unknown) => (failure instanceof ImportEndedWithoutReportError ? ('no-report' as const) : undefined),
      );
      throw new ImportAlreadyExistsError(importId, basis, ended);
    }
    throw error;
  }
  const description = await handle.describe();
  if (description.memo?.[START_TOKEN_MEMO] === startToken) return { importId, alreadyRunning: false, input, keptSettings: [] };
  // Another caller started this ID between the look above and this start (two services at once);
  // it may have ended since (a dry run, an early failure): it is the import asked for all the same.
  return follow(importId, await withConcurrencyNow(ctx, importId, await importRun(ctx, importId, description), request), input, request);
}

/** A request checked against its schema: the caller's mistakes as InvalidImportRequestError, field by field. */
function validRequest<S extends z.ZodType>(schema: S, request: unknown): z.infer<S> {
  const parsed = schema.safeParse(request);
  if (!parsed.success) throw new InvalidImportRequestError(issueLines(parsed.error, '(request)'));
  return parsed.data;
}

/**
 * The running import with the concurrency it runs at now: `setImportConcurrency` changes it after
 * its start, so its input alone would name a stale one among the settings it keeps. Asked only
 * when the caller gave a concurrency; without an answer (no worker), the input's stands.
 */
async function withConcurrencyNow(ctx: ImportClientContext, importId: string, running: RunningImport, request: StartImportRequest): Promise<RunningImport> {
  if (running.input === undefined || request.concurrency === undefined) return running;
  const concurrency = await getProgress(ctx, importId).then(
    (progress) => progress.concurrency,
    () => undefined,
  );
  return concurrency === undefined ? running : { ...running, input: { ...running.input, concurrency } };
}

/** The running import this start joins: its own input, or the refusal when it imports another source or sends otherwise. */
function follow(importId: string, running: RunningImport, input: ImportWorkflowInput, request: StartImportRequest): StartedImport {
  // Following an import of another file would report success for a file never read.
  if (running.source !== sourceAttribute(input.source)) throw new ImportIdInUseError(importId, running.source, describeSource(input.source));
  const theirs = running.input;
  if (theirs === undefined) return { importId, alreadyRunning: true, input, keptSettings: [] };
  // What is sent must be what was asked for; how fast it goes may be the running import's.
  const sendsOtherwise = [
    ...(theirs.format !== input.format ? ['format'] : []),
    ...(theirs.delimiter !== input.delimiter ? ['delimiter'] : []),
    ...(canonicalJson(theirs.mapping ?? null) !== canonicalJson(input.mapping ?? null) ? ['mapping'] : []),
    ...(theirs.dryRun !== input.dryRun ? [theirs.dryRun ? 'mode (a dry run)' : 'mode (not a dry run)'] : []),
  ];
  if (sendsOtherwise.length > 0) throw new ImportIdInUseError(importId, running.source, describeSource(input.source), sendsOtherwise);
  const keptSettings = [
    ...(request.batchSize !== undefined && theirs.batchSize !== input.batchSize ? [`batch size ${theirs.batchSize} (not ${input.batchSize})`] : []),
    ...(request.concurrency !== undefined && theirs.concurrency !== input.concurrency ? [`concurrency ${theirs.concurrency} (not ${input.concurrency})`] : []),
    ...(request.stuckAfterMs !== undefined && stuckAfterMsOf(theirs) !== stuckAfterMsOf(input)
      ? [`stuck-task watchdog ${formatDuration(stuckAfterMsOf(theirs))} (not ${formatDuration(stuckAfterMsOf(input))})`]
      : []),
  ];
  return { importId, alreadyRunning: true, input: theirs, keptSettings };
}

/** The watchdog an import runs with: an input without it has the workflow's default. */
function stuckAfterMsOf(input: ImportWorkflowInput): number {
  return input.tuning?.stuckAfterMs ?? DEFAULT_STUCK_AFTER_MS;
}

/** What the UI lists an import by from its start (the workflow sets them again as it runs): a start and a re-run alike. */
function startAttributes(input: ImportWorkflowInput): SearchAttributePair[] {
  return [
    { key: ImportStatusKey, value: 'Running' },
    { key: ImportSourceKey, value: sourceAttribute(input.source) },
  ];
}

function summaryOf(input: ImportWorkflowInput): string {
  const mode = input.dryRun ? ' (dry run)' : '';
  return `Import ${describeSource(input.source)} (${input.format})${mode}: batches of ${input.batchSize}, concurrency ${input.concurrency}`.slice(0, 200);
}

function detailsOf(input: ImportWorkflowInput): string {
  return [
    `**Source:** \`${describeSource(input.source)}\` (${input.format}${input.delimiter ? `, delimiter \`${JSON.stringify(input.delimiter)}\`` : ''})`,
    `**Batch size:** ${input.batchSize} rows · **Concurrency:** ${input.concurrency} · **Stuck after:** ${formatDuration(stuckAfterMsOf(input))}${input.dryRun ? ' · **Dry run**' : ''}`,
    `**Mapping:** ${input.mapping ? `${Object.keys(input.mapping.columns).length} column rule(s), ${Object.keys(input.mapping.constants).length} constant(s)` : 'none (columns sent as named)'}`,
    'Each batch is a `submitBatch` activity named `batch <n>: rows …`; one whose task outlasts it goes on as a child workflow `<import id>/batch-<n>`. Query `progress` for counts.',
  ].join('\n\n');
}

/**
 * A worker applies pause, resume, set-concurrency and resolve in milliseconds (their handlers do
 * no I/O). Without a deadline the SDK re-sends an update the server holds for a worker until one
 * takes it: minutes, or for ever, after the only worker died.
 */
const UPDATE_TIMEOUT_MS = 10_000;

/**
 * Sends an update with UPDATE_TIMEOUT_MS to be answered in. The server keeps an update that no
 * worker has taken in memory and hands it to the next worker that picks up the workflow, whether
 * or not its client still waits; so a request given up on may still be applied, and the message
 * says so.
 */
async function updateInTime<T>(ctx: ImportClientContext, request: string, importId: string, send: () => Promise<T>): Promise<T> {
  try {
    return await ctx.client.connection.withDeadline(Date.now() + UPDATE_TIMEOUT_MS, send);
  } catch (error) {
    if (!updateNotAnswered(error)) throw error;
    throw new WorkerNotAnsweringError(
      ctx.taskQueue,
      UPDATE_TIMEOUT_MS,
      `The ${request} was not confirmed, but Temporal keeps it for the next worker, so it may still take effect if a worker comes back ` +
        `(unless the Temporal server restarts first). Once one runs, check with \`xp-import status ${importId}\` before sending it again.`,
    );
  }
}

/**
 * Steers a running import. The server answers "not found" both for an ID it never saw and for an
 * import that has ended; the operator needs to know which (a typo, or nothing left to steer).
 * An update is answered by a worker: with none polling it would wait for one, so `needsWorker`
 * checks first, and says so only of an import that is running.
 */
async function steer<T>(
  ctx: ImportClientContext,
  importId: string,
  what: string,
  action: (handle: WorkflowHandle) => Promise<T>,
  options: { needsWorker?: boolean } = {},
): Promise<T> {
  try {
    if (options.needsWorker) await requireWorker(await onImportQueue(ctx, importId));
    return await action(handleOf(ctx, importId));
  } catch (error) {
    // The import's own refusal (a concurrency out of range) is the message the caller needs.
    if (error instanceof WorkflowUpdateFailedError) throw refusal(importId, error);
    if (!(error instanceof NoWorkerError) && (error as Error).name !== 'WorkflowNotFoundError') throw error;
    const status = await importStatus(ctx, importId);
    if (status === null) throw new ImportNotFoundError(importId);
    if (status === 'RUNNING') throw error;
    throw new ImportSteeringError(importId, 'ended', `import ${importId} has ended (${status.toLowerCase()}), so there is nothing to ${what}; its report: \`xp-import report ${importId}\``);
  }
}

function refusal(importId: string, error: WorkflowUpdateFailedError): ImportSteeringError {
  return new ImportSteeringError(importId, 'refused', error.cause instanceof Error ? error.cause.message : error.message);
}

export async function pauseImport(ctx: ImportClientContext, importId: string): Promise<Progress> {
  return steer(ctx, importId, 'pause', (handle) => updateInTime(ctx, 'pause', importId, () => handle.executeUpdate(pauseUpdate)), { needsWorker: true });
}

export async function resumeImport(ctx: ImportClientContext, importId: string): Promise<Progress> {
  return steer(ctx, importId, 'resume', (handle) => updateInTime(ctx, 'resume', importId, () => handle.executeUpdate(resumeUpdate)), { needsWorker: true });
}

export async function setImportConcurrency(ctx: ImportClientContext, importId: string, concurrency: number): Promise<Progress> {
  return steer(
    ctx,
    importId,
    'change',
    (handle) => updateInTime(ctx, `change of concurrency to ${concurrency}`, importId, () => handle.executeUpdate(setConcurrencyUpdate, { args: [concurrency] })),
    { needsWorker: true },
  );
}

/** An operator's decision about a batch whose task is stuck: send it again, or give up on it. */
export async function resolveStuckBatch(ctx: ImportClientContext, importId: string, batchNumber: number, resolution: StuckResolution): Promise<string> {
  try {
    await requireWorker(await onImportQueue(ctx, importId));
    const batch = ctx.client.workflow.getHandle(batchWorkflowId(importId, batchNumber));
    return await updateInTime(ctx, `decision to ${resolution} batch ${batchNumber}`, importId, () => batch.executeUpdate(resolveStuckBatchUpdate, { args: [resolution] }));
  } catch (error) {
    // The workflow's refusal (e.g. "has no stuck task") is the message an operator needs.
    if (error instanceof WorkflowUpdateFailedError) throw refusal(importId, error);
    if ((error as Error).name === 'WorkflowNotFoundError') throw await whyNoBatchWorkflow(ctx, importId, batchNumber);
    throw error;
  }
}

/**
 * Why a batch has no batch workflow to take a decision: the import is unknown or has ended, the
 * number is not one of its batches (a typo: 999 of 3), or the batch is not running as its own
 * workflow, which it does only while a task of it is still running after its submit.
 */
async function whyNoBatchWorkflow(ctx: ImportClientContext, importId: string, batchNumber: number): Promise<Error> {
  const status = await importStatus(ctx, importId);
  if (status === null) return new ImportNotFoundError(importId);
  const notRunning = `batch ${batchNumber} of ${importId} is not running as a batch workflow, so it has no stuck task`;
  if (status !== 'RUNNING') return new ImportSteeringError(importId, 'ended', `import ${importId} has ended (${status.toLowerCase()}): ${notRunning}; its report: \`xp-import report ${importId}\``);
  // Only to say more: without an answer the refusal stands, and `status` tells the rest.
  const batches = await getProgress(ctx, importId).then(
    (progress) => progress.batches,
    () => undefined,
  );
  if (batches === undefined) return new ImportSteeringError(importId, 'refused', `${notRunning}; \`xp-import status ${importId}\` lists the stuck batches`);
  if (batches.total !== null && !isBatchNumberOf(batchNumber, batches.total)) return new NoSuchBatchError(importId, batchNumber, batches.total, batches);
  return new ImportSteeringError(importId, 'refused', `${notRunning}; ${stuckNowText(batches)}`);
}

function isBatchNumberOf(batchNumber: number, batchCount: number): boolean {
  return Number.isInteger(batchNumber) && batchNumber >= 1 && batchNumber <= batchCount;
}

/**
 * Re-runs an import that ended: a new run under the same import ID sends only the batches that
 * did not succeed before (failed, stuck and abandoned, cancelled, never started); its report
 * says what it took over from the run before.
 */
export async function retryFailed(ctx: ImportClientContext, importId: string): Promise<StartedImport> {
  return withWorkerPresence(ctx, await rerun(ctx, importId));
}

async function rerun(ctx: ImportClientContext, importId: string): Promise<StartedImport> {
  const handle = handleOf(ctx, importId);
  let description;
  try {
    description = await handle.describe();
  } catch (error) {
    if ((error as Error).name === 'WorkflowNotFoundError') throw new ImportNotFoundError(importId);
    throw error;
  }
  if (description.status.name === 'RUNNING') throw new ImportSteeringError(importId, 'running', `import ${importId} is still running; retry it once it has ended`);
  let last: ImportReport | null = null;
  if (description.status.name === 'COMPLETED') {
    const completed = ImportReportSchema.safeParse(await handle.result());
    if (completed.success) last = completed.data;
  } else {
    // A failed import's report is in its history (the report step's result, or the failure's details).
    const end = await endOfHistory(handle);
    if (end.report === null) throw new ImportEndedWithoutReportError(importId, description.status.name, end.failure);
    last = end.report;
  }
  // An import that failed before it planned a batch (the API refused the token, the file was not
  // there yet) has 0 of 0 batches succeeded: it sent nothing, and a re-run sends it all.
  const failedBeforePlanning = last?.status === 'failed' && last.batches.total === 0;
  if (last !== null && last.status !== 'cancelled' && !failedBeforePlanning && last.batches.failed === 0 && last.batches.succeeded === last.batches.total && !rerunFailsAgain(last)) {
    // A re-run would read the whole file again to send nothing, and write the report again.
    const rejected = last.rows.rejected > 0 ? ` Its ${last.rows.rejected} rejected row(s) are in ${last.rejectsFile ?? 'its rejects file'}: fix them, copy the file into XP_IMPORT_DATA_DIR (the worker reads sources from there only) and import it.` : '';
    throw new ImportSteeringError(importId, 'nothing_to_retry', `import ${importId} has nothing to retry: every batch succeeded.${rejected} To import the source again, start a new import with --id.`);
  }
  // The same file, mapping and settings again: a loop of re-runs that each fail and send nothing.
  if (last !== null && rerunFailsAgain(last)) {
    const { code, message } = last.failure as FailureSummary;
    throw new ImportSteeringError(
      importId,
      'fails_again',
      `import ${importId} failed on its input (${code}: ${message}), and a re-run reads the same file with the same mapping, so it would fail the same way. Fix the file or the mapping and start a new import (a corrected mapping, or a new version of the file, gives a new default ID).`,
    );
  }
  const previous = ImportWorkflowInputSchema.parse(await startInput(ctx, importId, description.runId));
  const input: ImportWorkflowInput = { ...previous, retryOf: { fromRunId: description.runId } };
  try {
    await ctx.client.workflow.start(IMPORT_WORKFLOW_TYPE, {
      workflowId: importId,
      // Its own queue, not this shell's: another queue's workers may send to another Xtremepush app (staging, say).
      taskQueue: description.taskQueue || ctx.taskQueue,
      args: [input],
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      staticSummary: `Re-run: ${summaryOf(input)}`.slice(0, 200),
      staticDetails: `${detailsOf(input)}\n\nRe-run of run \`${description.runId}\`: only the batches that did not succeed are sent.`,
      typedSearchAttributes: startAttributes(input),
    });
  } catch (error) {
    // Another caller's re-run of the same run started a moment before this one: it is the one asked for.
    if (error instanceof WorkflowExecutionAlreadyStartedError) return { importId, alreadyRunning: true, input, keptSettings: [] };
    throw error;
  }
  return { importId, alreadyRunning: false, input, keptSettings: [] };
}

/** Cancels an import: batches already sent finish (default) or are abandoned; a report is written either way. */
export async function cancelImport(ctx: ImportClientContext, importId: string, mode: CancelMode = 'finish-in-flight'): Promise<void> {
  await steer(ctx, importId, 'cancel', async (handle) => {
    await handle.signal(cancelModeSignal, mode);
    await handle.cancel();
  });
}
