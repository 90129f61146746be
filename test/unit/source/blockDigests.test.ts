import { createHash } from 'node:crypto';
import { statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BlockDigester, blocksOf, DIGEST_BYTES, readBlockDigests, writeBlockDigests, type BlockDigestSlice } from '../../../activities/source/blockDigests';
import { LocalFileSource } from '../../../activities/source/byteSource';
import { SourceChangedError } from '../../../activities/source/errors';
import { inspectSource } from '../../../activities/source/inspect';
import { readBatch } from '../../../activities/source/readBatch';
import { rejectionOf } from '../../support/rejection';
import { collect, planAll, writeTemp } from './support';

const rows = Array.from({ length: 40 }, (_, i) => `user${String(i).padStart(2, '0')},name${i}`);
const original = `user_id,first_name\n${rows.join('\n')}\n`;

/** The digests a slice of a test file would carry, taken with a small block so that ranges straddle blocks. */
function sliceFor(digests: Buffer, blockBytes: number, startByte: number, endByte: number): BlockDigestSlice {
  const { first, count } = blocksOf(startByte, endByte, blockBytes);
  return { blockBytes, firstBlock: first, digests: digests.subarray(first * DIGEST_BYTES, (first + count) * DIGEST_BYTES) };
}

async function inspectWithDigests(file: string, blockBytes: number, chunkBytes: number) {
  const digester = new BlockDigester(blockBytes);
  const src = new LocalFileSource(file, { chunkBytes });
  const { layout } = await inspectSource(src, { format: 'csv', digester });
  return { src, layout, digests: digester.finish() };
}

describe('block digests', () => {
  it('are the first bytes of each block’s SHA-256, whatever the chunks they are fed in', () => {
    const bytes = Buffer.from(original);
    const whole = new BlockDigester(64);
    whole.feed(bytes);
    const expected = whole.finish();
    expect(expected).toHaveLength(Math.ceil(bytes.length / 64) * DIGEST_BYTES);
    expect(expected.subarray(0, DIGEST_BYTES)).toEqual(createHash('sha256').update(bytes.subarray(0, 64)).digest().subarray(0, DIGEST_BYTES));
    const last = Math.floor(bytes.length / 64) * 64;
    expect(expected.subarray(-DIGEST_BYTES)).toEqual(createHash('sha256').update(bytes.subarray(last)).digest().subarray(0, DIGEST_BYTES));
    for (const chunk of [1, 7, 63, 64, 65, 500]) {
      const digester = new BlockDigester(64);
      for (let at = 0; at < bytes.length; at += chunk) digester.feed(bytes.subarray(at, at + chunk));
      expect(digester.finish()).toEqual(expected);
    }
  });

  it('let every batch of an unchanged file read exactly the records it reads without them', async () => {
    const file = writeTemp('digests-same.csv', original);
    for (const [blockBytes, chunkBytes] of [[16, 7], [64, 1_000], [1_000_000, 33]] as const) {
      const { src, layout, digests } = await inspectWithDigests(file, blockBytes, chunkBytes);
      const { batches } = await planAll(src, 'csv', layout, 7, 3);
      expect(batches.length).toBeGreaterThan(3);
      for (const batch of batches) {
        const plain = await collect(readBatch(src, { format: 'csv', layout, batch }));
        const checked = await collect(readBatch(src, { format: 'csv', layout, batch, digests: sliceFor(digests, blockBytes, batch.startByte, batch.endByte) }));
        expect(checked).toEqual(plain);
        expect(checked).toHaveLength(batch.rowCount);
      }
    }
  });

  it('stop a batch whose bytes were rewritten in place with the same size and modification time', async () => {
    const file = writeTemp('digests-rewritten.csv', original);
    utimesSync(file, 4_000_000, 4_000_000);
    const { src, layout, digests } = await inspectWithDigests(file, 16, 1_000);
    const { batches } = await planAll(src, 'csv', layout, 10, 10);
    const batch = batches[2];
    if (!batch) throw new Error('no third batch');
    // Same length, same record boundaries: only a value of the third batch differs.
    writeFileSync(file, original.replace('name25', 'nameXX'));
    utimesSync(file, 4_000_000, 4_000_000);
    expect(statSync(file).size).toBe(layout.fingerprint.size);
    expect(String(statSync(file).mtimeMs)).toBe(layout.fingerprint.version);

    // Size, time and record count all still match: without the digests the new bytes would go out.
    expect((await collect(readBatch(src, { format: 'csv', layout, batch }))).length).toBe(batch.rowCount);
    const error = await rejectionOf(collect(readBatch(src, { format: 'csv', layout, batch, digests: sliceFor(digests, 16, batch.startByte, batch.endByte) })));
    expect(error).toBeInstanceOf(SourceChangedError);
    // The third batch, numbered from 1 as the report and the UI number batches.
    expect((error as Error).message).toMatch(/batch 3 \(bytes \d+-\d+\) reads other bytes than the inspection did, from byte \d+.*Start a new import/);
    expect((error as Error).message).not.toMatch(/name25|nameXX/);
    // The batches around it still read what was inspected.
    for (const other of [batches[1], batches[3]]) {
      if (!other) throw new Error('a batch is missing');
      const records = await collect(readBatch(src, { format: 'csv', layout, batch: other, digests: sliceFor(digests, 16, other.startByte, other.endByte) }));
      expect(records).toHaveLength(other.rowCount);
    }
  });

  it('are read back for a byte range; none for an import inspected before they were taken; a file too short is an error', async () => {
    const folder = path.dirname(writeTemp('digests-placeholder.csv', ''));
    const file = path.join(folder, 'source-digests.bin');
    expect(await readBlockDigests(file, 0, 10)).toBeUndefined();
    const digests = Buffer.alloc(3 * DIGEST_BYTES, 7);
    digests.fill(9, DIGEST_BYTES, 2 * DIGEST_BYTES);
    await writeBlockDigests(file, digests);
    const slice = await readBlockDigests(file, 64 * 1024 + 5, 64 * 1024 + 10);
    expect(slice).toEqual({ blockBytes: 64 * 1024, firstBlock: 1, digests: Buffer.alloc(DIGEST_BYTES, 9) });
    await expect(readBlockDigests(file, 0, 4 * 64 * 1024)).rejects.toThrow(/does not cover bytes 0-262144 of the source/);
  });
});
