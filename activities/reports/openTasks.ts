import { rm } from 'node:fs/promises';
import type { BatchResult } from '../../common/report';
import { readTextIfPresent, writeWhole } from '../wholeFiles';

type OpenTasks = NonNullable<BatchResult['openTasks']>;

/**
 * The tasks abandoned batches left open, for a re-run (keys and task IDs by batch index): written
 * by the re-run's plan, read by each of its submits, which takes them over as posted instead of
 * posting those rows again. A task that then ends failed is sent again as any failed task is.
 */
export async function writeOpenTasks(file: string, byBatch: Map<number, OpenTasks>): Promise<void> {
  if (byBatch.size === 0) {
    await rm(file, { force: true });
    return;
  }
  await writeWhole(file, JSON.stringify(Object.fromEntries(byBatch)));
}

/** The batch's open tasks; none when the import is not a re-run or the batch left none. */
export async function readOpenTasks(file: string, batchIndex: number): Promise<OpenTasks> {
  const text = await readTextIfPresent(file);
  return text === undefined ? [] : ((JSON.parse(text) as Record<string, OpenTasks>)[String(batchIndex)] ?? []);
}
