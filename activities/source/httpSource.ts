import { setTimeout as sleep } from 'node:timers/promises';
import { errors as undiciErrors, getGlobalDispatcher, request, type Dispatcher } from 'undici';
import { describeUrl } from '../../common/sourceName';
import { SourceAccessError } from '../failures';
import { DEFAULT_CHUNK_BYTES, type ByteSource, type SourceStat } from './byteSource';
import { SourceChangedError } from './errors';

/**
 * The server could not be read for now (network error, timeout, 5xx, 429) even after a few quick
 * retries. Retryable: the activity's retry policy tries again later.
 */
export class SourceUnavailableError extends Error {
  override readonly name = 'SourceUnavailableError';
  readonly retryable = true;
}

export interface HttpRangeSourceOptions {
  /** Connection pool; undici's global one by default. */
  dispatcher?: Dispatcher;
  /** Longest wait for response headers, and for the next bytes of a body. */
  timeoutMs?: number;
  /** Tries per request for transient failures (a stream resumes where it stopped). */
  attempts?: number;
  /** First backoff between tries; it doubles. */
  retryDelayMs?: number;
  /** Bytes gathered into one chunk before it is handed on, like LocalFileSource's reads. */
  chunkBytes?: number;
}

/** What a response said about the version of the resource. */
interface Validators {
  size: number;
  etag: string | undefined;
  lastModified: string | undefined;
}

const TRANSIENT_STATUSES = new Set([408, 425, 429, 500, 502, 503, 504]);
/** HEAD answers that do not mean "no access": pre-signed URLs are signed for GET only, some servers lack HEAD. */
const HEAD_UNUSABLE = new Set([403, 405, 501]);

