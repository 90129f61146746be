import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { heartbeatingSource } from '../../../activities/heartbeats';
import { SourceAccessError } from '../../../activities/failures';
import { SourceChangedError } from '../../../activities/source/errors';
import { HttpRangeSource, SourceUnavailableError } from '../../../activities/source/httpSource';
import { inspectSource } from '../../../activities/source/inspect';
import { readBatch } from '../../../activities/source/readBatch';
import { planBatches } from '../../../activities/source/plan';
import { etagOf, startRangeServer, type RangeServer, type RangeServerOptions } from '../../support/rangeServer';
import { until } from '../../support/poll';
import { failureOf } from '../../support/rejection';

const folder = mkdtempSync(path.join(tmpdir(), 'xp-import-http-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const content = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz');
const SIGNATURE = 'X-Amz-Signature=c2VjcmV0LXNpZ25hdHVyZQ';
let server: RangeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function write(name: string, data: string | Buffer): string {
  const file = path.join(folder, name);
  writeFileSync(file, data);
  return file;
}

async function serve(name: string, options: RangeServerOptions = {}): Promise<string> {
  server = await startRangeServer(folder, options);
  return `${server.url}/${name}?${SIGNATURE}`;
}

async function bytes(source: HttpRangeSource, start: number, end?: number): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of source.stream(start, end)) chunks.push(chunk);
  return Buffer.concat(chunks).toString();
}

