import { z } from 'zod';

/**
 * The response envelope every method uses (documented), read tolerantly: the assumed parts
 * (where a task ID sits, what a task status says) vary, so nothing beyond the envelope is strict.
 */
export const EnvelopeSchema = z
  .object({
    code: z.coerce.number().int().optional(),
    success: z.boolean().optional(),
    message: z.string().optional(),
    errors: z.unknown().optional(),
    data: z.unknown().optional(),
    model: z.unknown().optional(),
  })
  .loose();
export type Envelope = z.infer<typeof EnvelopeSchema>;

/**
 * A task ID is a number or a short token. Anything else (an API that echoed the request into it)
 * is not taken: the ID goes to history, reports and logs, where no row value may go.
 */
const TaskIdSchema = z.union([z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/), z.number().int()]).transform(String);

/** A status word as the report may show it; anything longer or stranger is not repeated. */
export function statusWord(status: string | number | null | undefined): string {
  const text = String(status ?? '');
  return /^[A-Za-z0-9 _-]{1,40}$/.test(text) ? text : '';
}

function at(value: unknown, ...keys: Array<string | number>): unknown {
  let current = value;
  for (const key of keys) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

/** The task ID of an asynchronous import, from the first place it is found (xtremepush-api.md). */
export function extractTaskId(body: Envelope): string | undefined {
  const candidates = [
    at(body, 'model', 'id'),
    at(body, 'model', 'task_id'),
    at(body, 'data', 'id'),
    at(body, 'data', 'task_id'),
    at(body, 'data', 0, 'id'),
    at(body, 'task_id'),
    at(body, 'id'),
  ];
  for (const candidate of candidates) {
    const parsed = TaskIdSchema.safeParse(candidate);
    if (parsed.success) return parsed.data;
  }
  return undefined;
}

export const TaskRecordSchema = z
  .object({
    id: z.union([z.string(), z.number()]).optional(),
    identifier: z.string().optional(),
    status: z.union([z.string(), z.number()]).nullish(),
    finish_time: z.unknown().optional(),
  })
  .loose();
export type TaskRecord = z.infer<typeof TaskRecordSchema>;

export type TaskStatus = 'running' | 'completed' | 'failed';

/**
 * Task statuses are not published. A status naming failure or error means failed; a finished
 * time or a status naming completion means completed; anything else is still running.
 */
export function normaliseTaskStatus(task: TaskRecord): TaskStatus {
  const status = String(task.status ?? '').toLowerCase();
  if (/fail|error/.test(status)) return 'failed';
  const finished = task.finish_time !== undefined && task.finish_time !== null && task.finish_time !== '' && task.finish_time !== 0;
  if (finished || /complete|done|success|finished/.test(status)) return 'completed';
  return 'running';
}

/**
 * Is this 400 about authentication rather than the request's content? Only the message is read:
 * `errors` may echo a row's values, and a row holding "author@…" or a `push_token` column is
 * content the API refused, not a wrong token. Whole words only, for the same reason.
 */
export function mentionsAuthentication(body: Envelope | undefined): boolean {
  return /\b(app ?token|token|auth|authenticat\w*|unauthori[sz]ed|credentials?)\b/i.test(body?.message ?? '');
}
