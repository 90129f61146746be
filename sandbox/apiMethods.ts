import type { IncomingHttpHeaders } from 'node:http';
import { SandboxHttpError, type JsonReply } from './http';
import { ASYNC_ROW_THRESHOLD, parseImportRequest } from './importRequest';
import type { ApiMethod } from './options';
import type { RequestLogEntry } from './requestJournal';
import type { SandboxState } from './sandboxState';
import type { TaskRecord } from './taskBoard';
import { listTasks } from './taskQuery';

/**
 * What each API method answers once faults and latency are past. Handlers throw SandboxHttpError
 * for refusals; they note rows, identities and task IDs on the log entry.
 */
export function answerMethod(
  state: SandboxState,
  method: ApiMethod,
  body: Record<string, unknown>,
  headers: IncomingHttpHeaders,
  entry: RequestLogEntry,
): JsonReply {
  if (method === 'oauth/token') return ok({ ...state.auth.issueToken(body, headers) });
  state.auth.authenticate(body, headers);
  switch (method) {
    case 'import/profile':
      return importProfile(state, body, entry);
    case 'info/task':
      return infoTask(state, body);
    case 'list/task':
      return ok({ data: listTasks(state.tasks.all(), body).map(taskModel) });
    case 'list/profile':
      return ok({ data: state.store.first(profileLimit(body.limit)) });
  }
}

function importProfile(state: SandboxState, body: Record<string, unknown>, entry: RequestLogEntry): JsonReply {
  const batch = parseImportRequest(body);
  entry.firstIdentity = batch.identityValues[0];
  entry.lastIdentity = batch.identityValues[batch.identityValues.length - 1];
  const rejected = state.faults.rejectedRows(batch.identityValues);
  if (rejected.length > 0) {
    throw new SandboxHttpError(400, 'Invalid rows', {
      errors: rejected.map((row) => ({ row, message: 'identity rejected by the sandbox' })),
      fault: 'rejectIdentities',
    });
  }
  if (!batch.forceSync && batch.rows.length >= ASYNC_ROW_THRESHOLD) {
    const task = state.tasks.create(batch, entry.seq);
    entry.taskId = task.id;
    state.faults.noteImportAccepted();
    return { status: 202, body: { success: true, code: 202, model: { id: task.id } } };
  }
  state.applyRows(batch);
  state.faults.noteImportAccepted();
  return ok({});
}

function infoTask(state: SandboxState, body: Record<string, unknown>): JsonReply {
  if (state.options.infoTaskMode === 'not-found') throw new SandboxHttpError(404, 'method info/task not found');
  if (body.id === undefined || body.id === null || body.id === '') throw new SandboxHttpError(400, 'id is required');
  const task = state.tasks.find(body.id);
  if (task === undefined) throw new SandboxHttpError(404, 'task not found');
  return ok({ model: taskModel(task) });
}

/** The Task Info model (assumed form); the sandbox's own bookkeeping stays out of it. */
function taskModel(task: TaskRecord): Record<string, unknown> {
  const { id, identifier, status, create_time, finish_time } = task;
  return { id, identifier, status, create_time, finish_time };
}

function profileLimit(limit: unknown): number {
  const wanted = Number(limit ?? 10);
  return Number.isFinite(wanted) ? Math.min(1000, Math.max(0, Math.floor(wanted))) : 10;
}

function ok(fields: Record<string, unknown>): JsonReply {
  return { status: 200, body: { success: true, code: 200, ...fields } };
}
