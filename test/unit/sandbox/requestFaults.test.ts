import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { API_METHODS, SandboxConfigError, startSandbox, type FaultConfigInput, type Sandbox } from '../../../sandbox';
import { getJson, importProfiles, post, taskInfo, TOKEN, userRows, waitFor, type ApiResponse } from './support';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ taskTiming: { queuedMs: 0, processingMs: 0 } });
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(() => {
  sandbox.configure({});
  sandbox.reset();
});

/** Sends small sync imports one after another; a destroyed connection counts as status 0. */
async function sendSmallImports(count: number): Promise<ApiResponse[]> {
  const responses: ApiResponse[] = [];
  for (let index = 0; index < count; index++) {
    responses.push(await importProfiles(sandbox, ['user_id'], [[`u${index}`]]).catch(() => ({ status: 0, headers: {}, body: {} })));
  }
  return responses;
}

function outcomes(): string[] {
  return sandbox.requestLog().map((entry) => `${entry.outcome}/${entry.status ?? 'none'}`);
}

describe('request faults', () => {
  it('answers 429, with Retry-After on the configured share, and applies nothing', async () => {
    sandbox.configure({ rateLimit: 1, retryAfterShare: 0.5, retryAfterSeconds: 7 });
    const responses = await sendSmallImports(30);
    expect(responses.every((response) => response.status === 429 && response.body.code === 429)).toBe(true);
    const retryAfters = new Set(responses.map((response) => response.headers['retry-after']));
    expect(retryAfters).toEqual(new Set(['7', undefined]));
    expect(sandbox.stats().rowsApplied).toBe(0);
    expect(sandbox.stats().faults).toEqual({ rateLimit: 30 });

    sandbox.configure({ rateLimit: 1, retryAfterShare: 1, retryAfterSeconds: 2 });
    expect((await sendSmallImports(5)).map((response) => response.headers['retry-after'])).toEqual(['2', '2', '2', '2', '2']);
    sandbox.configure({ rateLimit: 1, retryAfterShare: 0 });
    expect((await sendSmallImports(5)).every((response) => response.headers['retry-after'] === undefined)).toBe(true);
  });

  it('answers server errors from the configured statuses', async () => {
    sandbox.configure({ serverError: 1 });
    const statuses = new Set((await sendSmallImports(30)).map((response) => response.status));
    expect(statuses).toEqual(new Set([500, 502, 503]));
    sandbox.configure({ serverError: 1, serverErrorStatuses: [504] });
    expect((await sendSmallImports(3)).map((response) => response.status)).toEqual([504, 504, 504]);
    expect(sandbox.stats().rowsApplied).toBe(0);
  });

  it('resets the connection without an answer and applies nothing', async () => {
    sandbox.configure({ reset: 1 });
    await expect(importProfiles(sandbox, ['user_id'], [['u1']])).rejects.toThrow();
    expect(sandbox.stats().rowsApplied).toBe(0);
    expect(sandbox.requestLog()).toEqual([expect.objectContaining({ status: null, outcome: 'fault:reset', rows: 1 })]);
  });

  it('answers slowly but applies the request, so a client timeout leaves the outcome unknown', async () => {
    sandbox.configure({ slowRate: 1, slowResponseMs: 400 });
    const attempt = post(sandbox.url, '/api/external/import/profile', { apptoken: TOKEN, columns: ['user_id'], rows: [['u1']] }, { signal: AbortSignal.timeout(100) });
    await expect(attempt).rejects.toThrow(/abort/i);
    expect(sandbox.profiles().has('user_id:u1')).toBe(true);
    const [entry] = await waitFor(() => sandbox.requestLog()[0]?.status && sandbox.requestLog());
    expect(entry).toMatchObject({ status: 200, outcome: 'fault:slow' });
    expect(entry!.respondedAt! - entry!.receivedAt).toBeGreaterThanOrEqual(395);
  });

  it('drops the connection after applying a sync request', async () => {
    sandbox.configure({ dropAfterApply: 1 });
    await expect(importProfiles(sandbox, ['user_id'], [['u1']])).rejects.toThrow();
    expect(sandbox.profiles().has('user_id:u1')).toBe(true);
    expect(sandbox.requestLog()[0]).toMatchObject({ status: null, outcome: 'fault:dropAfterApply' });
  });

  it('drops the connection after accepting an async request: its task exists and completes', async () => {
    sandbox.configure({ dropAfterApply: 1 });
    await expect(importProfiles(sandbox, ['user_id', 'first_name'], userRows('u', 100))).rejects.toThrow();
    const [entry] = sandbox.requestLog();
    expect(entry?.taskId).toBe(sandbox.tasks()[0]?.id);
    await waitFor(() => sandbox.stats().tasks.completed === 1);
    expect(sandbox.stats().rowsApplied).toBe(100);
  });

  it('faults only import/profile by default, and the task methods when asked', async () => {
    sandbox.configure({ serverError: 1, serverErrorStatuses: [503] });
    expect((await taskInfo(sandbox, 1)).status).toBe(404);
    sandbox.configure({ serverError: 1, serverErrorStatuses: [503], faultMethods: ['info/task', 'list/task'] });
    expect((await importProfiles(sandbox, ['user_id'], [['u1']])).status).toBe(200);
    expect((await taskInfo(sandbox, 1)).status).toBe(503);
    expect((await post(sandbox.url, '/api/external/list/task', { apptoken: TOKEN })).status).toBe(503);
  });

  it('never faults the admin endpoints', async () => {
    sandbox.configure({ reset: 1, faultMethods: [...API_METHODS], latencyMs: 5_000 });
    const stats = await getJson<{ requests: Record<string, number> }>(sandbox.url, '/__sandbox/stats');
    expect(stats.requests).toEqual({});
  });

  it('delays answers by latencyMs on every API method', async () => {
    sandbox.configure({ latencyMs: [120, 130] });
    await importProfiles(sandbox, ['user_id'], [['u1']]);
    await taskInfo(sandbox, 1);
    for (const entry of sandbox.requestLog()) expect(entry.respondedAt! - entry.receivedAt).toBeGreaterThanOrEqual(115);
  });

  it('refuses rates that add up to more than 1', () => {
    expect(() => sandbox.configure({ rateLimit: 0.6, serverError: 0.5 })).toThrow(SandboxConfigError);
    expect(() => sandbox.configure({ rateLimt: 0.1 } as FaultConfigInput)).toThrow(SandboxConfigError);
  });
});

