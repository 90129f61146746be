import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startSandbox, type Sandbox } from '../../../sandbox';
import { importProfiles, post, TOKEN, userRows, waitFor } from './support';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ taskTiming: { queuedMs: 5, processingMs: 5 } });
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(() => sandbox.reset());

describe('import/profile validation', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['columns missing', { rows: [['u1']] }, /columns must be a non-empty array/],
    ['columns empty', { columns: [], rows: [['u1']] }, /columns must be a non-empty array/],
    ['a column that is not a string', { columns: ['user_id', 7], rows: [['u1', 1]] }, /columns must be a non-empty array/],
    ['no identity column', { columns: ['first_name'], rows: [['Sam']] }, /user_id or device_id/],
    ['email without email_subscription', { columns: ['user_id', 'email'], rows: [['u1', 'a@example.com']] }, /email_subscription/],
    ['mobile_number without sms_subscription', { columns: ['user_id', 'mobile_number'], rows: [['u1', 353850123456]] }, /sms_subscription/],
    ['a repeated column', { columns: ['user_id', 'user_id'], rows: [['u1', 'u1']] }, /repeat/],
    ['rows missing', { columns: ['user_id'] }, /rows must be a non-empty array/],
    ['a row that is not an array', { columns: ['user_id'], rows: [['u1'], 'u2'] }, /rows\[1\] is not an array/],
    ['a row of the wrong width', { columns: ['user_id', 'first_name'], rows: [['u1', 'Sam'], ['u2']] }, /rows\[1\] has 1 cells, expected 2/],
    ['an empty identity cell', { columns: ['user_id', 'first_name'], rows: [['u1', 'a'], ['', 'b']] }, /rows\[1\] has an empty identity/],
  ];

  it.each(cases)('answers 400 for %s', async (_name, body, message) => {
    const response = await post(sandbox.url, '/api/external/import/profile', { apptoken: TOKEN, ...body });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 400, success: false });
    expect(response.body.message).toMatch(message);
    expect(sandbox.stats().rowsApplied).toBe(0);
  });

  it('lists every invalid row by index in errors, without cell values', async () => {
    const rows = [['u1', 'secret-a'], ['u2'], [null, 'secret-b'], ['u4', 'x', 'y']];
    const response = await importProfiles(sandbox, ['user_id', 'first_name'], rows);
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([
      { row: 1, message: expect.stringMatching(/rows\[1\]/) as unknown },
      { row: 2, message: expect.stringMatching(/rows\[2\]/) as unknown },
      { row: 3, message: expect.stringMatching(/rows\[3\]/) as unknown },
    ]);
    expect(JSON.stringify(response.body)).not.toContain('secret');
  });

  it('accepts 10,000 rows and refuses 10,001', async () => {
    const accepted = await importProfiles(sandbox, ['user_id', 'first_name'], userRows('u', 10_000), { async: 0 });
    expect(accepted.status).toBe(200);
    const refused = await importProfiles(sandbox, ['user_id', 'first_name'], userRows('v', 10_001));
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(/at most 10000 rows/);
    expect(sandbox.stats().profiles).toBe(10_000);
  });

  it('accepts email and mobile columns with their subscriptions, and device_id profiles', async () => {
    const columns = ['user_id', 'device_id', 'email', 'email_subscription', 'mobile_number', 'sms_subscription'];
    const response = await importProfiles(sandbox, columns, [
      ['u1', 'd1', 'a@example.com', 1, 353850123456, 1],
      ['', 'd2', 'b@example.com', 0, 447700900900, 0],
    ]);
    expect(response.status).toBe(200);
    expect([...sandbox.profiles().keys()].sort()).toEqual(['device_id:d2', 'user_id:u1']);
  });

  it('refuses a body that is not JSON, or not an object', async () => {
    const notJson = await post(sandbox.url, '/api/external/import/profile', undefined, { rawBody: '{"apptoken": ' });
    const notObject = await post(sandbox.url, '/api/external/import/profile', [1, 2]);
    expect(notJson.status).toBe(400);
    expect(notJson.body).toMatchObject({ code: 400, success: false, message: 'request body is not valid JSON' });
    expect(notObject.status).toBe(400);
  });
});

