import type { IncomingMessage, ServerResponse } from 'node:http';
import { answerMethod } from './apiMethods';
import { errorEnvelope, parseBody, readBody, SandboxHttpError, sendJson, type JsonReply } from './http';
import { API_METHODS, type ApiMethod } from './options';
import type { RequestLogEntry } from './requestJournal';
import type { SandboxState } from './sandboxState';

/** How a request ends: an answer, or a connection destroyed without one. */
type Ending = JsonReply | 'reset' | 'drop';

interface Decision {
  ending: Ending;
  outcome: string;
}

const EXTERNAL_PREFIX = '/api/external/';
const OAUTH_TOKEN_PATH = '/api/oauth/token';

/**
 * Serves one API request: body, fault draw, latency, the method itself, then the answer (or a
 * destroyed connection), with every step counted and logged.
 */
export async function serveApi(state: SandboxState, req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  const method = methodOf(path);
  const entry = state.journal.begin(method ?? 'unknown');
  let decision: Decision;
  try {
    decision = await decide(state, method, path, req, entry);
  } catch (error) {
    decision = decisionForError(state, req, error);
  }
  const { ending, outcome } = decision;
  state.journal.finish(entry, typeof ending === 'object' ? ending.status : null, outcome);
  if (ending === 'reset') res.socket?.resetAndDestroy();
  else if (ending === 'drop') res.socket?.destroy();
  else sendJson(res, ending);
}

async function decide(
  state: SandboxState,
  method: ApiMethod | undefined,
  path: string,
  req: IncomingMessage,
  entry: RequestLogEntry,
): Promise<Decision> {
  if (method === undefined) {
    // Documented: a typo in the method URL answers 405.
    if (path.startsWith(EXTERNAL_PREFIX)) throw new SandboxHttpError(405, 'unknown API method');
    throw new SandboxHttpError(404, 'not found');
  }
  if (req.method !== 'POST') throw new SandboxHttpError(405, `${method} takes POST`);
  const body = parseBody(
    await readBody(req, state.options.maxBodyBytes),
    req.headers['content-type'],
    method === 'oauth/token',
  );
  if (method === 'import/profile') {
    entry.rows = Array.isArray(body.rows) ? body.rows.length : 0;
    state.journal.addRowsReceived(entry.rows);
  }
  const fault = state.faults.forRequest(method);
  await state.sleep(fault.latencyMs);
  if (fault.kind === 'rateLimit') {
    const headers = fault.retryAfterSeconds === undefined ? undefined : { 'retry-after': String(fault.retryAfterSeconds) };
    return { ending: { status: 429, body: failure(429, 'rate limit exhausted'), headers }, outcome: 'fault:rateLimit' };
  }
  if (fault.kind === 'serverError') {
    const status = fault.status ?? 500;
    return { ending: { status, body: failure(status, 'internal server error') }, outcome: 'fault:serverError' };
  }
  if (fault.kind === 'reset') return { ending: 'reset', outcome: 'fault:reset' };
  if (fault.kind === 'firewallRefusal') return { ending: FIREWALL_PAGE, outcome: 'fault:firewallRefusal' };
  // Slow and dropped answers only disturb requests that were accepted: their effect has happened.
  const reply = answerMethod(state, method, body, req.headers, entry);
  if (fault.kind === 'slow') {
    await state.sleep(state.faults.current.slowResponseMs);
    return { ending: reply, outcome: 'fault:slow' };
  }
  if (fault.kind === 'dropAfterApply') return { ending: 'drop', outcome: 'fault:dropAfterApply' };
  if (fault.kind === 'gatewayAfterApply') return { ending: GATEWAY_TIMEOUT_PAGE, outcome: 'fault:gatewayAfterApply' };
  if (fault.kind === 'garbledAfterApply') return { ending: cutShort(reply), outcome: 'fault:garbledAfterApply' };
  return { ending: reply, outcome: 'ok' };
}

function decisionForError(state: SandboxState, req: IncomingMessage, error: unknown): Decision {
  // A body too large is refused before the API sees it, by the proxy in front of it: an HTML page.
  if (error instanceof SandboxHttpError && error.status === 413) return { ending: TOO_LARGE_PAGE, outcome: 'ok' };
  if (error instanceof SandboxHttpError) {
    const { fault } = error.details;
    return { ending: errorEnvelope(error), outcome: fault === undefined ? 'ok' : `fault:${fault}` };
  }
  if (state.closed) return { ending: 'drop', outcome: 'closed' };
  // The client went away while its body was arriving: there is nobody to answer.
  if (req.destroyed) return { ending: 'drop', outcome: 'aborted' };
  return { ending: errorEnvelope(new SandboxHttpError(500, 'internal sandbox error')), outcome: 'error' };
}

/** The HTML page a proxy in front of the API answers with, in place of the API's JSON. */
function proxyPage(status: number, title: string): JsonReply {
  const text = `<html>\r\n<head><title>${status} ${title}</title></head>\r\n<body>\r\n<center><h1>${status} ${title}</h1></center>\r\n</body>\r\n</html>\r\n`;
  return { status, body: null, headers: { 'content-type': 'text/html' }, text };
}

/** A gateway whose own timeout ran out while the API worked. */
const GATEWAY_TIMEOUT_PAGE = proxyPage(504, 'Gateway Time-out');
/** A firewall's rule matched the request: it never reaches the API. */
const FIREWALL_PAGE = proxyPage(403, 'Forbidden');
/** A body over the proxy's limit (nginx's `client_max_body_size`). */
const TOO_LARGE_PAGE = proxyPage(413, 'Request Entity Too Large');

/** The answer's status with the first half of its JSON: a connection that ended early. */
function cutShort(reply: JsonReply): JsonReply {
  const json = JSON.stringify(reply.body);
  return { ...reply, text: json.slice(0, Math.floor(json.length / 2)) };
}

function methodOf(path: string): ApiMethod | undefined {
  if (path === OAUTH_TOKEN_PATH) return 'oauth/token';
  if (!path.startsWith(EXTERNAL_PREFIX)) return undefined;
  const name = path.slice(EXTERNAL_PREFIX.length).replace(/\/$/, '');
  return name !== 'oauth/token' && (API_METHODS as readonly string[]).includes(name) ? (name as ApiMethod) : undefined;
}

function failure(code: number, message: string): Record<string, unknown> {
  return { code, success: false, message };
}
