import { Readable } from 'node:stream';
import { Agent, errors as undiciErrors, request, type Dispatcher } from 'undici';
import type { Credentials } from './credentials';
import {
  AuthenticationError,
  ConnectionError,
  EndpointError,
  ForbiddenError,
  InvalidResponseError,
  RateLimitedError,
  RefusedByProxyError,
  RequestRejectedError,
  RequestTimeoutError,
  ServerError,
  type XtremepushError,
} from './errors';
import { EnvelopeSchema, extractTaskId, mentionsAuthentication, normaliseTaskStatus, statusWord, TaskRecordSchema, type Envelope, type TaskStatus } from './responses';

export type Cell = string | number | boolean;

export interface XtremepushClientOptions {
  /** e.g. https://external-api.xtremepush.com; the method path is appended. */
  baseUrl: string;
  credentials: Credentials;
  /** Time allowed for a whole request: sending, the server's work and the answer. */
  requestTimeoutMs?: number;
  /** Shared connection pool; one is created when absent. */
  dispatcher?: Dispatcher;
}

/**
 * Rows already written as the JSON array the API receives, in UTF-8 pieces that are sent as they
 * are, never joined (see activities/submit/part.ts).
 */
export interface RowsJson {
  chunks: Uint8Array[];
}

export type ImportAnswer = { mode: 'sync' } | { mode: 'async'; taskId: string };

export interface TaskInfo {
  status: TaskStatus;
  /** The status word as the API gave it, for the report; empty when it is not a plain word (statusWord). */
  rawStatus: string;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const POLL_TIMEOUT_MS = 10_000;
/** Error codes that mean the request never left this machine, so it cannot have been applied. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/** Parses a Retry-After header: seconds or an HTTP date. */
export function parseRetryAfter(header: string | string[] | undefined, now = Date.now()): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * The Xtremepush External API, as far as profile imports need it. Every method is a POST of JSON
 * to {base}/api/external/{method}; answers are mapped to data or to a typed XtremepushError.
 */
export class XtremepushClient {
  readonly #baseUrl: string;
  readonly #credentials: Credentials;
  readonly #timeoutMs: number;
  readonly #dispatcher: Dispatcher;
  #taskInfoMissing = false;
  /** When the API last answered 429 to this client (epoch ms). */
  #rateLimitedAt = Number.NEGATIVE_INFINITY;

  constructor(options: XtremepushClientOptions) {
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#credentials = options.credentials;
    this.#timeoutMs = options.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#dispatcher = options.dispatcher ?? new Agent({ keepAliveTimeout: 10_000, connections: 64 });
  }

  /** Posts one request of at most 10,000 rows. */
  async importProfiles(columns: string[], rows: Cell[][] | RowsJson, signal?: AbortSignal): Promise<ImportAnswer> {
    const rowsJson = Array.isArray(rows) ? { chunks: [Buffer.from(JSON.stringify(rows))] } : rows;
    const { status, body } = await this.#call('import/profile', { columns }, signal, this.#timeoutMs, false, rowsJson);
    if (status === 202 || body.code === 202) {
      const taskId = extractTaskId(body);
      // Accepted, so it may be applied: a request sent again is a possible duplicate.
      if (taskId === undefined) throw new InvalidResponseError('import/profile', 'HTTP 202 without a task ID', status, true);
      return { mode: 'async', taskId };
    }
    return { mode: 'sync' };
  }