describe('unknown paths and HTTP methods', () => {
  it('answers 405 for a typo in a method URL and 404 for other paths, in the envelope', async () => {
    const typo = await post(sandbox.url, '/api/external/import/profiles', { apptoken: TOKEN });
    const other = await post(sandbox.url, '/nothing/here', {});
    expect(typo.status).toBe(405);
    expect(typo.body).toMatchObject({ code: 405, success: false });
    expect(other.status).toBe(404);
    expect(other.body).toMatchObject({ code: 404, success: false });
  });

  it('answers 405 to GET on a method', async () => {
    const response = await request(`${sandbox.url}/api/external/import/profile`);
    expect(response.statusCode).toBe(405);
    expect(await response.body.json()).toMatchObject({ code: 405, success: false });
  });
});

describe('sync and async processing', () => {
  it('applies fewer than 100 rows at once and answers 200', async () => {
    const response = await importProfiles(sandbox, ['user_id', 'first_name'], userRows('u', 99));
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ success: true, code: 200 });
    expect(sandbox.stats().rowsApplied).toBe(99);
    expect(sandbox.tasks()).toEqual([]);
  });

  it('answers 100 rows with 202 and a task ID, and applies them in the background', async () => {
    const response = await importProfiles(sandbox, ['user_id', 'first_name'], userRows('u', 100));
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ success: true, code: 202, model: { id: expect.any(Number) as unknown } });
    expect(sandbox.profiles().size).toBe(0);
    await waitFor(() => sandbox.stats().rowsApplied === 100);
    expect(sandbox.profiles().get('user_id:u99')).toEqual({ user_id: 'u99', first_name: 'Sam' });
  });

  it('hands out increasing task IDs', async () => {
    const first = await importProfiles(sandbox, ['user_id'], userRows('a', 100).map(([id]) => [id]));
    const second = await importProfiles(sandbox, ['user_id'], userRows('b', 100).map(([id]) => [id]));
    expect(second.body.model?.id).toBeGreaterThan(first.body.model?.id as number);
  });

  it.each([0, false])('processes 100 rows or more at once when async is %s', async (flag) => {
    const response = await importProfiles(sandbox, ['user_id', 'first_name'], userRows('u', 150), { async: flag });
    expect(response.status).toBe(200);
    expect(sandbox.stats().rowsApplied).toBe(150);
    expect(sandbox.tasks()).toEqual([]);
  });
});

describe('merge semantics', () => {
  it('merges per identity: later writes win per attribute, untouched attributes are kept', async () => {
    await importProfiles(sandbox, ['user_id', 'first_name', 'city'], [['u1', 'Sam', 'Dublin'], ['u2', 'Joe', 'Cork']]);
    await importProfiles(sandbox, ['user_id', 'city', 'score'], [['u1', 'Galway', 3], ['u1', 'Sligo', 4]]);
    const profiles = sandbox.profiles();
    expect(profiles.get('user_id:u1')).toEqual({ user_id: 'u1', first_name: 'Sam', city: 'Sligo', score: 4 });
    expect(profiles.get('user_id:u2')).toEqual({ user_id: 'u2', first_name: 'Joe', city: 'Cork' });
  });

  it('keys a row by user_id when present and by device_id otherwise', async () => {
    await importProfiles(sandbox, ['user_id', 'device_id', 'language'], [['u1', 'd1', 'en'], [null, 'd1', 'fr'], [17, '', 'de']]);
    expect(sandbox.profiles()).toEqual(
      new Map<string, Record<string, unknown>>([
        ['user_id:u1', { user_id: 'u1', device_id: 'd1', language: 'en' }],
        ['device_id:d1', { user_id: null, device_id: 'd1', language: 'fr' }],
        ['user_id:17', { user_id: 17, device_id: '', language: 'de' }],
      ]),
    );
  });

  it('returns stored profiles from list/profile, up to limit', async () => {
    await importProfiles(sandbox, ['user_id', 'first_name'], userRows('u', 5));
    const response = await post(sandbox.url, '/api/external/list/profile', { apptoken: TOKEN, limit: 2 });
    expect(response.status).toBe(200);
    expect(response.body.data).toEqual([
      { user_id: 'u0', first_name: 'Sam' },
      { user_id: 'u1', first_name: 'Sam' },
    ]);
  });
});