describe('determinism', () => {
  const mixed: FaultConfigInput = { seed: 42, rateLimit: 0.2, serverError: 0.2, reset: 0.1, dropAfterApply: 0.1 };

  it('gives the same faults for the same seed and request sequence', async () => {
    sandbox.configure(mixed);
    await sendSmallImports(40);
    const first = outcomes();
    expect(new Set(first).size).toBeGreaterThanOrEqual(5);

    sandbox.reset();
    await sendSmallImports(40);
    expect(outcomes()).toEqual(first);

    const other = await startSandbox({ faults: mixed });
    try {
      for (let index = 0; index < 40; index++) await importProfiles(other, ['user_id'], [[`u${index}`]]).catch(() => undefined);
      expect(other.requestLog().map((entry) => `${entry.outcome}/${entry.status ?? 'none'}`)).toEqual(first);
    } finally {
      await other.close();
    }

    sandbox.configure({ ...mixed, seed: 43 });
    await sendSmallImports(40);
    expect(outcomes()).not.toEqual(first);
  });

  it('keeps the import fault sequence whatever other methods are called in between', async () => {
    sandbox.configure(mixed);
    await sendSmallImports(20);
    const alone = outcomes();

    sandbox.configure(mixed);
    sandbox.reset();
    for (let index = 0; index < 20; index++) {
      await importProfiles(sandbox, ['user_id'], [[`u${index}`]]).catch(() => undefined);
      await taskInfo(sandbox, index);
    }
    const interleaved = sandbox
      .requestLog()
      .filter((entry) => entry.method === 'import/profile')
      .map((entry) => `${entry.outcome}/${entry.status ?? 'none'}`);
    expect(interleaved).toEqual(alone);
  });
});