describe('HttpRangeSource', () => {
  it('stats by HEAD: size from Content-Length, version from the ETag; describes itself without the query', async () => {
    const file = write('stat.csv', content);
    const source = new HttpRangeSource(await serve('stat.csv'));
    expect(await source.stat()).toEqual({ size: content.length, version: etagOf(file) });
    expect(source.describe()).toBe(`${server!.url}/stat.csv?…`);
    expect(JSON.stringify({ source })).not.toContain('Signature');
    expect(server!.requests().map((r) => r.method)).toEqual(['HEAD']);
  });

  it('streams exactly the requested byte ranges, each as one Range request on the condition If-Match', async () => {
    const file = write('ranges.csv', content);
    const source = new HttpRangeSource(await serve('ranges.csv'), { chunkBytes: 4 });
    await source.stat();
    expect(await bytes(source, 4, 15)).toBe('456789abcde');
    expect(await bytes(source, 30)).toBe('uvwxyz');
    expect(await bytes(source, 0, 1)).toBe('0');
    expect(await bytes(source, 5, 5)).toBe('');
    expect(await bytes(source, 40)).toBe('');
    const gets = server!.requests().filter((r) => r.method === 'GET');
    expect(gets.map((r) => r.range)).toEqual(['bytes=4-14', 'bytes=30-35', 'bytes=0-0']);
    expect(gets.every((r) => r.ifMatch === etagOf(file) && r.status === 206)).toBe(true);
  });

  it('hands on chunks of the requested size, and stops reading when the consumer stops', async () => {
    write('chunks.csv', content);
    const source = new HttpRangeSource(await serve('chunks.csv'), { chunkBytes: 10 });
    const sizes: number[] = [];
    for await (const chunk of source.stream(0)) sizes.push(chunk.length);
    expect(sizes).toEqual([10, 10, 10, 6]);
    const seen: string[] = [];
    for await (const chunk of source.stream(0)) {
      seen.push(chunk.toString());
      break;
    }
    expect(seen).toEqual(['0123456789']);
  });

  it('answers SourceChangedError when the file is replaced after stat (412 on If-Match), naming no query', async () => {
    const file = write('changing.csv', content);
    const source = new HttpRangeSource(await serve('changing.csv'));
    await source.stat();
    writeFileSync(file, content.toString().toUpperCase());
    const error = await failureOf(bytes(source, 0, 10));
    expect(error).toBeInstanceOf(SourceChangedError);
    expect(error.message).toMatch(/changed since it was inspected.*412/);
    expect(error.message).not.toContain('Signature');
    expect(server!.requests().at(-1)?.status).toBe(412);
  });

  it('notices a change even where the server ignores the condition: the 206 names another ETag', async () => {
    const file = write('ignoring.csv', content);
    const source = new HttpRangeSource(await serve('ignoring.csv', { ignorePreconditions: true }));
    await source.stat();
    writeFileSync(file, content.toString().toUpperCase());
    expect(await failureOf(bytes(source, 0, 10))).toBeInstanceOf(SourceChangedError);
  });

  it('guards with If-Unmodified-Since where there is only Last-Modified', async () => {
    const file = write('dated.csv', content);
    utimesSync(file, new Date('2024-01-01T00:00:00Z'), new Date('2024-01-01T00:00:00Z'));
    const source = new HttpRangeSource(await serve('dated.csv', { etag: false }));
    expect((await source.stat()).version).toBe('Mon, 01 Jan 2024 00:00:00 GMT');
    expect(await bytes(source, 0, 3)).toBe('012');
    expect(server!.requests().at(-1)?.ifUnmodifiedSince).toBe('Mon, 01 Jan 2024 00:00:00 GMT');
    utimesSync(file, new Date('2024-06-01T00:00:00Z'), new Date('2024-06-01T00:00:00Z'));
    expect(await failureOf(bytes(source, 0, 3))).toBeInstanceOf(SourceChangedError);
  });

  it('refuses a server without Range support (no Accept-Ranges, and 200 to a Range request)', async () => {
    write('plain.csv', content);
    const source = new HttpRangeSource(await serve('plain.csv', { ranges: false }));
    const error = await failureOf(source.stat());
    expect(error).toBeInstanceOf(SourceAccessError);
    expect(error.message).toMatch(/does not support Range requests/);
    expect(server!.requests().map((r) => `${r.method} ${r.range ?? ''}`.trim())).toEqual(['HEAD', 'GET bytes=0-0']);
  });

  it('refuses a server that claims Accept-Ranges but answers a Range request with 200', async () => {
    write('liar.csv', content);
    const source = new HttpRangeSource(await serve('liar.csv', { ranges: false, advertiseRanges: true }));
    expect((await source.stat()).size).toBe(content.length);
    const error = await failureOf(bytes(source, 3, 9));
    expect(error).toBeInstanceOf(SourceAccessError);
    expect(error.message).toMatch(/does not support Range requests/);
  });

  it('stats with a one-byte Range GET where HEAD is refused, as for URLs pre-signed for GET', async () => {
    const file = write('signed.csv', content);
    const source = new HttpRangeSource(await serve('signed.csv', { head: false }));
    expect(await source.stat()).toEqual({ size: content.length, version: etagOf(file) });
    expect(await bytes(source, 10, 12)).toBe('ab');
  });

  it('refuses a source with neither ETag nor Last-Modified, since a change could not be noticed', async () => {
    write('unversioned.csv', content);
    const source = new HttpRangeSource(await serve('unversioned.csv', { etag: false, lastModified: false }));
    const error = await failureOf(source.stat());
    expect(error).toBeInstanceOf(SourceAccessError);
    expect(error.message).toMatch(/neither an ETag nor a Last-Modified/);
  });

  it('resumes a cut body from the byte where it stopped, and gives up after the allowed tries', async () => {
    const big = Buffer.alloc(300_000, 'x');
    big.write('START', 0);
    big.write('END', big.length - 3);
    write('big.csv', big);
    const source = new HttpRangeSource(await serve('big.csv'), { retryDelayMs: 1, attempts: 3 });
    await source.stat();
    server!.cutNext(2, 100_000);
    const read = await bytes(source, 0);
    expect(read.length).toBe(big.length);
    expect(read.startsWith('START') && read.endsWith('END')).toBe(true);
    const gets = server!.requests().filter((r) => r.method === 'GET');
    expect(gets.map((r) => r.range)).toEqual(['bytes=0-299999', 'bytes=100000-299999', 'bytes=200000-299999']);

    server!.cutNext(3, 0);
    expect(await failureOf(bytes(source, 0))).toBeInstanceOf(SourceUnavailableError);
  });

  it('maps 404 to SourceAccessError and an unreachable server to a retryable SourceUnavailableError', async () => {
    const missing = new HttpRangeSource(await serve('missing.csv'));
    const notFound = await failureOf(missing.stat());
    expect(notFound).toBeInstanceOf(SourceAccessError);
    expect(notFound.message).toMatch(/HTTP 404: not found/);
    const url = `${server!.url}/x.csv?${SIGNATURE}`;
    await server!.close();
    server = undefined;
    const down = await failureOf(new HttpRangeSource(url, { attempts: 2, retryDelayMs: 1 }).stat());
    expect(down).toBeInstanceOf(SourceUnavailableError);
    expect((down as SourceUnavailableError).retryable).toBe(true);
    expect(down.message).toMatch(/ECONNREFUSED/);
    expect(down.message).not.toContain('Signature');
  });

  it('reads an empty file as zero bytes', async () => {
    write('empty.csv', '');
    const source = new HttpRangeSource(await serve('empty.csv'));
    expect((await source.stat()).size).toBe(0);
    expect(await bytes(source, 0)).toBe('');
  });

  it('inspects, plans and reads batches of a CSV over HTTP exactly as from disk', async () => {
    const rows = Array.from({ length: 50 }, (_, i) => `u${i},"line ${i}\nwith a newline",${i}`);
    write('people.csv', `user_id,note,n\n${rows.join('\n')}\n`);
    const source = new HttpRangeSource(await serve('people.csv'), { chunkBytes: 64 });
    const { layout, totalRows } = await inspectSource(source, { format: 'csv' });
    expect(totalRows).toBe(50);
    const page = await planBatches(source, { format: 'csv', layout, cursor: null, batchSize: 20, maxBatches: 10 });
    expect(page.batches.map((b) => b.rowCount)).toEqual([20, 20, 10]);
    const third = page.batches[2]!;
    const firstCells: string[] = [];
    for await (const record of readBatch(source, { format: 'csv', layout, batch: third })) firstCells.push('cells' in record ? (record.cells[0] ?? '') : 'failed');
    expect(firstCells).toEqual(Array.from({ length: 10 }, (_, i) => `u${40 + i}`));
  });
});

describe('a slow http(s) source inside an activity', () => {
  it('heartbeats while a chunk is on its way, not only when one arrives (a read slower than the heartbeat timeout is alive)', async () => {
    write('slow.csv', content);
    const url = await serve('slow.csv');
    const live = server as RangeServer;
    live.hold(1); // one byte, then nothing until release()
    const environment = new MockActivityEnvironment();
    const beats: unknown[] = [];
    environment.on('heartbeat', (details: unknown) => beats.push(details));
    const read = environment.run(async () => {
      const source = heartbeatingSource(new HttpRangeSource(url), 20);
      await source.stat();
      const chunks: Buffer[] = [];
      for await (const chunk of source.stream(0)) chunks.push(chunk);
      return Buffer.concat(chunks).toString();
    });
    // Before, nothing was heartbeaten until the first chunk (1 MiB) arrived.
    await until(() => Promise.resolve(beats.length), (n) => n >= 3, 5_000, 10);
    expect(beats.at(-1)).toEqual({ bytesRead: 0, bytesTotal: content.length });
    live.release();
    expect(await read).toBe(content.toString());
    expect(beats.at(-1)).toEqual({ bytesRead: content.length, bytesTotal: content.length });
  });
});
