import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeSampleFile } from '../../bin/sampleData';
import { cancelImport, getProgress, resolveStuckBatch, startImport, waitForReport } from '../../client/imports';
import type { Progress } from '../../common/progress';
import { runsOf } from '../support/history';
import { until } from '../support/poll';
import { startTestStack, type TestStack } from '../support/stack';

/** What an operator sees of an import while one run of it hands on to the next (continue-as-new). */
describe('an import over several runs', () => {
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });

  it('RowsImported shows the rows of the runs before, though each run is shorter than the search attributes update', async () => {
    stack = await startTestStack({ sandbox: { faults: { latencyMs: 300 } } });
    await writeSampleFile(path.join(stack.dataDir, 'short-runs.csv'), { rows: 1_000 });
    const { importId } = await startImport(stack.client, { source: 'short-runs.csv', batchSize: 100, concurrency: 1, tuning: { maxBatchesPerRun: 2 } });
    const handle = stack.client.client.workflow.getHandle(importId);
    const firstRun = (await handle.describe()).runId;
    // The second run has begun: the first imported its two batches.
    const secondRun = await until(() => handle.describe(), (d) => d.runId !== firstRun, 60_000, 50);
    expect(secondRun.searchAttributes.ImportStatus).toEqual(['Running']);
    expect(secondRun.searchAttributes.RowsImported).toEqual([200]);
    const report = await waitForReport(stack.client, importId);
    expect(report.rows.imported).toBe(1_000);
  }, 120_000);

  /**
   * Six batches of 200 in runs of two, two at a time; batch 1's task (task 1) does not end until
   * the test lets it. Its batch workflow goes on beside the later runs, holding one place of the
   * window: the other place carries the five other batches through, as within one run.
   */
  const startWithALongTask = async (name: string, stuckAfterMs: number) => {
    stack = await startTestStack({ sandbox: { faults: { stuckTaskIds: [1] } } });
    await writeSampleFile(path.join(stack.dataDir, `${name}.csv`), { rows: 1_200 });
    const { importId } = await startImport(stack.client, { source: `${name}.csv`, batchSize: 200, concurrency: 2, tuning: { maxBatchesPerRun: 2, stuckAfterMs } });
    const progress = await until(() => getProgress(stack!.client, importId), (p: Progress) => p.batches.done === 5, 60_000, 100);
    return { importId, progress, importRequests: () => stack!.sandbox.requestLog().filter((r) => r.method === 'import/profile') };
  };

  it('a batch whose task outlasts its run holds one place of the window in the next runs, not the whole import', async () => {
    const { importId, progress, importRequests } = await startWithALongTask('long-task', 600_000);
    expect({ done: progress.batches.done, inFlight: progress.batches.inFlight, requests: importRequests().length }).toEqual({ done: 5, inFlight: 1, requests: 6 });
    expect((await runsOf(stack!.client.client, importId)).length).toBeGreaterThanOrEqual(3);
    stack!.sandbox.configure({});
    const report = await waitForReport(stack!.client, importId);
    expect(report.rows).toEqual({ total: 1_200, imported: 1_200, rejected: 0, skipped: 0, superseded: 0 });
    // Known to the first run only (its inspection), and carried to the last, which writes the report.
    expect(report.blankLines).toBe(0);
    expect(report.requests).toBe(6);
    expect(importRequests()).toHaveLength(6);
  }, 120_000);

  it('a stuck batch handed on is still shown stuck, and an operator resolves it in a later run', async () => {
    const { importId } = await startWithALongTask('handed-stuck', 2_000);
    const stuck = await until(() => getProgress(stack!.client, importId), (p: Progress) => p.batches.stuck === 1, 60_000, 100);
    expect(stuck.batches.stuckBatches).toEqual([1]);
    await resolveStuckBatch(stack!.client, importId, 1, 'abandon');
    const report = await waitForReport(stack!.client, importId);
    expect(report.rows).toEqual({ total: 1_200, imported: 1_000, rejected: 0, skipped: 200, superseded: 0 });
    expect(report.failedBatches.map((b) => ({ batch: b.batch, status: b.status, code: b.failure?.code }))).toEqual([{ batch: 1, status: 'abandoned', code: 'TaskStuck' }]);
  }, 120_000);

  it('cancel --abandon reaches a batch handed on by an earlier run: the import ends and its report names the task', async () => {
    const { importId } = await startWithALongTask('handed-abandon', 600_000);
    await cancelImport(stack!.client, importId, 'abandon');
    const report = await waitForReport(stack!.client, importId);
    expect(report.status).toBe('cancelled');
    expect(report.rows).toEqual({ total: 1_200, imported: 1_000, rejected: 0, skipped: 200, superseded: 0 });
    expect(report.taskIds).toContain('1');
    expect(report.failedBatches[0]?.failure?.message).toMatch(/while waiting for task 1; its rows may still be applied/);
  }, 120_000);
});
