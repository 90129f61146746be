import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

/**
 * A small static file server for tests, serving one folder the way object stores serve files:
 * HEAD, single byte ranges (206 with Content-Range, 416 past the end), a strong ETag from size,
 * modification time and inode, Last-Modified, and If-Match / If-Unmodified-Since (412 when the
 * file changed). The query string is ignored, as a pre-signed URL's signature would be checked
 * and dropped. Options turn features off to play servers that lack them.
 */
export interface RangeServerOptions {
  /** false: a Range request gets the whole file with 200 (and no Accept-Ranges unless `advertiseRanges`). */
  ranges?: boolean;
  /** Send `Accept-Ranges: bytes` (default: when `ranges` is on), to play a server that claims more than it does. */
  advertiseRanges?: boolean;
  /** false: no ETag header (Last-Modified only). */
  etag?: boolean;
  /** false: no Last-Modified header. */
  lastModified?: boolean;
  /** false: HEAD answers 403, as a URL pre-signed for GET does. */
  head?: boolean;
  /** true: If-Match and If-Unmodified-Since are ignored (the file is sent whatever its version). */
  ignorePreconditions?: boolean;
}

export interface RangeRequest {
  method: string;
  path: string;
  range: string | undefined;
  ifMatch: string | undefined;
  ifUnmodifiedSince: string | undefined;
  status: number;
}

export interface RangeServer {
  /** Base URL without a trailing slash: `${url}/file.csv`. */
  url: string;
  requests(): RangeRequest[];
  /** Drops the connection of the next `count` GETs after the headers and `afterBytes` of the body. */
  cutNext(count: number, afterBytes: number): void;
  /** Holds the body of every GET after `afterBytes` until release(): a slow source, without timing. */
  hold(afterBytes: number): void;
  release(): void;
  close(): Promise<void>;
}

export function etagOf(file: string): string {
  const info = statSync(file);
  return `"${createHash('sha1').update(`${info.size}:${info.mtimeMs}:${info.ino}`).digest('hex').slice(0, 20)}"`;
}

export async function startRangeServer(root: string, options: RangeServerOptions = {}): Promise<RangeServer> {
  const log: RangeRequest[] = [];
  let cuts = { count: 0, afterBytes: 0 };
  let held: { afterBytes: number; released: Promise<void>; release: () => void } | undefined;

  const serve = (req: IncomingMessage, res: ServerResponse): void => {
    const urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const entry: RangeRequest = {
      method: req.method ?? '',
      path: urlPath,
      range: req.headers.range,
      ifMatch: req.headers['if-match'],
      ifUnmodifiedSince: req.headers['if-unmodified-since'],
      status: 0,
    };
    log.push(entry);
    const answer = (status: number, headers: Record<string, string | number> = {}): void => {
      entry.status = status;
      res.writeHead(status, headers);
    };
    const file = path.join(root, path.normalize(urlPath));
    let info;
    try {
      info = statSync(file);
    } catch {
      answer(404);
      res.end();
      return;
    }
    if (req.method === 'HEAD' && options.head === false) {
      answer(403);
      res.end();
      return;
    }
    const etag = etagOf(file);
    const modified = new Date(Math.floor(info.mtimeMs / 1000) * 1000).toUTCString();
    const headers: Record<string, string | number> = { 'content-type': 'text/csv' };
    if (options.etag !== false) headers.etag = etag;
    if (options.lastModified !== false) headers['last-modified'] = modified;
    if (options.advertiseRanges ?? options.ranges !== false) headers['accept-ranges'] = 'bytes';

    if (!options.ignorePreconditions) {
      const ifMatch = req.headers['if-match'];
      const ifUnmodified = req.headers['if-unmodified-since'];
      const matchFails = ifMatch !== undefined && ifMatch !== '*' && !ifMatch.split(',').some((tag) => tag.trim() === etag);
      const unmodifiedFails = ifMatch === undefined && ifUnmodified !== undefined && Date.parse(modified) > Date.parse(ifUnmodified);
      if (matchFails || unmodifiedFails) {
        answer(412);
        res.end();
        return;
      }
    }

    const range = options.ranges === false ? null : /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
    let start = 0;
    let end = info.size - 1;
    let status = 200;
    if (range && req.headers.range !== undefined) {
      if (range[1] === '') {
        start = Math.max(0, info.size - Number(range[2]));
      } else {
        start = Number(range[1]);
        if (range[2] !== '') end = Math.min(end, Number(range[2]));
      }
      if (start >= info.size || start > end) {
        answer(416, { ...headers, 'content-range': `bytes */${info.size}` });
        res.end();
        return;
      }
      status = 206;
      headers['content-range'] = `bytes ${start}-${end}/${info.size}`;
    }
    answer(status, { ...headers, 'content-length': end - start + 1 });
    if (req.method === 'HEAD' || end < start) {
      res.end();
      return;
    }
    if (held !== undefined && end - start + 1 > held.afterBytes) {
      const { released } = held;
      const last = start + held.afterBytes - 1;
      const first = createReadStream(file, { start, end: last });
      first.pipe(res, { end: false });
      first.on('end', () => void released.then(() => createReadStream(file, { start: last + 1, end }).pipe(res)));
      return;
    }
    const body = createReadStream(file, { start, end });
    if (cuts.count > 0) {
      cuts = { count: cuts.count - 1, afterBytes: cuts.afterBytes };
      let sent = 0;
      const limit = cuts.afterBytes;
      body.on('data', (chunk: string | Buffer) => {
        const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
        if (sent + bytes.length >= limit) {
          body.destroy();
          // Once the bytes before the cut are flushed: the client sees exactly `afterBytes`, then a dead connection.
          res.write(bytes.subarray(0, limit - sent), () => res.socket?.destroy());
          return;
        }
        sent += bytes.length;
        res.write(bytes);
      });
      body.on('end', () => res.end());
      return;
    }
    body.pipe(res);
  };

  const server = createServer(serve);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => [...log],
    cutNext(count, afterBytes) {
      cuts = { count, afterBytes };
    },
    hold(afterBytes) {
      let release = () => {};
      const released = new Promise<void>((resolve) => (release = resolve));
      held = { afterBytes, released, release };
    },
    release() {
      held?.release();
      held = undefined;
    },
    close: () =>
      new Promise<void>((resolve) => {
        held?.release();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
