import { errors as undiciErrors, getGlobalDispatcher, request, type Dispatcher } from 'undici';
import { z } from 'zod';
import { parseRetryAfter } from './client';
import type { Credentials } from './credentials';
import { AuthenticationError, ConnectionError, EndpointError, InvalidResponseError, RateLimitedError, ServerError } from './errors';

export interface OAuthCredentialsOptions {
  /** The API's base URL; the token endpoint is `{baseUrl}/api/oauth/token`. */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  /**
   * Where the client credentials go: `body` (form fields client_id and client_secret, what most
   * servers accept) or `basic` (an HTTP Basic header, RFC 6749 section 2.3.1).
   */
  clientAuthentication?: 'body' | 'basic';
  /** Time allowed for one token request. */
  requestTimeoutMs?: number;
  dispatcher?: Dispatcher;
}

/** RFC 6749 section 5.1; expires_in is only recommended, and some servers send it as a string. */
const TokenResponseSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.coerce.number().positive().optional(),
});

/** When a server does not say how long a token lives: short, so a wrong guess costs one refresh. */
const DEFAULT_LIFETIME_MS = 300_000;
/** Refresh this long before expiry at most; short-lived tokens refresh after three quarters of their life. */
const MAX_REFRESH_MARGIN_MS = 60_000;
/** A token fetched this recently is the answer to a 401 that raced its refresh, not a rejected one. */
const MAX_FRESH_MS = 1_000;
const TOKEN_METHOD = 'oauth/token';

interface AccessToken {
  value: string;
  /** Fetched because a request was refused with 401 (rather than because the last one aged). */
  afterRejection: boolean;
  obtainedAt: number;
  refreshAt: number;
  expiresAt: number;
}

/**
 * OAuth 2.0 client credentials: the worker fetches an access token and sends it as a bearer
 * header. The token is cached until shortly before it expires, then refreshed before use; a 401
 * refreshes it once. Concurrent requests share one token request. The client secret and the
 * tokens live in private fields only: never in a message, a log line or Temporal.
 */
export class OAuthCredentials implements Credentials {
  readonly #tokenUrl: string;
  readonly #clientId: string;
  readonly #clientSecret: string;
  readonly #clientAuthentication: 'body' | 'basic';
  readonly #timeoutMs: number;
  readonly #dispatcher: Dispatcher;
  #token: AccessToken | undefined;
  #refreshing: Promise<AccessToken> | undefined;
  #issued = 0;

  constructor(options: OAuthCredentialsOptions) {
    this.#tokenUrl = `${options.baseUrl.replace(/\/+$/, '')}/api/oauth/token`;
    this.#clientId = options.clientId;
    this.#clientSecret = options.clientSecret;
    this.#clientAuthentication = options.clientAuthentication ?? 'body';
    this.#timeoutMs = options.requestTimeoutMs ?? 30_000;
    this.#dispatcher = options.dispatcher ?? getGlobalDispatcher();
  }

  /** Access tokens obtained so far (for metrics and tests; never the tokens themselves). */
  get tokensIssued(): number {
    return this.#issued;
  }

  async authorize(_body: Record<string, unknown>, headers: Record<string, string>): Promise<void> {
    headers.authorization = `Bearer ${(await this.#current()).value}`;
  }

  /**
   * After a 401. `rejected` (the headers the refused request carried) tells exactly whether that
   * token is still the current one. Without it, a token fetched for another 401 a moment ago is
   * taken as the answer to this one too: requests that shared an expired token get their 401s
   * together, and one token request serves them all.
   */
  async refreshAfterRejection(rejected?: Record<string, string>): Promise<boolean> {
    const current = this.#token;
    const rejectedToken = rejected?.authorization?.replace(/^Bearer\s+/i, '');
    if (current !== undefined && this.#refreshing === undefined) {
      if (rejectedToken !== undefined && rejectedToken !== current.value) return true;
      const sameBurst = current.afterRejection && Date.now() - current.obtainedAt < freshWindowMs(current);
      if (rejectedToken === undefined && sameBurst) return true;
    }
    await this.#refresh(true);
    return true;
  }

