import { createHash } from 'node:crypto';
import { appendFileSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LocalFileSource } from '../../../activities/source/byteSource';
import { SourceChangedError } from '../../../activities/source/errors';
import { inspectSource } from '../../../activities/source/inspect';
import { planBatches } from '../../../activities/source/plan';
import { readBatch } from '../../../activities/source/readBatch';
import { collect, planAll, writeTemp } from './support';
import { rejectionOf } from '../../support/rejection';

const original = 'email,name\nalice@example.com,Alice\nbob@example.com,Bob\ncarol@example.com,Carol\n';

/** Rewrites a file and gives it a modification time of its own, whatever the clock resolution. */
function rewrite(file: string, content: string, mtimeSeconds: number): void {
  writeFileSync(file, content);
  utimesSync(file, mtimeSeconds, mtimeSeconds);
}

describe('fingerprint', () => {
  it('is the size, the modification time and the sha256 of the content', async () => {
    const file = writeTemp('fp.csv', original);
    const { fingerprint } = (await inspectSource(new LocalFileSource(file), { format: 'csv' })).layout;
    expect(fingerprint).toEqual({
      size: Buffer.byteLength(original),
      version: String(statSync(file).mtimeMs),
      sha256: createHash('sha256').update(readFileSync(file)).digest('hex'),
    });
  });

  it('changes when the content changes at the same size, and when the size changes', async () => {
    const file = writeTemp('fp-change.csv', original);
    const src = new LocalFileSource(file);
    const first = (await inspectSource(src, { format: 'csv' })).layout.fingerprint;

    rewrite(file, original.replace('Alice', 'Alicia').replace('Bob', 'Bo'), 1_000_000);
    const sameSize = (await inspectSource(src, { format: 'csv' })).layout.fingerprint;
    expect(sameSize.size).toBe(first.size);
    expect(sameSize.sha256).not.toBe(first.sha256);
    expect(sameSize.version).not.toBe(first.version);

    appendFileSync(file, 'dave@example.com,Dave\n');
    const bigger = (await inspectSource(src, { format: 'csv' })).layout.fingerprint;
    expect(bigger.size).toBe(first.size + 'dave@example.com,Dave\n'.length);
    expect(bigger.sha256).not.toBe(sameSize.sha256);
  });

  it('planning and reading stop with SourceChangedError once the file changed', async () => {
    const file = writeTemp('fp-stale.csv', original);
    const src = new LocalFileSource(file);
    const { layout } = await inspectSource(src, { format: 'csv' });
    const [batch] = (await planAll(src, 'csv', layout, 2, 5)).batches;
    if (!batch) throw new Error('no batch');

    rewrite(file, original, 2_000_000);
    await expect(planBatches(src, { format: 'csv', layout, cursor: null, batchSize: 2, maxBatches: 5 })).rejects.toBeInstanceOf(SourceChangedError);
    await expect(collect(readBatch(src, { format: 'csv', layout, batch }))).rejects.toMatchObject({ name: 'SourceChangedError', retryable: false });

    appendFileSync(file, 'x,y\n');
    await expect(collect(readBatch(src, { format: 'csv', layout, batch }))).rejects.toThrow(/changed since it was inspected \(size/);
  });

  it('a batch whose range no longer holds its records fails even when size and time were kept', async () => {
    const file = writeTemp('fp-sneaky.csv', original);
    const src = new LocalFileSource(file);
    rewrite(file, original, 3_000_000);
    const { layout } = await inspectSource(src, { format: 'csv' });
    const [batch] = (await planAll(src, 'csv', layout, 2, 5)).batches;
    if (!batch) throw new Error('no batch');
    // Same size, same mtime, but a record boundary moved into the batch's range.
    rewrite(file, original.replace('alice@example.com,Alice', 'alice@example.com\nAlice'), 3_000_000);
    const error = await rejectionOf(collect(readBatch(src, { format: 'csv', layout, batch })));
    expect(error).toBeInstanceOf(SourceChangedError);
    expect((error as Error).message).toMatch(/batch 1 \(bytes \d+-\d+\) holds more than the 2 records/);
    expect((error as Error).message).not.toMatch(/alice|Alice/);
  });
});
