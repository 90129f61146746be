import { existsSync, readdirSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { IdentityIndexBuilder, type IdentityIndexOptions } from '../../../activities/dedupe/identityIndex';
import { supersedingFileFor, unreadableSupersededFileFor } from '../../../activities/dedupe/supersededRows';
import { readRows, referenceSuperseded, seededRandom, tempFolder, tempPath } from './support';

let fileSeq = 0;

/** Builds the index over `keys` (row n is keys[n - 1]; undefined rows are not indexed). */
async function build(keys: ReadonlyArray<string | undefined>, options: IdentityIndexOptions = {}) {
  const tmpDir = path.join(tempFolder(), `spill-${fileSeq}`);
  mkdirSync(tmpDir, { recursive: true });
  const out = tempPath(`superseded-${fileSeq++}.bin`);
  const builder = new IdentityIndexBuilder({ tmpDir, ...options });
  keys.forEach((key, i) => {
    if (key !== undefined) builder.add(key, i + 1);
  });
  const result = await builder.finish(out);
  return { result, rows: readRows(out), tmpDir };
}

/** n rows drawn from `distinct` identities, some rows without one. */
function generated(n: number, distinct: number, seed: number, blankShare = 0.05): Array<string | undefined> {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => (random() < blankShare ? undefined : `user_id:c${Math.floor(random() * distinct)}`));
}

/** Row n is rows[n - 1]: a key, and whether it was read from an unreadable row. */
type IndexedRow = { key: string; unreadable: boolean } | undefined;

/** The reference: the last readable row of each identity that has more than one readable row. */
function referenceSuperseding(rows: readonly IndexedRow[]): number[] {
  const readable = new Map<string, number[]>();
  rows.forEach((row, i) => row !== undefined && !row.unreadable && readable.set(row.key, [...(readable.get(row.key) ?? []), i + 1]));
  return [...readable.values()].flatMap((at) => (at.length > 1 ? [at.at(-1) as number] : [])).sort((a, b) => a - b);
}

/** The reference: readable rows as before; an unreadable row is marked when a later readable row has its key. */
function referenceUnreadable(rows: readonly IndexedRow[]): number[] {
  const lastReadable = new Map<string, number>();
  rows.forEach((row, i) => row !== undefined && !row.unreadable && lastReadable.set(row.key, i + 1));
  return rows.flatMap((row, i) => (row?.unreadable && (lastReadable.get(row.key) ?? 0) > i + 1 ? [i + 1] : []));
}

describe('IdentityIndexBuilder: rows that could not be read as cells', () => {
  async function buildMixed(rows: readonly IndexedRow[], options: IdentityIndexOptions = {}) {
    const tmpDir = path.join(tempFolder(), `mixed-spill-${fileSeq}`);
    mkdirSync(tmpDir, { recursive: true });
    const out = tempPath(`mixed-superseded-${fileSeq++}.bin`);
    const builder = new IdentityIndexBuilder({ tmpDir, ...options });
    rows.forEach((row, i) => row !== undefined && builder.add(row.key, i + 1, row.unreadable));
    const result = await builder.finish(out);
    return { result, superseded: readRows(out), unreadable: readRows(unreadableSupersededFileFor(out)), superseding: readRows(supersedingFileFor(out)) };
  }
  const readable = (key: string): IndexedRow => ({ key, unreadable: false });
  const unreadable = (key: string): IndexedRow => ({ key, unreadable: true });

  it('are marked by a later readable row of their identity, and supersede no row themselves', async () => {
    const rows = [readable('a'), unreadable('a'), readable('a'), unreadable('b'), readable('b'), readable('c'), unreadable('c'), unreadable('d'), unreadable('d'), unreadable('e'), readable('e'), unreadable('e')];
    const { result, superseded, unreadable: marked, superseding } = await buildMixed(rows);
    // Row 1 (a) is superseded by row 3; row 6 (c) is not by the unreadable row 7.
    expect(superseded).toEqual([1]);
    // Row 3 (a) left row 1 out; no other identity has two readable rows.
    expect(superseding).toEqual([3]);
    // Row 2 (a) before row 3, row 4 (b) before row 5, row 10 (e) before row 11; not row 7 (c: no later readable row), 8 (d), 12 (e: after it).
    expect(marked).toEqual([2, 4, 10]);
    expect(result).toMatchObject({ superseded: 1, unreadableSuperseded: 3, indexed: 5 });
  });

  it('take an unreadable row read two ways, and write it once when both readings have a later row', async () => {
    const tmpDir = path.join(tempFolder(), `twice-spill-${fileSeq}`);
    mkdirSync(tmpDir, { recursive: true });
    const out = tempPath(`twice-superseded-${fileSeq++}.bin`);
    for (const bufferEntries of [100, 2]) {
      const builder = new IdentityIndexBuilder({ tmpDir, bufferEntries, fanIn: 2 });
      builder.add('a', 1, true);
      builder.add('b', 1, true);
      builder.add('c', 2, true);
      builder.add('x', 2, true);
      builder.add('a', 3);
      builder.add('b', 4);
      builder.add('c', 5);
      expect(() => builder.add('d', 5)).toThrow(RangeError);
      const result = await builder.finish(out);
      expect(readRows(unreadableSupersededFileFor(out))).toEqual([1, 2]);
      expect(result).toMatchObject({ superseded: 0, unreadableSuperseded: 2, indexed: 3 });
    }
  });

  const mixed = (n: number, distinct: number, seed: number): IndexedRow[] => {
    const random = seededRandom(seed);
    return Array.from({ length: n }, () => (random() < 0.05 ? undefined : { key: `k${Math.floor(random() * distinct)}`, unreadable: random() < 0.2 }));
  };
  it.each([
    ['in memory', mixed(20_000, 3_000, 11), {}],
    ['spilled', mixed(20_000, 3_000, 12), { bufferEntries: 900, fanIn: 4 }],
    ['spilled, every row one identity', Array.from({ length: 3_000 }, (_, i): IndexedRow => ({ key: 'same', unreadable: i % 3 === 0 })), { bufferEntries: 100, fanIn: 3 }],
  ] as const)('agree with a Map, %s', async (_name, rows, options) => {
    const { result, superseded, unreadable: marked, superseding } = await buildMixed(rows, options);
    expect(superseding).toEqual(referenceSuperseding(rows));
    expect(result.superseding).toBe(superseding.length);
    expect(superseding.length).toBeGreaterThan(0);
    const readableKeys = rows.map((row) => (row === undefined || row.unreadable ? undefined : row.key));
    expect(superseded).toEqual(referenceSuperseded(readableKeys));
    const expected = referenceUnreadable(rows);
    expect(marked).toEqual(expected);
    expect(result.unreadableSuperseded).toBe(expected.length);
    expect(expected.length).toBeGreaterThan(100);
  });
});

