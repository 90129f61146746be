import { describe, expect, it } from 'vitest';
import type { SourceLayout } from '../../../common/plan';
import type { ByteSource, SourceStat } from '../../../activities/source/byteSource';
import { planBatches } from '../../../activities/source/plan';

/** A source whose chunks are all there at once: reading them never waits for the event loop. */
class ReadySource implements ByteSource {
  constructor(private readonly chunks: Buffer[]) {}

  describe(): string {
    return 'ready.csv';
  }

  stat(): Promise<SourceStat> {
    return Promise.resolve({ size: this.size, version: '1' });
  }

  get size(): number {
    return this.chunks.reduce((bytes, chunk) => bytes + chunk.length, 0);
  }

  stream(start: number): AsyncIterable<Buffer> {
    let at = 0;
    const from = this.chunks.flatMap((chunk) => {
      const skip = Math.max(0, start - at);
      at += chunk.length;
      return skip < chunk.length ? [chunk.subarray(skip)] : [];
    });
    return {
      [Symbol.asyncIterator]: () => {
        let next = 0;
        // Every chunk resolves at once: only microtasks, never a turn of the event loop.
        return { next: (): Promise<IteratorResult<Buffer>> => Promise.resolve(next < from.length ? { value: from[next++] as Buffer, done: false } : { value: undefined, done: true }) };
      },
    };
  }
}

describe('planning a page', () => {
  it('gives the event loop a turn after every chunk, so the answers of batches in flight are not held', async () => {
    // Twenty chunks of 100 rows each; a page of one batch of 1,500 rows reads fifteen of them.
    const chunks = Array.from({ length: 20 }, (_, c) => Buffer.from(Array.from({ length: 100 }, (_, r) => `u${c * 100 + r},x\n`).join('')));
    const source = new ReadySource(chunks);
    const layout: SourceLayout = { fingerprint: { size: source.size, version: '1', sha256: '' }, dataStartByte: 0, dataStartLine: 2, hasBom: false, delimiter: ',', header: ['user_id', 'name'] };
    let turns = 0;
    let planning = true;
    const countTurns = () => {
      turns++;
      if (planning) setImmediate(countTurns);
    };
    setImmediate(countTurns);
    const page = await planBatches(source, { format: 'csv', layout, cursor: null, batchSize: 1_500, maxBatches: 1 });
    planning = false;
    expect(page.batches.map((b) => b.rowCount)).toEqual([1_500]);
    // A turn after each chunk read whole (fifteen), the one that ends the page aside.
    expect(turns).toBeGreaterThanOrEqual(15);
  });
});
