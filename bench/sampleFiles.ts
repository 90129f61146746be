import { existsSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { writeSampleFile } from '../bin/sampleData';
import { projectRoot } from '../workers/projectRoot';

/** Git-ignored: sample files are big (10 M rows ≈ 1.1 GB) and are made again from a seed. */
export function benchDataDir(): string {
  return path.join(projectRoot(), 'bench', 'data');
}

export interface SampleFile {
  /** Relative to benchDataDir(): what a worker with XP_IMPORT_DATA_DIR=benchDataDir() is given. */
  name: string;
  path: string;
  rows: number;
  bytes: number;
}

const SEED = 2024;

/**
 * A sample CSV of `rows` profiles under bench/data, written once and reused by later runs (the same
 * seed gives the same bytes). A file is written under a temporary name and renamed when complete,
 * so an interrupted run never leaves a short file that a later run would trust.
 */
export async function ensureSampleFile(rows: number, log: (line: string) => void): Promise<SampleFile> {
  const name = `profiles-${rows}.csv`;
  const file = path.join(benchDataDir(), name);
  if (!existsSync(file)) {
    const started = performance.now();
    log(`writing ${name} (${rows.toLocaleString('en-US')} rows)…`);
    const partial = `${file}.partial`;
    await writeSampleFile(partial, { rows, seed: SEED });
    renameSync(partial, file);
    log(`wrote ${name} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  return { name, path: file, rows, bytes: statSync(file).size };
}

/** Keeps a small note beside the data so nobody wonders what the big files are. */
export function writeDataReadme(): void {
  const readme = path.join(benchDataDir(), 'README.txt');
  if (!existsSync(readme)) writeFileSync(readme, 'Sample files written by `npm run bench` (git-ignored). Delete them freely: they are made again from a seed.\n');
}
