import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeSampleFile } from '../../bin/sampleData';
import { getProgress, resolveStuckBatch, startImport, waitForReport } from '../../client/imports';
import type { Progress } from '../../common/progress';
import { until } from '../support/poll';
import { startTestStack } from '../support/stack';
import { spawnWorker, stackAndWorkersPerTest } from '../support/workerProcess';

type Line = Record<string, unknown>;
const linesOf = (log: string): Line[] =>
  log
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Line);

/**
 * What an on-call operator reads in a worker's log at `XP_IMPORT_LOG_LEVEL=WARN` through an
 * incident: requests failing and retried, a task stuck, a batch failed. One batch at a time, so the
 * story is the same on every run: batch 1's requests fail with 500s, then its task is stuck until
 * the operator abandons it, then batch 2's task fails.
 */
describe('the worker log during an incident', () => {
  const perTest = stackAndWorkersPerTest();

  it('names the batch of every retried submit, says which task is stuck and what to do, and why a batch failed; never a task token', async () => {
    const stack = (perTest.stack = await startTestStack({ inProcessWorker: false, sandbox: { faults: { serverError: 1, serverErrorStatuses: [500] } } }));
    await writeSampleFile(path.join(stack.dataDir, 'p.csv'), { rows: 600, seed: 3 });
    const worker = spawnWorker({ ...stack.env, XP_IMPORT_LOG_LEVEL: 'WARN' });
    perTest.workers.push(worker);
    // At WARN the worker does not say it is ready (INFO).
    worker.ready.catch(() => undefined);
    const { importId } = await startImport(stack.client, {
      source: 'p.csv',
      importId: 'incident-log',
      batchSize: 200,
      concurrency: 1,
      tuning: { stuckAfterMs: 3_000, maxTaskResubmits: 0 },
    });
    const answered500 = () => stack.sandbox.requestLog().filter((r) => r.status === 500).length;
    await until(() => Promise.resolve(answered500()), (n) => n >= 2, 60_000, 50);
    // The API recovers, but task 1 (batch 1's) stays running, and the task of the batch holding row u00000250 (batch 2) fails.
    stack.sandbox.configure({ stuckTaskIds: [1], failTasksContaining: ['u00000250'] });
    const stuck = await until(() => getProgress(stack.client, importId), (p: Progress) => p.batches.stuck === 1, 60_000);
    expect(stuck.batches.stuckBatches).toEqual([1]);
    await until(() => Promise.resolve(linesOf(worker.log())), (lines) => lines.some((l) => l.message === 'batch stuck'), 10_000, 50);
    await resolveStuckBatch(stack.client, importId, 1, 'abandon');
    const report = await waitForReport(stack.client, importId);
    expect(report.batches).toEqual({ total: 3, succeeded: 1, failed: 2 });
    await until(() => Promise.resolve(linesOf(worker.log())), (lines) => lines.some((l) => l.message === 'import finished'), 10_000, 50);
    const lines = linesOf(worker.log());

    // Before, these named the import and a sequence number ("activityId": "3"), not the batch.
    const retried = lines.filter((l) => l.message === 'Activity failed' && l.activityType === 'submitBatch');
    expect(retried.length).toBeGreaterThanOrEqual(2);
    for (const line of retried) expect(line.batch).toBe(1);
    // Before, nothing was logged when a task was reported stuck.
    expect(lines.filter((l) => l.message === 'batch stuck')).toEqual([
      expect.objectContaining({ level: 'WARN', importId, batch: 1, taskIds: ['1'], todo: `xp-import resolve ${importId} 1 resubmit (or abandon)` }),
    ]);
    // Before, a failed batch was an INFO line with its failure code alone, so a WARN log said nothing of it.
    const failed = lines.filter((l) => l.batch === 2 && l.level === 'WARN' && (l.message === 'batch finished' || l.message === 'batch failed'));
    expect(failed.length).toBeGreaterThan(0);
    expect(failed[0]).toMatchObject({ taskIds: [expect.any(String)], failure: { code: 'TaskFailed', message: expect.stringMatching(/^batch 2: rows 201-400: .*failed/) as string } });
    expect(lines.find((l) => l.message === 'import finished')).toMatchObject({ level: 'WARN', importId, status: 'completed_with_rejections' });
    // A task token lets whoever holds it complete or fail the activity.
    expect(lines.filter((l) => 'taskToken' in l)).toEqual([]);
  }, 180_000);
});
