import { randomUUID } from 'node:crypto';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowUpdateFailedError,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure, defaultPayloadConverter } from '@temporalio/common';
import { ImportOptionsSchema, ImportWorkflowInputSchema, inferFormat, type ImportOptionsInput, type ImportWorkflowInput } from '../common/importInput';
import {
  cancelModeSignal,
  pauseUpdate,
  progressQuery,
  resolveStuckBatchUpdate,
  resumeUpdate,
  setConcurrencyUpdate,
  type CancelMode,
  type StuckResolution,
} from '../common/messages';
import { temporal } from '@temporalio/proto';
import { z } from 'zod';
import { progressAsOf } from '../common/totals';
import { SourceReadProgressSchema, type Progress, type RetryingStep, type SourceReadProgress } from '../common/progress';
import type { ImportActivities } from '../activities';
import { ImportReportSchema, rerunFailsAgain, type FailureSummary, type ImportReport } from '../common/report';
import { ImportSourceKey, ImportStatusKey } from '../common/searchAttributes';
import { keptSourceRef, sourceRefFromArgument, type SourceRef } from '../common/source';
import { describeSource, sourceAttribute } from '../common/sourceName';
import { batchWorkflowId } from '../common/batchIds';
import { formatDuration } from '../common/duration';
import { DEFAULT_STUCK_AFTER_MS } from '../common/limits';
import { issueLines } from '../common/zodIssues';
import type { ImportClientContext } from './connect';
import { endOutlastingOutages } from './serverOutage';
import { canonicalJson, defaultImportIdFor, resolveSourceForWorker } from './importId';
import {
  ImportAlreadyExistsError,
  ImportEndedWithoutReportError,
  ImportIdInUseError,
  ImportNotFoundError,
  ImportSteeringError,
  InvalidImportRequestError,
  NoSuchBatchError,
  stuckNowText,
  type ImportIdBasis,
} from './importErrors';
import { NoWorkerError, noWorkerWarning, queryNotAnswered, requireWorker, updateNotAnswered, WorkerNotAnsweringError } from './workerPresence';
import { failureText } from './failureText';

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

