import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { XtremepushClient } from '../../../activities/xtremepush/client';
import { InvalidResponseError, XtremepushError } from '../../../activities/xtremepush/errors';
import { startFakeApi, type FakeApi } from '../../support/fakeApi';

/**
 * An API that echoes the request into the fields the importer keeps (a task ID, a status word):
 * what it echoes must not reach history, reports or logs. A real server on loopback answers an
 * import with the task ID its first column names, and a look at a task with the status its ID names.
 */
const PERSONAL = 'private.person@example.com';
const APPTOKEN = 'SECRET-apptoken-8c1f';
const STATUSES: Record<string, string> = { '41': 'processing', '42': `failed: ${PERSONAL}`, '43': 'completed', '44': `processing rows ${PERSONAL}` };

let api: FakeApi;
let client: XtremepushClient;
beforeAll(async () => {
  api = await startFakeApi((text, res) => {
    const body = JSON.parse(text) as { columns?: string[]; id?: string | number };
    if (body.columns?.[0] === 'echo400') {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ success: false, code: 400, message: `cannot read the request ${text}`, errors: { request: text } }));
      return;
    }
    res.writeHead(body.columns ? 202 : 200, { 'content-type': 'application/json' });
    if (body.columns) res.end(JSON.stringify({ success: true, code: 202, model: { id: body.columns[0] } }));
    else res.end(JSON.stringify({ success: true, model: { id: body.id, status: STATUSES[String(body.id)] } }));
  }, APPTOKEN);
  client = api.client;
});
afterAll(() => api.close());

describe('task IDs and statuses from the API', () => {
  it('takes IDs that are numbers or short tokens', async () => {
    for (const id of ['12345', 'f3a1c2d4-5b6e-4f70-8a9b-0c1d2e3f4a5b', 'task_7.3:a']) {
      await expect(client.importProfiles([id], [['u1']])).resolves.toEqual({ mode: 'async', taskId: id });
    }
  });

  it('does not take an ID that holds what a row holds: the answer is unreadable, as one without an ID is', async () => {
    for (const id of [`task-u1,${PERSONAL}`, 'has space', 'x'.repeat(65)]) {
      const error: unknown = await client.importProfiles([id], [['u1']]).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(InvalidResponseError);
      expect(String((error as Error).message)).not.toContain('private');
    }
  });

  it('blanks the apptoken out of an answer that echoes the request', async () => {
    const error: unknown = await client.importProfiles(['echo400'], [['u1']]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(XtremepushError);
    const seen = JSON.stringify({ message: (error as Error).message, ...(error as object) });
    expect(seen).toContain('[credential]');
    expect(seen).not.toContain(APPTOKEN);
  });

  it('keeps a status word, and not a status that carries more', async () => {
    expect(await client.taskInfo('41')).toEqual({ status: 'running', rawStatus: 'processing' });
    expect(await client.taskInfo('43')).toEqual({ status: 'completed', rawStatus: 'completed' });
    // Still read for what it says: failed, or running.
    expect(await client.taskInfo('42')).toEqual({ status: 'failed', rawStatus: '' });
    expect(await client.taskInfo('44')).toEqual({ status: 'running', rawStatus: '' });
  });
});
