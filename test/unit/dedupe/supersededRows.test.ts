import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { supersededRowsIn, SupersededRowsError } from '../../../activities/dedupe/supersededRows';
import { seededRandom, tempPath } from './support';

function writeRows(name: string, rows: number[]): string {
  const bytes = Buffer.alloc(rows.length * 4);
  rows.forEach((row, i) => bytes.writeUInt32LE(row, i * 4));
  const file = tempPath(name);
  writeFileSync(file, bytes);
  return file;
}

describe('supersededRowsIn: a batch reads only its own range of the sorted file', () => {
  const random = seededRandom(9);
  const rows = [...new Set(Array.from({ length: 5_000 }, () => 1 + Math.floor(random() * 100_000)))].sort((a, b) => a - b);
  const file = writeRows('rows.bin', rows);

  it.each([
    [1, 100],
    [1, 100_000],
    [50_001, 50_100],
    [rows[10] as number, rows[10] as number],
    [(rows[10] as number) + 1, (rows[11] as number) - 1],
    [99_990, 200_000],
    [200_000, 300_000],
  ])('rows %i-%i', async (first, last) => {
    const found = [...(await supersededRowsIn(file, first, last))];
    expect(found).toEqual(rows.filter((r) => r >= first && r <= last));
  });

  it('reads an empty file as no rows, and the largest row number too', async () => {
    expect([...(await supersededRowsIn(writeRows('empty.bin', []), 1, 10))]).toEqual([]);
    const top = writeRows('top.bin', [1, 0xffffffff]);
    expect([...(await supersededRowsIn(top, 2, 0xffffffff))]).toEqual([0xffffffff]);
  });

  it('names a missing file as a retryable error that says where it should be', async () => {
    const error = await supersededRowsIn(tempPath('missing.bin'), 1, 10).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SupersededRowsError);
    expect((error as SupersededRowsError).retryable).toBe(true);
    expect((error as Error).message).toMatch(/missing\.bin does not exist.*XP_IMPORT_REPORT_DIR/);
  });
});
