import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { BatchResult } from '../../common/report';
import { writeWhole } from '../wholeFiles';

interface ResultsFile {
  recordedAt: string;
  results: BatchResult[];
}

/**
 * Writes a group of batch results under a name unique to the run and flush (idempotent on retry),
 * whole or not at all: a file cut short by a full disk would fail every later read of the folder.
 */
export async function writeResults(dir: string, name: string, recordedAt: string, results: BatchResult[]): Promise<void> {
  const file: ResultsFile = { recordedAt, results };
  await writeWhole(path.join(dir, `${name}.json`), JSON.stringify(file));
}

/** Every result recorded, oldest first (a re-run's results come after the runs' before it). */
export async function readAllResults(dir: string): Promise<BatchResult[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const files: ResultsFile[] = [];
  for (const name of names.filter((n) => n.endsWith('.json'))) files.push(JSON.parse(await readFile(path.join(dir, name), 'utf8')) as ResultsFile);
  // A stable sort: files recorded at the same instant keep the order readdir gave, as before.
  files.sort((a, b) => (a.recordedAt < b.recordedAt ? -1 : a.recordedAt > b.recordedAt ? 1 : 0));
  return files.flatMap((file) => file.results);
}

/** The last of `results` (oldest first) for each batch, in batch order. */
export function latestOf(results: BatchResult[]): BatchResult[] {
  const latest = new Map<number, BatchResult>();
  for (const result of results) latest.set(result.index, result);
  return [...latest.entries()].sort((a, b) => a[0] - b[0]).map(([, result]) => result);
}
