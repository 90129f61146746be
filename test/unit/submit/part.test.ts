import { describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { partBuffers, partRow, PartBuilder, rowsJson, rowsText, type Part } from '../../../activities/submit/part';
import { AppTokenCredentials } from '../../../activities/xtremepush/credentials';
import { XtremepushClient } from '../../../activities/xtremepush/client';
import type { Cell } from '../../../activities/xtremepush/client';
import { sandboxApi } from '../../support/sandboxApi';

/** Cells that JSON must escape or that look like its own syntax. */
const awkward: Cell[][] = [
  ['u1', 'plain', 1, true],
  ['u2', 'a, "quoted", [bracketed] {braced}', 0, false],
  ['u3', 'line\nbreak\ttab \\ backslash', 3.5, true],
  ['u4', 'Zoë – 東京 – 🎉', -1, false],
  ['u5', '', 1e21, true],
  ['u6', ']', 2, false],
];

function partOf(rows: Cell[][]) {
  const builder = new PartBuilder(['user_id', 'first_name', 'visits', 'flag']);
  rows.forEach((cells, i) => builder.add(i + 1, i + 2, cells));
  return builder.finish();
}

describe('a part keeps its rows as the JSON the API receives', () => {
  it('every range of rows reads back as exactly those rows', () => {
    const part = partOf(awkward);
    expect(part.rows).toEqual([1, 2, 3, 4, 5, 6]);
    for (let start = 0; start <= awkward.length; start++) {
      for (let end = start; end <= awkward.length; end++) {
        expect(JSON.parse(rowsText(rowsJson(part, start, end))), `rows ${start}-${end}`).toEqual(awkward.slice(start, end));
      }
    }
  });

  it('one row reads back with its row number, line and cells, for the rejects file', () => {
    const part = partOf(awkward);
    expect(partRow(part, 1)).toEqual({ row: 2, line: 3, cells: awkward[1] });
    expect(partRow(part, 5)).toEqual({ row: 6, line: 7, cells: awkward[5] });
  });
});

describe('a part crosses from a build thread without a copy', () => {
  it('its bytes own their buffer, which is moved whole and reads back the same rows', () => {
    const part = partOf(awkward);
    const buffers = partBuffers([part]);
    expect(buffers).toEqual([part.cellsJson.buffer]);
    const moved = structuredClone(part, { transfer: buffers });
    expect(part.cellsJson.byteLength).toBe(0);
    expect(JSON.parse(rowsText(rowsJson(moved, 0, awkward.length)))).toEqual(awkward);
  });

  it('bytes that share a buffer (a pooled Buffer) are copied, never moved: the pool must stay', () => {
    const pooled = Buffer.from('["u1"]');
    expect(pooled.byteLength).toBeLessThan(pooled.buffer.byteLength);
    const part: Part = { attributes: ['user_id'], rows: [1], lines: [2], cellsJson: pooled, offsets: [0, pooled.length + 1] };
    expect(partBuffers([part, partOf(awkward)])).toHaveLength(1);
  });
});

describe('importProfiles with rows given as JSON pieces', () => {
  it('sends them with a Content-Length (not chunked), as one body holding every row', async () => {
    const seen: Array<{ headers: Record<string, unknown>; body: Buffer }> = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        seen.push({ headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ success: true, code: 200 }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = new XtremepushClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, credentials: new AppTokenCredentials('token-1') });
    try {
      expect(await client.importProfiles(['user_id', 'first_name', 'visits', 'flag'], rowsJson(partOf(awkward), 1, 5))).toEqual({ mode: 'sync' });
    } finally {
      await client.close();
      await new Promise((resolve) => server.close(resolve));
    }
    const [request] = seen;
    expect(request?.headers['transfer-encoding']).toBeUndefined();
    expect(request?.headers['content-length']).toBe(String(request?.body.length));
    expect(JSON.parse(request?.body.toString('utf8') ?? '')).toEqual({ columns: ['user_id', 'first_name', 'visits', 'flag'], apptoken: 'token-1', rows: awkward.slice(1, 5) });
  });

  const api = sandboxApi('part-test');

  it('stores the same profiles as the same rows given as arrays', async () => {
    // Fewer than 100 rows: the sandbox applies them at once, so the store can be read right away.
    const { sandbox, client } = await api.start();
    const columns = ['user_id', 'first_name'];
    const names = awkward.map(([, name]) => (name === '' ? 'blank' : String(name)));
    const builder = new PartBuilder(columns);
    names.forEach((name, i) => builder.add(i + 1, i + 2, [`json-${i}`, name]));
    expect(await client.importProfiles(columns, rowsJson(builder.finish(), 0, names.length))).toEqual({ mode: 'sync' });
    expect(await client.importProfiles(columns, names.map((name, i) => [`array-${i}`, name]))).toEqual({ mode: 'sync' });
    const profiles = sandbox.profiles();
    names.forEach((name, i) => {
      expect(profiles.get(`user_id:json-${i}`)?.first_name).toBe(name);
      expect(profiles.get(`user_id:array-${i}`)?.first_name).toBe(name);
    });
  });
});