  /** Keeps the secret and tokens out of util.inspect, JSON.stringify and logs. */
  toJSON(): string {
    return '[OAuthCredentials]';
  }

  async #current(): Promise<AccessToken> {
    const token = this.#token;
    const now = Date.now();
    if (token !== undefined && now < token.refreshAt) return token;
    if (token === undefined || now >= token.expiresAt) return this.#refresh(false);
    // Due for refresh but still valid: a token endpoint that hiccups must not fail the request.
    return this.#refresh(false).catch(() => token);
  }

  /** One token request at a time; everyone who needs a token meanwhile waits for the same one. */
  #refresh(afterRejection: boolean): Promise<AccessToken> {
    this.#refreshing ??= this.#fetchToken(afterRejection)
      .then((token) => {
        this.#token = token;
        this.#issued++;
        return token;
      })
      .finally(() => {
        this.#refreshing = undefined;
      });
    return this.#refreshing;
  }

  async #fetchToken(afterRejection: boolean): Promise<AccessToken> {
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    if (this.#clientAuthentication === 'basic') {
      // RFC 6749 section 2.3.1: both parts form-urlencoded before the Basic encoding.
      const pair = `${encodeURIComponent(this.#clientId)}:${encodeURIComponent(this.#clientSecret)}`;
      headers.authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
    } else {
      form.set('client_id', this.#clientId);
      form.set('client_secret', this.#clientSecret);
    }
    // Measured from before the request: the server's clock started no earlier.
    const sentAt = Date.now();
    let response: Dispatcher.ResponseData;
    let text: string;
    try {
      response = await request(this.#tokenUrl, {
        method: 'POST',
        headers,
        body: form.toString(),
        dispatcher: this.#dispatcher,
        headersTimeout: this.#timeoutMs,
        bodyTimeout: this.#timeoutMs,
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      text = await response.body.text();
    } catch (error) {
      // Nothing was changed by a token request that failed, so the outcome is never "unknown".
      throw new ConnectionError(TOKEN_METHOD, transportCode(error), false);
    }
    const status = response.statusCode;
    if (status !== 200) throw tokenStatusError(status, response.headers['retry-after']);
    const parsed = TokenResponseSchema.safeParse(parseJson(text));
    if (!parsed.success) throw new InvalidResponseError(TOKEN_METHOD, 'no access_token in the answer', status);
    if (parsed.data.token_type !== undefined && parsed.data.token_type.toLowerCase() !== 'bearer') {
      throw new InvalidResponseError(TOKEN_METHOD, `token type ${parsed.data.token_type.slice(0, 20)} is not Bearer`, status);
    }
    const lifetimeMs = parsed.data.expires_in === undefined ? DEFAULT_LIFETIME_MS : parsed.data.expires_in * 1000;
    return {
      value: parsed.data.access_token,
      afterRejection,
      obtainedAt: Date.now(),
      refreshAt: sentAt + lifetimeMs - Math.min(MAX_REFRESH_MARGIN_MS, lifetimeMs / 4),
      expiresAt: sentAt + lifetimeMs,
    };
  }
}

function freshWindowMs(token: AccessToken): number {
  return Math.min(MAX_FRESH_MS, (token.expiresAt - token.obtainedAt) / 4);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Status codes of the token endpoint, as the errors the activities already know how to treat. */
function tokenStatusError(status: number, retryAfter: string | string[] | undefined): Error {
  // 400 invalid_client / unauthorized_client / invalid_grant, 401 and 403: the client is not accepted.
  if (status === 400 || status === 401 || status === 403) return new AuthenticationError(status);
  if (status === 404 || status === 405 || status === 410) return new EndpointError(TOKEN_METHOD, status);
  if (status === 429) return new RateLimitedError(parseRetryAfter(retryAfter));
  if (status >= 500) return new ServerError(status, false);
  return new InvalidResponseError(TOKEN_METHOD, `HTTP ${status}`, status);
}

function transportCode(error: unknown): string {
  if (error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError) return 'timeout';
  const err = error as { code?: string; name?: string; cause?: { code?: string } };
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return 'timeout';
  return err.cause?.code ?? err.code ?? err.name ?? 'error';
}
