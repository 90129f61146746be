import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorEnvelope, parseBody, readBody, SandboxHttpError, sendJson, type JsonReply } from './http';
import { SandboxConfigError } from './options';
import type { SandboxState } from './sandboxState';

export const ADMIN_PREFIX = '/__sandbox/';

/**
 * The admin endpoints, for tests that run the sandbox in another process. They answer plain JSON
 * (no envelope), are never faulted, delayed, counted or logged.
 */
export async function serveAdmin(state: SandboxState, req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  let reply: JsonReply;
  try {
    reply = await adminReply(state, req, path);
  } catch (error) {
    const refusal =
      error instanceof SandboxHttpError
        ? error
        : error instanceof SandboxConfigError
          ? new SandboxHttpError(400, error.message)
          : new SandboxHttpError(500, 'internal sandbox error');
    reply = errorEnvelope(refusal);
  }
  sendJson(res, reply);
}

async function adminReply(state: SandboxState, req: IncomingMessage, path: string): Promise<JsonReply> {
  switch (`${req.method} ${path.slice(ADMIN_PREFIX.length)}`) {
    case 'GET stats':
      return ok(state.stats());
    case 'GET profiles':
      return ok(Object.fromEntries(state.store.snapshot()));
    case 'GET requests':
      return ok(state.journal.entries());
    case 'GET tasks':
      return ok(state.tasks.all());
    case 'GET config':
      return ok(state.faults.current);
    case 'POST config':
      state.configure(await optionalBody(state, req));
      return ok(state.faults.current);
    case 'POST reset':
      await optionalBody(state, req);
      state.reset();
      return ok({ reset: true });
    default:
      throw new SandboxHttpError(404, 'unknown sandbox admin endpoint');
  }
}

/** An admin body may be empty: that reads as `{}`. */
async function optionalBody(state: SandboxState, req: IncomingMessage): Promise<Record<string, unknown>> {
  const buffer = await readBody(req, state.options.maxBodyBytes);
  return buffer.length === 0 ? {} : parseBody(buffer, req.headers['content-type'], false);
}

function ok(body: unknown): JsonReply {
  return { status: 200, body };
}