function header(headers: Dispatcher.ResponseData['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Lets go of a body we do not want (the rest of a range, a HEAD's empty one). dump() reads a
 * little to keep the connection reusable, then destroys it without an unhandled 'error' event.
 */
async function discard(response: Dispatcher.ResponseData): Promise<void> {
  await response.body.dump().catch(() => undefined);
}

function isWeak(etag: string): boolean {
  return etag.startsWith('W/');
}

/** RFC 9110 weak comparison: the opaque tags match, whether or not either is marked weak. */
function sameEntityTag(a: string, b: string): boolean {
  return a.replace(/^W\//, '') === b.replace(/^W\//, '');
}

function parseContentRange(value: string | undefined): { start: number; end: number; total: number | undefined } | undefined {
  const match = value === undefined ? null : /^\s*bytes\s+(\d+)-(\d+)\/(\d+|\*)\s*$/i.exec(value);
  if (!match) return undefined;
  return { start: Number(match[1]), end: Number(match[2]), total: match[3] === '*' ? undefined : Number(match[3]) };
}

/** Network failures, timeouts and the statuses `#send` turns into errors: worth a quick retry. */
function isTransientError(error: unknown): boolean {
  if (error instanceof undiciErrors.InvalidArgumentError) return false;
  if (error instanceof undiciErrors.UndiciError) return true;
  const code = transportCode(error);
  return /^(E[A-Z]+|UND_ERR_.+|HTTP_\d+)$/.test(code);
}

/** Names a transport failure by its code only: undici messages may quote the request. */
function transportCode(error: unknown): string {
  const err = error as { code?: string; name?: string; cause?: { code?: string } };
  return err.cause?.code ?? err.code ?? err.name ?? 'error';
}

/**
 * An http(s) source read with Range requests, so each batch fetches only its own bytes and any
 * worker can read any batch without a shared disk. Its version is the ETag (else Last-Modified);
 * every range is requested on the condition that the version is still the one stat() saw, so a
 * resource replaced mid-import answers 412 and the import stops with a SourceChangedError.
 */
export class HttpRangeSource implements ByteSource {
  readonly #url: string;
  readonly #description: string;
  readonly #dispatcher: Dispatcher;
  readonly #timeoutMs: number;
  readonly #attempts: number;
  readonly #retryDelayMs: number;
  readonly #chunkBytes: number;
  #validators: Validators | undefined;

  constructor(url: string, options: HttpRangeSourceOptions = {}) {
    this.#url = url;
    this.#description = describeUrl(url);
    this.#dispatcher = options.dispatcher ?? getGlobalDispatcher();
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#attempts = Math.max(1, options.attempts ?? 4);
    this.#retryDelayMs = options.retryDelayMs ?? 250;
    this.#chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  }

  describe(): string {
    return this.#description;
  }

  /** Keeps the URL (and so a pre-signed query) out of util.inspect and JSON. */
  toJSON(): string {
    return `[HttpRangeSource ${this.#description}]`;
  }

  async stat(): Promise<SourceStat> {
    const validators = await this.#withRetries(() => this.#head());
    if (validators.etag === undefined && validators.lastModified === undefined) {
      throw new SourceAccessError(
        `${this.#description} gives neither an ETag nor a Last-Modified header, so a change during the import could not be noticed; serve it from a server that sends one`,
      );
    }
    this.#validators = validators;
    return { size: validators.size, version: validators.etag ?? validators.lastModified ?? '' };
  }

  async *stream(start: number, endExclusive?: number): AsyncIterable<Buffer> {
    const validators = await this.#known();
    const stop = Math.min(endExclusive ?? validators.size, validators.size);
    let position = start;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    for (let attempt = 1; position < stop; attempt++) {
      const from = position;
      let response: Dispatcher.ResponseData | undefined;
      try {
        response = await this.#rangeRequest(position, stop, validators);
        for await (const chunk of response.body as AsyncIterable<Buffer>) {
          const room = stop - position;
          const usable = chunk.length > room ? chunk.subarray(0, room) : chunk;
          position += usable.length;
          pending.push(usable);
          pendingBytes += usable.length;
          if (pendingBytes >= this.#chunkBytes) {
            // Chunks of exactly chunkBytes, as LocalFileSource reads them: scanners see the same cuts.
            let joined = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending);
            while (joined.length >= this.#chunkBytes) {
              yield joined.subarray(0, this.#chunkBytes);
              joined = joined.subarray(this.#chunkBytes);
            }
            pending = joined.length > 0 ? [joined] : [];
            pendingBytes = joined.length;
          }
          if (position >= stop) break;
        }
        if (position < stop) throw Object.assign(new Error('the body ended early'), { code: 'UND_ERR_PREMATURE_END' });
      } catch (error) {
        if (!isTransientError(error)) throw error;
        // Tries count failures in a row: a long stream that keeps moving may stumble more often.
        if (position > from) attempt = 1;
        if (attempt >= this.#attempts) throw this.#unavailable(error);
        await sleep(this.#retryDelayMs * 2 ** (attempt - 1));
      } finally {
        // A consumer that stops early, or a retry, leaves the rest of the body unread.
        if (response) await discard(response);
      }
    }
    if (pendingBytes > 0) yield pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending);
  }

  async #known(): Promise<Validators> {
    if (this.#validators === undefined) await this.stat();
    return this.#validators as Validators;
  }

  /** HEAD for size and version; a GET of one byte where HEAD cannot tell whether ranges work. */
  async #head(): Promise<Validators> {
    const response = await this.#send('HEAD', {});
    await discard(response);
    if (HEAD_UNUSABLE.has(response.statusCode)) return this.#probe();
    if (response.statusCode !== 200) throw this.#statusError(response.statusCode);
    const length = header(response.headers, 'content-length');
    const acceptsRanges = /\bbytes\b/i.test(header(response.headers, 'accept-ranges') ?? '');
    if (length === undefined || !/^\d+$/.test(length.trim()) || !acceptsRanges) return this.#probe();
    return { size: Number(length), ...this.#versionOf(response) };
  }

  async #probe(): Promise<Validators> {
    const response = await this.#send('GET', { range: 'bytes=0-0' });
    await discard(response);
    const { statusCode } = response;
    if (statusCode === 200) throw this.#noRanges();
    const range = parseContentRange(header(response.headers, 'content-range'));
    if (statusCode === 206 && range?.total !== undefined) return { size: range.total, ...this.#versionOf(response) };
    // An empty resource has no byte 0 to send: `416` with `Content-Range: bytes */0`.
    if (statusCode === 416 && /^\s*bytes\s+\*\/0\s*$/i.test(header(response.headers, 'content-range') ?? '')) {
      return { size: 0, ...this.#versionOf(response) };
    }
    if (statusCode === 206) throw new SourceAccessError(`${this.#description} answered a Range request without its total size (Content-Range)`);
    throw this.#statusError(statusCode);
  }

  async #rangeRequest(position: number, stop: number, expected: Validators): Promise<Dispatcher.ResponseData> {
    const headers: Record<string, string> = { range: `bytes=${position}-${stop - 1}` };
    // If-Match compares strongly, so a weak ETag would never match: Last-Modified guards those.
    if (expected.etag !== undefined && !isWeak(expected.etag)) headers['if-match'] = expected.etag;
    else if (expected.lastModified !== undefined) headers['if-unmodified-since'] = expected.lastModified;
    const response = await this.#send('GET', headers);
    const { statusCode } = response;
    if (statusCode === 206) {
      const range = parseContentRange(header(response.headers, 'content-range'));
      const etag = header(response.headers, 'etag');
      // Servers that ignore the condition still name the version they send.
      const changed =
        (range?.total !== undefined && range.total !== expected.size) ||
        (etag !== undefined && expected.etag !== undefined && !sameEntityTag(etag, expected.etag));
      const mismatch = changed
        ? `it now answers ${range?.total ?? '?'} bytes, ETag ${etag ?? 'none'}`
        : range === undefined || range.start !== position
          ? `asked for byte ${position}, it sent ${range ? `byte ${range.start}` : 'no Content-Range'}`
          : undefined;
      if (mismatch !== undefined) {
        await discard(response);
        throw new SourceChangedError(this.#description, mismatch);
      }
      return response;
    }
    await discard(response);
    if (statusCode === 200) throw this.#noRanges();
    if (statusCode === 412) throw new SourceChangedError(this.#description, `the server answered 412: version ${expected.etag ?? expected.lastModified ?? '?'} is gone`);
    if (statusCode === 416) throw new SourceChangedError(this.#description, `bytes ${position}-${stop - 1} are past its end now`);
    throw this.#statusError(statusCode);
  }

  async #send(method: 'HEAD' | 'GET', headers: Record<string, string>): Promise<Dispatcher.ResponseData> {
    const response = await request(this.#url, {
      method,
      // Ranges count bytes of the stored file: a compressed answer would count others.
      headers: { 'accept-encoding': 'identity', ...headers },
      dispatcher: this.#dispatcher,
      headersTimeout: this.#timeoutMs,
      bodyTimeout: this.#timeoutMs,
    });
    if (TRANSIENT_STATUSES.has(response.statusCode)) {
      await discard(response);
      throw Object.assign(new Error(`HTTP ${response.statusCode}`), { code: `HTTP_${response.statusCode}` });
    }
    return response;
  }

  async #withRetries<T>(work: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await work();
      } catch (error) {
        if (!isTransientError(error)) throw error;
        if (attempt >= this.#attempts) throw this.#unavailable(error);
        await sleep(this.#retryDelayMs * 2 ** (attempt - 1));
      }
    }
  }

  #versionOf(response: Dispatcher.ResponseData): Omit<Validators, 'size'> {
    return { etag: header(response.headers, 'etag')?.trim() || undefined, lastModified: header(response.headers, 'last-modified')?.trim() || undefined };
  }

  #noRanges(): SourceAccessError {
    return new SourceAccessError(
      `${this.#description} does not support Range requests (it answered a request for a byte range with the whole file); ` +
        'serve it from a server or object store that does, or copy it into XP_IMPORT_DATA_DIR',
    );
  }

  #statusError(status: number): SourceAccessError {
    if (status === 401 || status === 403) {
      return new SourceAccessError(`${this.#description} answered HTTP ${status}: access denied (a pre-signed URL may have expired; sign a new one)`);
    }
    if (status === 404 || status === 410) return new SourceAccessError(`${this.#description} answered HTTP ${status}: not found`);
    if (status >= 300 && status < 400) {
      return new SourceAccessError(`${this.#description} answered HTTP ${status}, a redirect, which is not followed: use the URL it points to`);
    }
    return new SourceAccessError(`${this.#description} answered HTTP ${status}`);
  }

  #unavailable(error: unknown): SourceUnavailableError {
    return new SourceUnavailableError(`${this.#description} cannot be read right now (${transportCode(error)}) after ${this.#attempts} tries`);
  }
}
