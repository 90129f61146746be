import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LocalFileSource } from '../../../activities/source/byteSource';
import { collect, writeTemp } from './support';

describe('LocalFileSource', () => {
  const content = Buffer.from('0123456789abcdefghij');
  const file = writeTemp('bytes.bin', content);

  it('streams exactly the requested range, in chunks of the requested size', async () => {
    const src = new LocalFileSource(file, { chunkBytes: 3 });
    const chunks = await collect(src.stream(4, 15));
    expect(Buffer.concat(chunks).toString()).toBe('456789abcde');
    expect(chunks.map((c) => c.length)).toEqual([3, 3, 3, 2]);
  });

  it('streams to the end without an end, and nothing for an empty range', async () => {
    const src = new LocalFileSource(file);
    expect(Buffer.concat(await collect(src.stream(17))).toString()).toBe('hij');
    expect(await collect(src.stream(5, 5))).toEqual([]);
    expect(await collect(src.stream(25))).toEqual([]);
  });

  it('describes itself by path and versions itself by modification time', async () => {
    const src = new LocalFileSource(file);
    expect(src.describe()).toBe(file);
    expect(await src.stat()).toEqual({ size: content.length, version: String(statSync(file).mtimeMs) });
  });

  it('stops reading when the consumer stops', async () => {
    const src = new LocalFileSource(file, { chunkBytes: 2 });
    const seen: string[] = [];
    for await (const chunk of src.stream(0)) {
      seen.push(chunk.toString());
      if (seen.length === 2) break;
    }
    expect(seen).toEqual(['01', '23']);
  });
});
