import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../../sandbox';
import { importProfiles, taskInfo, userRows, waitFor } from './support';

const TIMING = { queuedMs: 10, processingMs: 30 };

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ taskTiming: TIMING });
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(() => {
  sandbox.configure({});
  sandbox.reset();
});

async function startTask(prefix: string): Promise<number> {
  const response = await importProfiles(sandbox, ['user_id', 'first_name'], userRows(prefix, 100));
  expect(response.status).toBe(202);
  return response.body.model?.id as number;
}

async function statusOf(id: number): Promise<unknown> {
  return (await taskInfo(sandbox, id)).body.model?.status;
}

/** Long enough for an unheld task to have finished several times over. */
function pause(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, (TIMING.queuedMs + TIMING.processingMs) * 5));
}

describe('task faults', () => {
  it('fails tasks at taskFailRate, with a finish time and no rows applied', async () => {
    sandbox.configure({ taskFailRate: 1 });
    const id = await startTask('u');
    await waitFor(async () => (await statusOf(id)) === 'failed');
    expect((await taskInfo(sandbox, id)).body.model?.finish_time).not.toBeNull();
    expect(sandbox.stats().rowsApplied).toBe(0);
    expect(sandbox.profiles().size).toBe(0);
    expect(sandbox.stats().tasks.failed).toBe(1);
  });

  it('holds tasks in processing at stuckTaskRate until a config no longer asks for it', async () => {
    sandbox.configure({ stuckTaskRate: 1 });
    const id = await startTask('u');
    await waitFor(() => sandbox.tasks()[0]?.stuck);
    await pause();
    expect(await statusOf(id)).toBe('processing');
    expect(sandbox.stats().rowsApplied).toBe(0);

    sandbox.configure({});
    await waitFor(async () => (await statusOf(id)) === 'completed');
    expect(sandbox.stats().rowsApplied).toBe(100);
  });

  it('holds exactly the tasks named in stuckTaskIds', async () => {
    const first = await startTask('a');
    sandbox.configure({ stuckTaskIds: [first + 1] });
    const second = await startTask('b');
    await waitFor(async () => (await statusOf(first)) === 'completed');
    await waitFor(() => sandbox.tasks().find((task) => task.id === second)?.stuck);
    await pause();
    expect(await statusOf(second)).toBe('processing');

    sandbox.configure({ stuckTaskIds: [] });
    await waitFor(async () => (await statusOf(second)) === 'completed');
    expect(sandbox.profiles().size).toBe(200);
  });

  it('fails every task whose rows include an identity in failTasksContaining', async () => {
    sandbox.configure({ failTasksContaining: ['b57'] });
    const kept = await startTask('a');
    const failed = await startTask('b');
    await waitFor(async () => (await statusOf(kept)) === 'completed' && (await statusOf(failed)) === 'failed');
    const keys = [...sandbox.profiles().keys()];
    expect(keys).toHaveLength(100);
    expect(keys.every((key) => key.startsWith('user_id:a'))).toBe(true);
  });

  it('answers 400 "Invalid rows" naming the rows with rejected identities, and applies nothing', async () => {
    sandbox.configure({ rejectIdentities: ['u3', 'u7'] });
    const response = await importProfiles(sandbox, ['user_id', 'first_name'], userRows('u', 10));
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ success: false, code: 400, message: 'Invalid rows' });
    expect(response.body.errors).toEqual([
      { row: 3, message: expect.any(String) as unknown },
      { row: 7, message: expect.any(String) as unknown },
    ]);
    expect(sandbox.profiles().size).toBe(0);
    expect(sandbox.requestLog()[0]?.outcome).toBe('fault:rejectIdentities');
  });
});