function handleOf(ctx: ImportClientContext, importId: string): WorkflowHandle {
  return ctx.client.workflow.getHandle(importId);
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
      typedSearchAttributes: [
        { key: ImportStatusKey, value: 'Running' },
        { key: ImportSourceKey, value: sourceAttribute(input.source) },
      ],
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

interface RunningImport {
  /** Its source as its ImportSource search attribute names it (set at start), or as its input does; null when neither tells. */
  source: string | null;
  /** The input its run started with (a caller that joins it learns the batch size and concurrency it runs with). */
  input?: ImportWorkflowInput;
}

/** The import running under this ID; undefined when none runs. */
async function runningImport(ctx: ImportClientContext, importId: string): Promise<RunningImport | undefined> {
  let description;
  try {
    description = await handleOf(ctx, importId).describe();
  } catch (error) {
    if ((error as { name?: string }).name === 'WorkflowNotFoundError') return undefined;
    throw error;
  }
  return description.status.name === 'RUNNING' ? importRun(ctx, importId, description) : undefined;
}

/** The source and input of the run a description is of. */
async function importRun(ctx: ImportClientContext, importId: string, description: WorkflowExecutionDescription): Promise<RunningImport> {
  const parsed = ImportWorkflowInputSchema.safeParse(await startInput(ctx, importId, description.runId));
  const input = parsed.success ? parsed.data : undefined;
  const source = description.typedSearchAttributes.get(ImportSourceKey) ?? (input ? sourceAttribute(input.source) : null);
  return { source, ...(input ? { input } : {}) };
}

/** What a run was started with: its history's first event alone, not the whole history. */
async function startInput(ctx: ImportClientContext, importId: string, runId: string): Promise<unknown> {
  const { history } = await ctx.client.workflowService.getWorkflowExecutionHistory({
    namespace: ctx.client.options.namespace,
    execution: { workflowId: importId, runId },
    maximumPageSize: 1,
  });
  const payload = history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  return payload ? defaultPayloadConverter.fromPayload(payload) : undefined;
}

/** The import's Temporal status (`RUNNING`, `COMPLETED`, ...); null for an ID the server does not know. */
export async function importStatus(ctx: ImportClientContext, importId: string): Promise<string | null> {
  try {
    const description = await handleOf(ctx, importId).describe();
    return description.status.name;
  } catch (error) {
    if ((error as { name?: string }).name === 'WorkflowNotFoundError') return null;
    throw error;
  }
}

/**
 * The context on the import's own task queue. An import started by another service, or with
 * another XP_IMPORT_TASK_QUEUE, runs where that queue's workers poll: that is the queue whose
 * workers answer it, and the one to name when none does. Unchanged for an ID Temporal does not know.
 */
export async function onImportQueue(ctx: ImportClientContext, importId: string): Promise<ImportClientContext> {
  try {
    const { taskQueue } = await handleOf(ctx, importId).describe();
    return taskQueue === ctx.taskQueue ? ctx : { ...ctx, taskQueue, commandTaskQueue: ctx.taskQueue };
  } catch (error) {
    if ((error as Error).name === 'WorkflowNotFoundError') return ctx;
    throw error;
  }
}

/** A running import's progress. Only a worker answers the query, so without one this says so at once instead of timing out. */
export async function getProgress(commandCtx: ImportClientContext, importId: string): Promise<Progress> {
  const ctx = await onImportQueue(commandCtx, importId);
  await requireWorker(ctx);
  const asked = Date.now();
  try {
    return await ctx.client.connection.withDeadline(asked + PROGRESS_QUERY_TIMEOUT_MS, () => progressOf(ctx, handleOf(ctx, importId)));
  } catch (error) {
    if ((error as Error).name === 'WorkflowNotFoundError') throw new ImportNotFoundError(importId);
    if (queryNotAnswered(error, Date.now() - asked, PROGRESS_QUERY_TIMEOUT_MS)) throw new WorkerNotAnsweringError(ctx.taskQueue, PROGRESS_QUERY_TIMEOUT_MS);
    throw error;
  }
}

/** A worker answers a query in milliseconds; the server's own limit (30 s) is long to wait for a "no". */
const PROGRESS_QUERY_TIMEOUT_MS = 10_000;

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
 * The progress query's answer, with what only the server knows: how far the inspection has read
 * (its last heartbeat: the workflow learns nothing until the pass ends) and a step that failed and
 * waits for another attempt.
 */
async function progressOf(ctx: ImportClientContext, handle: WorkflowHandle): Promise<Progress> {
  const [progress, { raw, status }] = await Promise.all([handle.query(progressQuery), handle.describe()]);
  // The workflow's last state is `finishing` (its report written); the server knows it has ended.
  if (status.name !== 'RUNNING') return { ...progress, phase: 'done' };
  const pending = raw.pendingActivities ?? [];
  const inspection = progress.phase === 'inspecting' ? inspectionRead(pending) : undefined;
  const retrying = retryingStep(pending) ?? (await retryingInBatchWorkflows(ctx, raw.pendingChildren ?? []));
  return progressAsOf({ ...progress, ...(inspection ? { inspection } : {}), ...(retrying ? { retrying } : {}) }, Date.now());
}

const BATCH_WORKFLOWS_DESCRIBED = 8;

/**
 * A batch that runs as its own workflow (under an API rate limit, or while its task outlasts its
 * submit) retries its steps there, where the import's own pending activities do not show them.
 */
async function retryingInBatchWorkflows(ctx: ImportClientContext, children: temporal.api.workflow.v1.IPendingChildExecutionInfo[]): Promise<RetryingStep | undefined> {
  const described = await Promise.all(
    // Each is a describe call on every status; in a storm every batch retries alike, so a few tell.
    children.slice(0, BATCH_WORKFLOWS_DESCRIBED).map(async ({ workflowId, runId }) => {
      if (!workflowId) return undefined;
      const { raw } = await ctx.client.workflow.getHandle(workflowId, runId ?? undefined).describe().catch(() => ({ raw: undefined }));
      const step = retryingStep(raw?.pendingActivities ?? []);
      return step && { ...step, step: `${step.step} of ${workflowId.slice(workflowId.lastIndexOf('/') + 1).replace('-', ' ')}` };
    }),
  );
  return described.filter((step) => step !== undefined).sort((a, b) => b.attempt - a.attempt)[0];
}

type PendingActivity = temporal.api.workflow.v1.IPendingActivityInfo;
const INSPECT_ACTIVITY: keyof ImportActivities = 'inspectSource';

function inspectionRead(pending: PendingActivity[]): SourceReadProgress | undefined {
  const payload = pending.find((activity) => activity.activityType?.name === INSPECT_ACTIVITY)?.heartbeatDetails?.payloads?.[0];
  if (!payload) return undefined;
  const read = SourceReadProgressSchema.safeParse(defaultPayloadConverter.fromPayload(payload));
  return read.success ? read.data : undefined;
}

/**
 * The pending step of the import that has failed the most attempts so far, if any has failed.
 * A benign failure is not trouble: it is how the wait for a long task polls (`TaskStillRunning`),
 * and showing it as a retry told operators of every healthy ten-minute task that it was failing.
 */
export function retryingStep(pending: PendingActivity[]): RetryingStep | undefined {
  let worst: PendingActivity | undefined;
  for (const activity of pending) {
    if (!activity.lastFailure || (activity.attempt ?? 0) < 2 || isBenign(activity.lastFailure)) continue;
    if (worst === undefined || (activity.attempt ?? 0) > (worst.attempt ?? 0)) worst = activity;
  }
  if (worst === undefined) return rateLimitedStep(pending);
  const failure = worst.lastFailure;
  const type = failure?.applicationFailureInfo?.type;
  const message = failure?.message ?? 'failed';
  return {
    step: worst.activityType?.name ?? 'a step',
    attempt: worst.attempt ?? 2,
    maximumAttempts: worst.maximumAttempts ?? 0,
    message: type && !message.startsWith(type) ? `${type}: ${message}` : message,
  };
}

const SUBMIT_ACTIVITY: keyof ImportActivities = 'submitBatch';

/**
 * A submit waiting out 429s fails nothing (it waits within its attempt), so only its heartbeat
 * says so: before, `status` showed "no change for 140s" and nothing about why.
 */
function rateLimitedStep(pending: PendingActivity[], now = Date.now()): RetryingStep | undefined {
  for (const activity of pending) {
    const payload = activity.activityType?.name === SUBMIT_ACTIVITY ? activity.heartbeatDetails?.payloads?.[0] : undefined;
    if (!payload) continue;
    const since = defaultPayloadConverter.fromPayload<{ rateLimitedSince?: unknown } | null>(payload)?.rateLimitedSince;
    if (typeof since !== 'number') continue;
    const seconds = Math.max(0, Math.round((now - since) / 1000));
    return {
      step: SUBMIT_ACTIVITY,
      attempt: activity.attempt ?? 1,
      maximumAttempts: activity.maximumAttempts ?? 0,
      message: `RateLimitedError: Xtremepush answers 429 (too many requests), waited out within the attempt for ${seconds} s so far`,
    };
  }
  return undefined;
}

function isBenign(failure: temporal.api.failure.v1.IFailure): boolean {
  return failure.applicationFailureInfo?.category === temporal.api.enums.v1.ApplicationErrorCategory.APPLICATION_ERROR_CATEGORY_BENIGN;
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
      typedSearchAttributes: [
        { key: ImportStatusKey, value: 'Running' },
        { key: ImportSourceKey, value: sourceAttribute(input.source) },
      ],
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
async function endOfHistory(handle: WorkflowHandle): Promise<{ report: ImportReport | null; failure: string | undefined }> {
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

