import { afterEach, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { request } from 'undici';
import { startSandbox, type RequestLogEntry, type Sandbox, type SandboxStats, type TaskRecord } from '../../../sandbox';
import { getJson, importProfiles, post, taskInfo, TOKEN, userRows, waitFor } from './support';

let sandbox: Sandbox;
afterEach(async () => {
  await sandbox.close();
});

async function adminPost(path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await request(`${sandbox.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.statusCode, body: (await response.body.json()) as Record<string, unknown> };
}

describe('counters', () => {
  it('tracks the peak of import requests in flight at once', async () => {
    sandbox = await startSandbox({ faults: { latencyMs: 300 } });
    await Promise.all([0, 1, 2, 3, 4].map((batch) => importProfiles(sandbox, ['user_id'], [[`u${batch}`]])));
    expect(sandbox.stats()).toMatchObject({ peakInFlight: 5, inFlight: 0 });

    sandbox.reset();
    for (const batch of [0, 1, 2]) await importProfiles(sandbox, ['user_id'], [[`u${batch}`]]);
    await Promise.all([taskInfo(sandbox, 1), taskInfo(sandbox, 2)]);
    expect(sandbox.stats()).toMatchObject({ peakInFlight: 1, inFlight: 0 });
  });

  it('stops counting a request in flight when its client leaves mid-body', async () => {
    sandbox = await startSandbox();
    const socket = connect(Number(new URL(sandbox.url).port), '127.0.0.1');
    socket.write('POST /api/external/import/profile HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"apptoken":');
    await waitFor(() => sandbox.stats().inFlight === 1);
    socket.destroy();
    await waitFor(() => sandbox.stats().inFlight === 0);
    expect(sandbox.requestLog()).toEqual([expect.objectContaining({ status: null, outcome: 'aborted' })]);
  });

  it('counts requests and responses per method, rows received and applied, tasks by status', async () => {
    sandbox = await startSandbox({ taskTiming: { queuedMs: 0, processingMs: 0 } });
    await importProfiles(sandbox, ['user_id'], [['u1'], ['u2']]);
    await importProfiles(sandbox, ['user_id'], [['u1'], ['']]);
    await importProfiles(sandbox, ['user_id', 'first_name'], userRows('v', 100));
    await taskInfo(sandbox, 12_345);
    await waitFor(() => sandbox.stats().tasks.completed === 1);
    const stats: SandboxStats = sandbox.stats();
    expect(stats).toEqual({
      requests: { 'import/profile': 3, 'info/task': 1 },
      responses: { 'import/profile': { '200': 1, '202': 1, '400': 1 }, 'info/task': { '404': 1 } },
      faults: {},
      rowsReceived: 104,
      rowsApplied: 102,
      inFlight: 0,
      peakInFlight: 1,
      tasks: { queued: 0, processing: 0, completed: 1, failed: 0 },
      profiles: 102,
    });
    expect(JSON.parse(JSON.stringify(stats))).toEqual(stats);
  });
});

describe('request log', () => {
  it('has one entry per request with rows, identities and task ID', async () => {
    sandbox = await startSandbox();
    await importProfiles(sandbox, ['user_id'], [['first'], ['middle'], ['last']]);
    const accepted = await importProfiles(sandbox, ['user_id', 'first_name'], userRows('b', 100));
    await post(sandbox.url, '/api/external/list/profile', { apptoken: TOKEN, limit: 1 });
    const log: RequestLogEntry[] = sandbox.requestLog();
    expect(log).toEqual([
      expect.objectContaining({ seq: 1, method: 'import/profile', status: 200, outcome: 'ok', rows: 3, firstIdentity: 'first', lastIdentity: 'last' }),
      expect.objectContaining({ seq: 2, method: 'import/profile', status: 202, rows: 100, taskId: accepted.body.model?.id, firstIdentity: 'b0', lastIdentity: 'b99' }),
      expect.objectContaining({ seq: 3, method: 'list/profile', status: 200, rows: 0 }),
    ]);
    expect(log.every((entry) => entry.respondedAt! >= entry.receivedAt)).toBe(true);
    expect(sandbox.tasks()[0]).toMatchObject({ requestSeq: 2, rows: 100, firstIdentity: 'b0', lastIdentity: 'b99' });
  });

  it('keeps only the most recent requestLogLimit entries', async () => {
    sandbox = await startSandbox({ requestLogLimit: 3 });
    for (let index = 0; index < 10; index++) await importProfiles(sandbox, ['user_id'], [[`u${index}`]]);
    expect(sandbox.requestLog().map((entry) => entry.seq)).toEqual([8, 9, 10]);
    expect(sandbox.stats().requests['import/profile']).toBe(10);
  });
});

describe('admin endpoints', () => {
  it('serve stats, profiles, requests, tasks and config as JSON', async () => {
    sandbox = await startSandbox({ faults: { seed: 9 } });
    await importProfiles(sandbox, ['user_id', 'city'], [['u1', 'Cork']]);
    await importProfiles(sandbox, ['user_id', 'first_name'], userRows('t', 100));
    expect((await getJson<SandboxStats>(sandbox.url, '/__sandbox/stats')).requests).toEqual({ 'import/profile': 2 });
    expect(await getJson<Record<string, unknown>>(sandbox.url, '/__sandbox/profiles')).toEqual({ 'user_id:u1': { user_id: 'u1', city: 'Cork' } });
    expect(await getJson<RequestLogEntry[]>(sandbox.url, '/__sandbox/requests')).toEqual(sandbox.requestLog());
    expect((await getJson<TaskRecord[]>(sandbox.url, '/__sandbox/tasks')).map((task) => task.id)).toEqual([1]);
    expect(await getJson<Record<string, unknown>>(sandbox.url, '/__sandbox/config')).toMatchObject({ seed: 9 });
  });

  it('replace the fault config and reset the state', async () => {
    sandbox = await startSandbox();
    const configured = await adminPost('/__sandbox/config', { rateLimit: 1 });
    expect(configured.status).toBe(200);
    expect(configured.body).toMatchObject({ rateLimit: 1, seed: 1 });
    expect((await importProfiles(sandbox, ['user_id'], [['u1']])).status).toBe(429);

    const invalid = await adminPost('/__sandbox/config', { rateLimit: 2 });
    expect(invalid.status).toBe(400);
    expect(invalid.body.message).toMatch(/rateLimit/);

    expect((await adminPost('/__sandbox/config', {})).status).toBe(200);
    expect((await importProfiles(sandbox, ['user_id'], [['u1']])).status).toBe(200);
    expect(sandbox.profiles().size).toBe(1);

    expect((await adminPost('/__sandbox/reset', {})).body).toEqual({ reset: true });
    expect(sandbox.profiles().size).toBe(0);
    expect(sandbox.requestLog()).toEqual([]);
    expect(sandbox.stats().requests).toEqual({});
  });

  it('answer 404 for an unknown admin path', async () => {
    sandbox = await startSandbox();
    const response = await request(`${sandbox.url}/__sandbox/nothing`);
    expect(response.statusCode).toBe(404);
    await response.body.dump();
  });
});

describe("'count' store mode", () => {
  it('counts rows and distinct identities without keeping profiles', async () => {
    sandbox = await startSandbox({ store: 'count', taskTiming: { queuedMs: 0, processingMs: 0 } });
    await importProfiles(sandbox, ['user_id', 'first_name'], userRows('u', 5_000));
    await importProfiles(sandbox, ['user_id', 'first_name'], userRows('u', 2_500));
    await importProfiles(sandbox, ['device_id', 'first_name'], userRows('u', 50));
    await waitFor(() => sandbox.stats().tasks.completed === 2);
    expect(sandbox.stats()).toMatchObject({ rowsApplied: 7_550, profiles: 5_050 });
    expect(sandbox.profiles().size).toBe(0);
    const listed = await post(sandbox.url, '/api/external/list/profile', { apptoken: TOKEN, limit: 5 });
    expect(listed.body).toMatchObject({ success: true, data: [] });
  });
});
