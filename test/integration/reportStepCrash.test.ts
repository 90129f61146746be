import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startImport, waitForReport } from '../../client/imports';
import { until } from '../support/poll';
import { startTestStack, type TestStack } from '../support/stack';
import { spawnWorker, stackAndWorkersPerTest, type WorkerProcess } from '../support/workerProcess';

/** temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED */
const STARTED = 2;

/**
 * SIGKILLs `worker` while it holds the import's activity `name`: the worker is frozen (SIGSTOP)
 * for each look at the workflow, so what a look sees is what the worker holds when it is killed.
 */
async function killWhileRunning(stack: TestStack, importId: string, worker: WorkerProcess, name: string): Promise<void> {
  const handle = stack.client.client.workflow.getHandle(importId);
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    worker.kill('SIGSTOP');
    const { raw } = await handle.describe();
    if ((raw.pendingActivities ?? []).some((a) => a.activityType?.name === name && Number(a.state) === STARTED)) {
      worker.kill('SIGKILL');
      await worker.exited;
      return;
    }
    worker.kill('SIGCONT');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  throw new Error(`${name} was never seen running`);
}

describe('a worker killed while the import writes its report', () => {
  const perTest = stackAndWorkersPerTest();
  const startWorker = async (stack: TestStack) => {
    const worker = spawnWorker(stack.env);
    perTest.workers.push(worker);
    await worker.ready;
    return worker;
  };

  it('another worker writes it within the heartbeat timeout, not after the step\'s 5 minutes', async () => {
    const stack = (perTest.stack = await startTestStack({ inProcessWorker: false }));
    const lines = ['user_id,first_name'];
    for (let row = 1; row <= 400; row++) lines.push(row % 50 === 0 ? `,no identity ${row}` : `u${row},n${row}`);
    await writeFile(path.join(stack.dataDir, 'report-kill.csv'), `${lines.join('\n')}\n`);
    const first = await startWorker(stack);
    const { importId } = await startImport(stack.client, { source: 'report-kill.csv', importId: 'report-kill', batchSize: 100, concurrency: 2 });
    await until(() => Promise.resolve(stack.sandbox.stats().rowsApplied), (n) => n >= 392, 60_000, 20);
    await killWhileRunning(stack, importId, first, 'writeReport');
    await startWorker(stack);
    const restarted = Date.now();
    const report = await waitForReport(stack.client, importId);

    expect(report.rows).toEqual({ total: 400, imported: 392, rejected: 8, skipped: 0, superseded: 0 });
    // Found by a crash soak: 299 s. The heartbeat timeout is 15 s.
    expect((Date.now() - restarted) / 1000).toBeLessThan(40);
  }, 120_000);
});