  /**
   * Reads a task's state with info/task, falling back to list/task where info/task does not exist.
   * A poll is cheap and repeated, so it gets a shorter timeout than an import.
   */
  async taskInfo(taskId: string, signal?: AbortSignal): Promise<TaskInfo> {
    const timeoutMs = Math.min(this.#timeoutMs, POLL_TIMEOUT_MS);
    if (!this.#taskInfoMissing) {
      try {
        const { body } = await this.#call('info/task', { id: idValue(taskId) }, signal, timeoutMs);
        return toTaskInfo(body.model ?? firstOf(body.data), 'info/task');
      } catch (error) {
        if (!(error instanceof EndpointError)) throw error;
        this.#taskInfoMissing = true;
      }
    }
    const { body } = await this.#call(
      'list/task',
      { condition: [['identifier', '=', 'profile_import'], ['id', '=', idValue(taskId)]], order: ['id DESC'], limit: 50, offset: 0 },
      signal,
      timeoutMs,
    );
    const tasks = Array.isArray(body.data) ? (body.data as unknown[]) : [];
    const task = tasks.find((t) => String((t as { id?: unknown }).id) === taskId) ?? tasks[0];
    if (task === undefined) throw new InvalidResponseError('list/task', `task ${taskId} is not listed`);
    return toTaskInfo(task, 'list/task');
  }

  /** A cheap call that fails with AuthenticationError/ForbiddenError when the credentials are wrong. */
  async checkCredentials(signal?: AbortSignal): Promise<void> {
    await this.#call('list/profile', { limit: 1 }, signal);
  }

  async close(): Promise<void> {
    await this.#dispatcher.close();
  }

