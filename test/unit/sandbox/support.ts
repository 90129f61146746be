import { request } from 'undici';
import type { Sandbox } from '../../../sandbox';

/** Helpers for the sandbox tests: real HTTP over loopback with undici. */

export const TOKEN = 'sandbox-token';

export interface Envelope {
  code?: number;
  success?: boolean;
  message?: string;
  errors?: unknown[];
  data?: Record<string, unknown>[];
  model?: Record<string, unknown>;
  [field: string]: unknown;
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Envelope;
}

export async function post(
  base: string,
  path: string,
  body: unknown,
  options: { headers?: Record<string, string>; rawBody?: string; signal?: AbortSignal } = {},
): Promise<ApiResponse> {
  const response = await request(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...options.headers },
    body: options.rawBody ?? JSON.stringify(body),
    signal: options.signal,
  });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, body: text === '' ? {} : (JSON.parse(text) as Envelope) };
}

export async function getJson<T>(base: string, path: string): Promise<T> {
  const response = await request(`${base}${path}`);
  return (await response.body.json()) as T;
}

/** POSTs import/profile with the sandbox's token. */
export function importProfiles(
  sandbox: Sandbox,
  columns: string[],
  rows: unknown[][],
  extra: Record<string, unknown> = {},
): Promise<ApiResponse> {
  return post(sandbox.url, '/api/external/import/profile', { apptoken: TOKEN, columns, rows, ...extra });
}

/** `count` rows `[user_id, first_name]` with user IDs `${prefix}0`, `${prefix}1`, … */
export function userRows(prefix: string, count: number, firstName = 'Sam'): unknown[][] {
  return Array.from({ length: count }, (_, index) => [`${prefix}${index}`, firstName]);
}

export function taskInfo(sandbox: Sandbox, id: unknown): Promise<ApiResponse> {
  return post(sandbox.url, '/api/external/info/task', { apptoken: TOKEN, id });
}

type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;

/** Polls until probe returns something truthy, and returns it; fails after timeoutMs. */
export async function waitFor<T>(probe: () => T | Promise<T>, timeoutMs = 5_000): Promise<Truthy<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as Truthy<T>;
    if (Date.now() > deadline) throw new Error('waitFor: condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
