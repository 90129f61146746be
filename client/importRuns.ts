/** An import as the server knows it: its handle, whether and how it runs, and on which task queue. */
import { type WorkflowExecutionDescription, type WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { ImportWorkflowInputSchema, type ImportWorkflowInput } from '../common/importInput';
import { ImportSourceKey } from '../common/searchAttributes';
import { sourceAttribute } from '../common/sourceName';
import type { ImportClientContext } from './connect';

export function handleOf(ctx: ImportClientContext, importId: string): WorkflowHandle {
  return ctx.client.workflow.getHandle(importId);
}

export interface RunningImport {
  /** Its source as its ImportSource search attribute names it (set at start), or as its input does; null when neither tells. */
  source: string | null;
  /** The input its run started with (a caller that joins it learns the batch size and concurrency it runs with). */
  input?: ImportWorkflowInput;
}

/** The import running under this ID; undefined when none runs. */
export async function runningImport(ctx: ImportClientContext, importId: string): Promise<RunningImport | undefined> {
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
export async function importRun(ctx: ImportClientContext, importId: string, description: WorkflowExecutionDescription): Promise<RunningImport> {
  const parsed = ImportWorkflowInputSchema.safeParse(await startInput(ctx, importId, description.runId));
  const input = parsed.success ? parsed.data : undefined;
  const source = description.typedSearchAttributes.get(ImportSourceKey) ?? (input ? sourceAttribute(input.source) : null);
  return { source, ...(input ? { input } : {}) };
}

/** What a run was started with: its history's first event alone, not the whole history. */
export async function startInput(ctx: ImportClientContext, importId: string, runId: string): Promise<unknown> {
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
