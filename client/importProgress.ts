/** A running import's progress: the workflow's answer, and what only the server knows of its steps. */
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { progressQuery } from '../common/messages';
import { temporal } from '@temporalio/proto';
import { progressAsOf } from '../common/totals';
import { SourceReadProgressSchema, type Progress, type RetryingStep, type SourceReadProgress } from '../common/progress';
import type { ImportActivities } from '../activities';
import type { ImportClientContext } from './connect';
import { ImportNotFoundError } from './importErrors';
import { queryNotAnswered, requireWorker, WorkerNotAnsweringError } from './workerPresence';
import { handleOf, onImportQueue } from './importRuns';

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
export const PROGRESS_QUERY_TIMEOUT_MS = 10_000;

/**
 * The progress query's answer, with what only the server knows: how far the inspection has read
 * (its last heartbeat: the workflow learns nothing until the pass ends) and a step that failed and
 * waits for another attempt.
 */
export async function progressOf(ctx: ImportClientContext, handle: WorkflowHandle): Promise<Progress> {
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
