import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RequestSlice } from '../../common/batch';
import { parseRequestKey } from './submitProgress';

/**
 * What a submit attempt had posted when it failed and went to wait for its next attempt: request
 * keys and task IDs (never rows), kept in the report folder. A batch cancelled during that wait
 * gets no answer from its submit (the server cancels an activity that is not running at once,
 * without its heartbeat details), so it reads them here to report requests the API may apply.
 */
export async function savePostedRequests(file: string, posted: Readonly<Record<string, string>>): Promise<void> {
  if (Object.keys(posted).length === 0) return;
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(posted)}\n`);
}

/** The requests saved by savePostedRequests; none when no attempt failed after posting. */
export async function readPostedRequests(file: string): Promise<RequestSlice[]> {
  let posted: Record<string, string>;
  try {
    posted = JSON.parse(await readFile(file, 'utf8')) as Record<string, string>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return Object.entries(posted).map(([key, taskId]) => {
    const { start, end } = parseRequestKey(key);
    return { key, rows: end - start, ...(taskId === '' ? {} : { taskId }) };
  });
}
