import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

let folder: string | undefined;

afterAll(() => {
  if (folder) rmSync(folder, { recursive: true, force: true });
});

/** A fresh temporary folder for this test file (removed when it ends). */
export function tempFolder(): string {
  folder ??= mkdtempSync(path.join(tmpdir(), 'xp-import-dedupe-test-'));
  return folder;
}

export function tempPath(name: string): string {
  return path.join(tempFolder(), name);
}

/** Reads a file of packed uint32 LE row numbers. */
export function readRows(file: string): number[] {
  const bytes = readFileSync(file);
  const rows: number[] = [];
  for (let i = 0; i < bytes.length; i += 4) rows.push(bytes.readUInt32LE(i));
  return rows;
}

/** The reference: a Map from identity to its last row; every other row with that identity is superseded. */
export function referenceSuperseded(keys: ReadonlyArray<string | undefined>, firstRow = 1): number[] {
  const last = new Map<string, number>();
  keys.forEach((key, i) => {
    if (key !== undefined) last.set(key, firstRow + i);
  });
  const out: number[] = [];
  keys.forEach((key, i) => {
    if (key !== undefined && last.get(key) !== firstRow + i) out.push(firstRow + i);
  });
  return out;
}

/** The project's one seeded PRNG, so generated data is the same on every run. */
export { seededRandom } from '../../../bin/sampleData';
