import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BatchResult } from '../../common/report';

interface ResultsFile {
  recordedAt: string;
  results: BatchResult[];
}

/** Writes a group of batch results under a name unique to the run and flush (idempotent on retry). */
export async function writeResults(dir: string, name: string, recordedAt: string, results: BatchResult[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  const file: ResultsFile = { recordedAt, results };
  await writeFile(path.join(dir, `${name}.json`), JSON.stringify(file));
}

/** The newest result of every batch, in batch order (a re-run's results replace older ones). */
export async function readLatestResults(dir: string): Promise<BatchResult[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const latest = new Map<number, { at: string; result: BatchResult }>();
  for (const name of names.filter((n) => n.endsWith('.json'))) {
    const file = JSON.parse(await readFile(path.join(dir, name), 'utf8')) as ResultsFile;
    for (const result of file.results) {
      const seen = latest.get(result.index);
      if (seen === undefined || seen.at <= file.recordedAt) latest.set(result.index, { at: file.recordedAt, result });
    }
  }
  return [...latest.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v.result);
}
