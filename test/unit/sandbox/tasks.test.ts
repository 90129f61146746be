import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../../sandbox';
import { importProfiles, post, taskInfo, TOKEN, userRows, waitFor } from './support';

let sandbox: Sandbox;
afterEach(async () => {
  await sandbox.close();
});

async function startTask(prefix: string, count = 100): Promise<number | string> {
  const response = await importProfiles(sandbox, ['user_id', 'first_name'], userRows(prefix, count));
  expect(response.status).toBe(202);
  return response.body.model?.id as number | string;
}

function listTasks(body: Record<string, unknown>): Promise<Record<string, unknown>[]> {
  return post(sandbox.url, '/api/external/list/task', { apptoken: TOKEN, ...body }).then((response) => {
    expect(response.status).toBe(200);
    return response.body.data ?? [];
  });
}

describe('task lifecycle through info/task', () => {
  it('moves queued → processing → completed, applying rows only at completion', async () => {
    sandbox = await startSandbox({ taskTiming: { queuedMs: 300, processingMs: 300 } });
    const id = await startTask('u');

    const queued = await taskInfo(sandbox, id);
    expect(queued.status).toBe(200);
    expect(queued.body.model).toMatchObject({ id, identifier: 'profile_import', status: 'queued', finish_time: null });
    expect(queued.body.model?.create_time).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);

    await waitFor(async () => (await taskInfo(sandbox, id)).body.model?.status === 'processing');
    expect(sandbox.stats().rowsApplied).toBe(0);

    const done = await waitFor(async () => {
      const model = (await taskInfo(sandbox, id)).body.model;
      return model?.status === 'completed' && model;
    });
    expect(done.finish_time).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(sandbox.stats().rowsApplied).toBe(100);
    expect(sandbox.stats().tasks).toEqual({ queued: 0, processing: 0, completed: 1, failed: 0 });
    expect(sandbox.profiles().size).toBe(100);
  });

  it('accepts the ID as a number or a string, and answers 404 for an unknown ID or 400 without one', async () => {
    sandbox = await startSandbox();
    const id = await startTask('u');
    expect((await taskInfo(sandbox, String(id))).body.model?.id).toBe(id);
    expect((await taskInfo(sandbox, 9_999)).status).toBe(404);
    expect((await taskInfo(sandbox, undefined)).status).toBe(400);
  });

  it('hands out string task IDs when configured to', async () => {
    sandbox = await startSandbox({ taskIds: 'string', taskTiming: { queuedMs: 0, processingMs: 0 } });
    const id = await startTask('u');
    expect(typeof id).toBe('string');
    await waitFor(async () => (await taskInfo(sandbox, id)).body.model?.status === 'completed');
    expect(await listTasks({ condition: [['id', '=', id]] })).toHaveLength(1);
  });
});

describe('list/task', () => {
  it('filters by id and identifier, orders and pages', async () => {
    sandbox = await startSandbox();
    const ids = [await startTask('a'), await startTask('b'), await startTask('c')];

    const byId = await listTasks({ condition: [['identifier', '=', 'profile_import'], ['id', '=', ids[1]]] });
    expect(byId).toEqual([expect.objectContaining({ id: ids[1], identifier: 'profile_import' })]);

    const newestFirst = await listTasks({ condition: [['identifier', '=', 'profile_import']], order: ['id DESC'], limit: 2 });
    expect(newestFirst.map((task) => task.id)).toEqual([ids[2], ids[1]]);

    const oldestFirst = await listTasks({ order: ['id ASC'], limit: 2, offset: 1 });
    expect(oldestFirst.map((task) => task.id)).toEqual([ids[1], ids[2]]);

    expect(await listTasks({ condition: [['identifier', '=', 'list_import']] })).toEqual([]);
    expect(await listTasks({ condition: [['id', 'in', [ids[0], ids[2]]]], order: ['id ASC'] })).toHaveLength(2);
  });

  it('answers 400 for a condition it cannot read', async () => {
    sandbox = await startSandbox();
    const response = await post(sandbox.url, '/api/external/list/task', { apptoken: TOKEN, condition: [['colour', '=', 'red']] });
    expect(response.status).toBe(400);
    expect(response.body.message).toMatch(/list\/task/);
  });
});

describe("infoTaskMode 'not-found'", () => {
  it('answers info/task with 404 while list/task still reports the task', async () => {
    sandbox = await startSandbox({ infoTaskMode: 'not-found', taskTiming: { queuedMs: 0, processingMs: 0 } });
    const id = await startTask('u');
    const info = await taskInfo(sandbox, id);
    expect(info.status).toBe(404);
    expect(info.body).toMatchObject({ code: 404, success: false });
    const listed = await waitFor(async () => {
      const [task] = await listTasks({ condition: [['id', '=', id]] });
      return task?.status === 'completed' && task;
    });
    expect(listed.finish_time).not.toBeNull();
  });
});
