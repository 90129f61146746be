import type { RetryCause } from '../../common/report';

/**
 * Errors of the Xtremepush client. Each says whether trying again can help and why, so that the
 * activity layer maps it to a retry (with the right delay) or to a non-retryable failure. Messages
 * never contain the apptoken or anything from the request body.
 */
export type XtremepushErrorKind =
  | 'authentication'
  | 'forbidden'
  | 'rate_limited'
  | 'server_error'
  | 'timeout'
  | 'network'
  | 'rejected'
  | 'endpoint'
  | 'refused'
  | 'invalid_response'
  | 'not_found';

export class XtremepushError extends Error {
  override name = 'XtremepushError';
  constructor(
    message: string,
    readonly kind: XtremepushErrorKind,
    readonly retryable: boolean,
    readonly details: {
      status?: number;
      /** The API's own message and errors, kept for the rejects file; may echo row values, so never logged. */
      apiMessage?: string;
      apiErrors?: unknown;
      retryAfterMs?: number;
      /** The request may have been applied although no answer arrived (sent, then timeout or reset). */
      outcomeUnknown?: boolean;
    } = {},
  ) {
    super(message);
  }

  get status(): number | undefined {
    return this.details.status;
  }

  /** The cause a retry is counted under in the report (unknown outcomes are counted apart, as possible duplicates). */
  get retryCause(): RetryCause {
    switch (this.kind) {
      case 'rate_limited':
        return 'rate_limited';
      case 'server_error':
        return 'server_error';
      case 'timeout':
        return 'timeout';
      default:
        return 'network';
    }
  }
}

export class AuthenticationError extends XtremepushError {
  override name = 'AuthenticationError';
  constructor(status: number, apiMessage?: string) {
    super(
      `Xtremepush refused the credentials (HTTP ${status}): check XTREMEPUSH_APPTOKEN (or the OAuth client) and that ` +
        `XTREMEPUSH_API_URL is your project's region (EU ${'https://external-api.xtremepush.com'}, US https://api.us.xtremepush.com)`,
      'authentication',
      false,
      { status, apiMessage },
    );
  }
}

export class ForbiddenError extends XtremepushError {
  override name = 'ForbiddenError';
  constructor(apiMessage?: string) {
    super('Xtremepush answered 403: this token is not allowed to use the API; enable API access for the project or use another token', 'forbidden', false, {
      status: 403,
      apiMessage,
    });
  }
}

export class RateLimitedError extends XtremepushError {
  override name = 'RateLimitedError';
  constructor(retryAfterMs: number | undefined) {
    super(
      retryAfterMs === undefined ? 'Xtremepush rate limit reached (HTTP 429)' : `Xtremepush rate limit reached (HTTP 429, retry after ${retryAfterMs} ms)`,
      'rate_limited',
      true,
      { status: 429, retryAfterMs },
    );
  }
}

/** A 5xx, or a 408/425 (the API or a proxy in front of it asks for the request again). */
export class ServerError extends XtremepushError {
  override name = 'ServerError';
  constructor(status: number, outcomeUnknown: boolean) {
    super(`Xtremepush answered HTTP ${status}`, 'server_error', true, { status, outcomeUnknown });
  }
}

export class RequestTimeoutError extends XtremepushError {
  override name = 'RequestTimeoutError';
  constructor(method: string, timeoutMs: number) {
    super(`no answer from Xtremepush ${method} within ${timeoutMs} ms`, 'timeout', true, { outcomeUnknown: true });
  }
}

export class ConnectionError extends XtremepushError {
  override name = 'ConnectionError';
  constructor(method: string, code: string, outcomeUnknown: boolean) {
    super(`connection to Xtremepush ${method} failed (${code})`, 'network', true, { outcomeUnknown });
  }
}

/** A 400 about the request's content: retrying the same rows cannot help, splitting them can. */
export class RequestRejectedError extends XtremepushError {
  override name = 'RequestRejectedError';
  constructor(status: number, apiMessage: string | undefined, apiErrors: unknown) {
    super(`Xtremepush rejected the request (HTTP ${status})`, 'rejected', false, { status, apiMessage, apiErrors });
  }
}

/**
 * The API refused rows of a batch one by one and accepted no request of it: the cause is likely
 * what every request carries (the columns, from the mapping or the file's header), not the rows.
 * Splitting on would post about two requests per row, batch after batch, to refuse them all.
 */
export class RowsRefusedError extends XtremepushError {
  override name = 'RowsRefusedError';
  constructor(batchNumber: number, rows: number, status: number) {
    super(
      `Xtremepush refused each of the first ${rows} rows of batch ${batchNumber} sent on its own (HTTP ${status}) and accepted none of the ` +
        "batch: the cause is likely the columns every request carries (the mapping or the file's header), not the rows. The API's " +
        'reasons are in the rejects file; fix the cause, then start a new import',
      'rejected',
      false,
      { status },
    );
  }
}

/** 404/405/410 on a method URL: a wrong base URL or a retired endpoint, not something to retry. */
export class EndpointError extends XtremepushError {
  override name = 'EndpointError';
  constructor(method: string, status: number) {
    super(`Xtremepush answered HTTP ${status} for ${method}: check XTREMEPUSH_API_URL`, status === 404 ? 'not_found' : 'endpoint', false, { status });
  }
}

/**
 * A 4xx that is not the API's JSON, or a redirect: something in front of the API (a proxy, a
 * firewall, a load balancer reached over plain HTTP) refused the request before the API saw it, and the same
 * request gets the same page again: retrying each batch until its attempts run out only delays
 * the message, so the import stops on the first one.
 */
export class RefusedByProxyError extends XtremepushError {
  override name = 'RefusedByProxyError';
  constructor(method: string, status: number) {
    super(
      `Xtremepush ${method} was answered HTTP ${status} with a page that is not the API's: something between the worker and the API ` +
        '(a proxy, a firewall, a load balancer) refused or redirected the request before the API saw it; check that XTREMEPUSH_API_URL is https:// and ' +
        "your region's host, and any proxy or firewall rule on the way, then retry the import",
      'refused',
      false,
      { status },
    );
  }
}

export class InvalidResponseError extends XtremepushError {
  override name = 'InvalidResponseError';
  /** `outcomeUnknown`: a success status whose body is lost or unreadable, so the request may have been applied. */
  constructor(method: string, what: string, status?: number, outcomeUnknown = false) {
    super(`unexpected answer from Xtremepush ${method}: ${what}`, 'invalid_response', true, { status, outcomeUnknown });
  }
}
