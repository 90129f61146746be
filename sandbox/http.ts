import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * An error answered in the Xtremepush envelope. `fault` names the injected fault that caused it,
 * so the request log can tell an injected refusal from an ordinary one.
 */
export class SandboxHttpError extends Error {
  override readonly name = 'SandboxHttpError';
  constructor(
    readonly status: number,
    message: string,
    readonly details: { errors?: unknown[]; fault?: string; extra?: Record<string, unknown> } = {},
  ) {
    super(message);
  }
}

export interface JsonReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Sent instead of the body's JSON: what a gateway or a cut connection delivers. */
  text?: string;
}

export function errorEnvelope(error: SandboxHttpError): JsonReply {
  const { errors, extra } = error.details;
  return {
    status: error.status,
    body: { ...extra, code: error.status, success: false, message: error.message, ...(errors ? { errors } : {}) },
  };
}

/** Reads the whole body; refuses (413) beyond maxBytes without buffering the rest. */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (declared > maxBytes) throw new SandboxHttpError(413, `request body larger than ${maxBytes} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > maxBytes) throw new SandboxHttpError(413, `request body larger than ${maxBytes} bytes`);
    chunks.push(buffer);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}

/** The body as a JSON object; form bodies only where OAuth clients send them. */
export function parseBody(buffer: Buffer, contentType: string | undefined, acceptForm: boolean): Record<string, unknown> {
  const text = buffer.toString('utf8');
  if (acceptForm && contentType?.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(text));
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new SandboxHttpError(400, 'request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SandboxHttpError(400, 'request body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

export function sendJson(res: ServerResponse, reply: JsonReply): void {
  if (res.destroyed || res.writableEnded) return;
  const text = reply.text ?? JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...reply.headers,
  });
  res.end(text);
}
