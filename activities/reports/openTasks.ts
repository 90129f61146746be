import { rm } from 'node:fs/promises';
import type { BatchResult } from '../../common/report';
import { readTextIfPresent, writeWhole } from '../wholeFiles';

type OpenTasks = NonNullable<BatchResult['openTasks']>;
type AppliedRequests = NonNullable<BatchResult['appliedRequests']>;

/** What a re-run's batch takes over from the runs before: tasks that may still apply its rows, and requests applied already. */
export interface TakenOverRequests {
  open: OpenTasks;
  applied: AppliedRequests;
  /** Requests whose answer was lost: sent again, each as a possible duplicate. */
  unknown?: string[];
}

/**
 * The requests that batches which did not succeed had sent, for a re-run (keys and task IDs by
 * batch index): written by the re-run's plan, read by each of its submits, which takes them over
 * as posted instead of posting those rows again. An open task is looked at, and sent again only
 * if it failed; an applied request is not sent at all.
 */
export async function writeTakenOver(file: string, byBatch: Map<number, TakenOverRequests>): Promise<void> {
  if (byBatch.size === 0) {
    await rm(file, { force: true });
    return;
  }
  await writeWhole(file, JSON.stringify(Object.fromEntries(byBatch)));
}

/** The batch's requests taken over; none when the import is not a re-run or the batch sent none. */
export async function readTakenOver(file: string, batchIndex: number): Promise<TakenOverRequests> {
  const text = await readTextIfPresent(file);
  const entry = text === undefined ? undefined : (JSON.parse(text) as Record<string, TakenOverRequests | OpenTasks>)[String(batchIndex)];
  if (entry === undefined) return { open: [], applied: [] };
  // A plan written before applied requests were kept has open tasks only.
  return Array.isArray(entry) ? { open: entry, applied: [] } : entry;
}