describe('IdentityIndexBuilder against a Map', () => {
  const cases: Array<[string, Array<string | undefined>, IdentityIndexOptions]> = [
    ['many duplicates, in memory', generated(20_000, 3_000, 1), {}],
    ['no duplicates', Array.from({ length: 10_000 }, (_, i) => `user_id:u${i}`), {}],
    ['every row the same identity', Array.from({ length: 10_000 }, () => 'user_id:same'), {}],
    ['many duplicates, spilled across 20 runs', generated(20_000, 3_000, 2), { bufferEntries: 1_000 }],
    ['spilled runs merged in several rounds (fan-in 3)', generated(20_000, 500, 3), { bufferEntries: 700, fanIn: 3 }],
    ['every row the same identity, spilled', Array.from({ length: 5_000 }, () => 'device_id:x'), { bufferEntries: 64, fanIn: 4 }],
    ['a buffer of one entry', generated(300, 40, 4), { bufferEntries: 1, fanIn: 2 }],
    ['identities of every length and script', generated(5_000, 800, 5).map((k, i) => (k === undefined ? k : `${k}-${'é😀x'.repeat(i % 7)}`)), { bufferEntries: 333 }],
  ];

  it.each(cases)('%s', async (_name, keys, options) => {
    const { result, rows, tmpDir } = await build(keys, options);
    const expected = referenceSuperseded(keys);
    expect(rows).toEqual(expected);
    expect(result.superseded).toBe(expected.length);
    expect(result.indexed).toBe(keys.filter((k) => k !== undefined).length);
    // Spill files are removed once merged.
    expect(readdirSync(tmpDir)).toEqual([]);
  });

  it('spills into a folder it makes when there is none yet (the report folder of an import, before its report)', async () => {
    const tmpDir = path.join(tempFolder(), 'not-yet', 'report-root');
    const keys = generated(3_000, 400, 6);
    const builder = new IdentityIndexBuilder({ tmpDir, bufferEntries: 500 });
    keys.forEach((key, i) => key !== undefined && builder.add(key, i + 1));
    const out = tempPath('superseded-made-folder.bin');
    const result = await builder.finish(out);
    expect(result.spilledRuns).toBeGreaterThan(1);
    expect(readRows(out)).toEqual(referenceSuperseded(keys));
    // The folder was made for the runs, and only the spill folder inside it is removed.
    expect(readdirSync(tmpDir)).toEqual([]);
  });

  it('never holds more than bufferEntries entries: it spills a run each time the buffer fills', async () => {
    const keys = generated(10_000, 10_000, 6, 0);
    for (const bufferEntries of [250, 1_000, 4_000]) {
      const { result, rows } = await build(keys, { bufferEntries });
      expect(result.spilledRuns).toBe(Math.ceil(10_000 / bufferEntries));
      expect(rows).toEqual(referenceSuperseded(keys));
    }
    const { result } = await build(keys, { bufferEntries: 10_000 });
    expect(result.spilledRuns).toBe(0);
  });

  it('writes an empty file when nothing is indexed', async () => {
    const { result, rows } = await build([undefined, undefined]);
    expect(result).toEqual({ superseded: 0, unreadableSuperseded: 0, superseding: 0, indexed: 0, spilledRuns: 0 });
    expect(rows).toEqual([]);
  });

  it('refuses rows out of order, and removes its spill folder when discarded', () => {
    const tmpDir = path.join(tempFolder(), 'discarded');
    mkdirSync(tmpDir, { recursive: true });
    const builder = new IdentityIndexBuilder({ tmpDir, bufferEntries: 2 });
    builder.add('user_id:a', 5);
    expect(() => builder.add('user_id:b', 5)).toThrow(RangeError);
    builder.add('user_id:b', 6);
    builder.add('user_id:c', 7); // the buffer was full: a run was spilled
    expect(readdirSync(tmpDir)).toHaveLength(1);
    builder.discard();
    expect(readdirSync(tmpDir)).toEqual([]);
    expect(existsSync(tempPath('never-written.bin'))).toBe(false);
  });
});