  async #call(
    method: string,
    payload: Record<string, unknown>,
    signal?: AbortSignal,
    timeoutMs = this.#timeoutMs,
    refreshed = false,
    rowsJson?: RowsJson,
  ): Promise<{ status: number; body: Envelope }> {
    const body: Record<string, unknown> = { ...payload };
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    await this.#credentials.authorize(body, headers);
    let response: Dispatcher.ResponseData;
    try {
      response = await request(`${this.#baseUrl}/api/external/${method}`, {
        method: 'POST',
        headers,
        body: rowsJson === undefined ? JSON.stringify(body) : withRows(JSON.stringify(body), rowsJson, headers),
        dispatcher: this.#dispatcher,
        signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
    } catch (error) {
      throw this.#transportError(method, error, signal, timeoutMs);
    }
    let text: string;
    try {
      text = await response.body.text();
    } catch (error) {
      throw this.#transportError(method, error, signal, timeoutMs);
    }
    const envelope = parseEnvelope(withoutCredentials(text, body, headers));
    const status = response.statusCode;
    if (status >= 200 && status < 300 && envelope && envelope.success !== false) return { status, body: envelope };
    if (status === 401 && !refreshed && (await this.#credentials.refreshAfterRejection(headers))) {
      return this.#call(method, payload, signal, timeoutMs, true, rowsJson);
    }
    const error = this.#statusError(method, status, envelope, response.headers['retry-after']);
    if (error instanceof RateLimitedError) this.#rateLimitedAt = Date.now();
    throw error;
  }

  /** Whether the API answered 429 to any call of this client in the last `ms`: a caller that may make extra calls then makes none. */
  rateLimitedWithin(ms: number, now = Date.now()): boolean {
    return now - this.#rateLimitedAt < ms;
  }

  #statusError(method: string, status: number, body: Envelope | undefined, retryAfter: string | string[] | undefined): XtremepushError {
    const success = status >= 200 && status < 300;
    // A success whose body cannot be read (cut short, a proxy's page): the request may have been applied.
    if (success && body === undefined) return new InvalidResponseError(method, `HTTP ${status} with a body that is not the API's JSON`, status, true);
    // Some APIs answer 200 with success:false; the body's code then says what happened.
    const code = success ? (body?.code ?? 500) : status;
    if (code === 401) return new AuthenticationError(code, body?.message);
    if (code === 429) return new RateLimitedError(parseRetryAfter(retryAfter));
    if (code === 404 || code === 405 || code === 410) return new EndpointError(method, code);
    // A 5xx that is not the API's own JSON is a gateway's page (502, 504 after its wait): the API
    // behind it may have applied the request.
    if (code >= 500) return new ServerError(code, body === undefined);
    // A request that took too long to arrive, or came too early: it was not taken, and may be sent again.
    if (code === 408 || code === 425) return new ServerError(code, false);
    // Too large for the API or a proxy in front of it: halves of the request may pass.
    if (code === 413) return new RequestRejectedError(code, body?.message ?? 'the request is too large', body?.errors);
    // Any other refusal in a page that is not the API's JSON (a firewall's 403, nginx's 400 for
    // plain HTTP sent to its HTTPS port), or a redirect, says nothing about the token or the rows.
    if (body === undefined || (status >= 300 && status < 400)) {
      // A look at a task is asked again and again: one refused by a passing rule is asked again.
      if (method === 'info/task' || method === 'list/task') return new InvalidResponseError(method, `HTTP ${status} with a body that is not the API's JSON`, status);
      return new RefusedByProxyError(method, status);
    }
    if (code === 403) return new ForbiddenError(body.message);
    if (code === 400 && mentionsAuthentication(body)) return new AuthenticationError(code, body.message);
    return new RequestRejectedError(code, body.message, body.errors);
  }

  #transportError(method: string, error: unknown, signal: AbortSignal | undefined, timeoutMs: number): Error {
    if (signal?.aborted) return error instanceof Error ? error : new Error(String(error));
    const err = error as { code?: string; name?: string };
    if (
      error instanceof undiciErrors.HeadersTimeoutError ||
      error instanceof undiciErrors.BodyTimeoutError ||
      err.name === 'TimeoutError' ||
      (err.name === 'AbortError' && !signal?.aborted)
    ) {
      return new RequestTimeoutError(method, timeoutMs);
    }
    const code = err.code ?? err.name ?? 'unknown';
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    const notSent = NOT_SENT_CODES.has(code) || (cause !== undefined && NOT_SENT_CODES.has(cause));
    return new ConnectionError(method, cause ?? code, !notSent);
  }
}

/**
 * The request body with `"rows":<rowsJson>` added as its last member, as pieces; their length goes
 * in `headers`, so the body is sent with a Content-Length as a whole one would be, not chunked.
 */
function withRows(bodyJson: string, rowsJson: RowsJson, headers: Record<string, string>): Readable {
  const chunks = [Buffer.from(`${bodyJson.slice(0, -1)}${bodyJson === '{}' ? '' : ','}"rows":`), ...rowsJson.chunks, Buffer.from('}')];
  headers['content-length'] = String(chunks.reduce((bytes, chunk) => bytes + chunk.byteLength, 0));
  return Readable.from(chunks, { objectMode: false });
}

function idValue(taskId: string): string | number {
  return /^\d{1,15}$/.test(taskId) ? Number(taskId) : taskId;
}

function firstOf(value: unknown): unknown {
  return Array.isArray(value) ? value[0] : value;
}

function parseEnvelope(text: string): Envelope | undefined {
  if (text.trim() === '') return {};
  try {
    const parsed = EnvelopeSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function toTaskInfo(raw: unknown, method: string): TaskInfo {
  const parsed = TaskRecordSchema.safeParse(raw);
  if (!parsed.success) throw new InvalidResponseError(method, 'no task in the answer');
  return { status: normaliseTaskStatus(parsed.data), rawStatus: statusWord(parsed.data.status) };
}

/**
 * The answer with the request's own credentials blanked out: an API that echoes a refused request
 * in its message would otherwise put the apptoken into rejects files and error messages.
 */
function withoutCredentials(text: string, body: Record<string, unknown>, headers: Record<string, string>): string {
  const bearer = /^Bearer (.+)$/i.exec(headers.authorization ?? '')?.[1];
  const secrets = [body.apptoken, bearer].filter((s): s is string => typeof s === 'string' && s.length >= 4);
  let answer = text;
  for (const secret of secrets) {
    // As sent, and as JSON writes it inside a string.
    for (const form of new Set([secret, JSON.stringify(secret).slice(1, -1)])) answer = answer.split(form).join('[credential]');
  }
  return answer;
}
