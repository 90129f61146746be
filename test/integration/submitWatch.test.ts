import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeSampleFile } from '../../bin/sampleData';
import { startImport, waitForReport } from '../../client/imports';
import type { AwaitTaskInput, SubmitBatchInput, SubmitBatchResult } from '../../common/batch';
import { DENSE_POLLS, pollDelayMs } from '../../activities/awaitTask';
import { SUBMIT_WATCH_LOOKS } from '../../activities/submit/submitBatch';
import { MAX_LOOK_GAP_MS, MIN_LOOK_GAP_MS } from '../../common/firstPoll';
import { completedActivities, importHistories } from '../support/history';
import { startTestStack, type TestStack } from '../support/stack';

/** Issue 6: a task that ends soon is seen by the submit that posted it, with no wait step of its own. */
describe('the submit watches the tasks it posted', () => {
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });

  const importOf = async (rows: number, importId: string) => {
    const current = stack as TestStack;
    await writeSampleFile(path.join(current.dataDir, `${importId}.csv`), { rows });
    await startImport(current.client, { source: `${importId}.csv`, importId, batchSize: 500, concurrency: 2 });
    const report = await waitForReport(current.client, importId);
    const histories = await importHistories(current.client.client, importId);
    const submits = histories.flatMap((h) => completedActivities(h.events, 'submitBatch'));
    const waits = histories.flatMap((h) => completedActivities(h.events, 'awaitImportTask'));
    return {
      report,
      inputs: submits.map((s) => s.input as SubmitBatchInput),
      results: submits.map((s) => s.result as SubmitBatchResult),
      waits: waits.map((w) => w.input as AwaitTaskInput),
    };
  };

  it('tasks that end within its looks: every outcome comes with the submit, and no batch schedules a wait', async () => {
    stack = await startTestStack({ sandbox: { taskTiming: { queuedMs: 20, processingMs: 60 } } });
    const { report, inputs, results, waits } = await importOf(2_000, 'watch-quick');
    expect(report.status).toBe('completed');
    expect(report.rows.imported).toBe(2_000);
    expect(inputs.every((input) => input.watchTasks !== undefined)).toBe(true);
    expect(results.flatMap((r) => r.taskOutcomes ?? []).map((o) => o.taskId).sort()).toEqual([...report.taskIds].sort());
    expect(waits).toEqual([]);
  });

  it('without a hint, the first window looks as long as a wait would: a 1.2 s task is seen by its submit', async () => {
    // Four looks from the post span 0.75 s and would miss these tasks; DENSE_POLLS looks span 1.75 s.
    const spanMs = (looks: number) => Array.from({ length: looks - 1 }, (_v, i) => pollDelayMs(i + 1)).reduce((a, b) => a + b, 0);
    expect(spanMs(SUBMIT_WATCH_LOOKS)).toBeLessThan(1_200);
    expect(spanMs(DENSE_POLLS)).toBeGreaterThan(1_500);
    stack = await startTestStack({ sandbox: { taskTiming: { queuedMs: 400, processingMs: 800 } } });
    const { report, inputs, results, waits } = await importOf(1_000, 'watch-first-window');
    expect(report.rows.imported).toBe(1_000);
    expect(inputs.every((input) => !input.watchTasks?.firstPollAfterMs)).toBe(true);
    expect(results.flatMap((r) => r.taskOutcomes ?? []).map((o) => o.status)).toEqual(['completed', 'completed']);
    expect(waits).toEqual([]);
  });

  it('a task that outlasts its looks is waited for at once, not after the hint again; with a hint, the submit sees it end', async () => {
    // No look of a submit without a hint can see a 3 s task end: DENSE_POLLS looks span about two seconds.
    expect(DENSE_POLLS * 300).toBeLessThan(3_000);
    stack = await startTestStack({ sandbox: { taskTiming: { queuedMs: 1_000, processingMs: 2_000 } } });
    const { report, inputs, results, waits } = await importOf(1_500, 'watch-slow');
    expect(report.status).toBe('completed');
    expect(report.rows.imported).toBe(1_500);
    // The first window (two batches) has no hint yet: its tasks are left to waits that look at once.
    const firstWindow = results.filter((_r, i) => !inputs[i]?.watchTasks?.firstPollAfterMs);
    expect(firstWindow).toHaveLength(2);
    expect(firstWindow.every((r) => r.watchedMs !== undefined && r.watchedMs > 0 && r.taskOutcomes === undefined)).toBe(true);
    expect(waits.map((w) => w.taskId).sort()).toEqual(firstWindow.flatMap((r) => r.requests.map((q) => q.taskId)).sort());
    expect(waits.every((w) => !w.firstPollAfterMs)).toBe(true);
    // The third batch starts with a hint from the first tasks' whole time (counted from their posts,
    // watch included): its submit looks late enough to see its task end.
    const hinted = results.filter((_r, i) => (inputs[i]?.watchTasks?.firstPollAfterMs ?? 0) > 2_400);
    expect(hinted).toHaveLength(1);
    expect(hinted[0]?.taskOutcomes?.map((o) => o.status)).toEqual(['completed']);
  }, 60_000);

  it('tasks that keep time are looked at with a finer gap once a few have ended', async () => {
    stack = await startTestStack({ sandbox: { taskTiming: { queuedMs: 150, processingMs: 350 } } });
    const { report, inputs, results } = await importOf(10_000, 'watch-even-tasks');
    expect(report.rows.imported).toBe(10_000);
    const byIndex = inputs.map((input, i) => ({ index: input.batch.index, watch: input.watchTasks, seen: results[i]?.taskOutcomes?.length ?? 0 })).sort((a, b) => a.index - b.index);
    expect(byIndex).toHaveLength(20);
    // The first window has no hint; with too few tasks to judge, the next ones keep the widest gap.
    expect(byIndex.slice(0, 2).every((b) => !b.watch?.firstPollAfterMs && b.watch?.lookGapMs === undefined)).toBe(true);
    expect(byIndex[2]?.watch?.lookGapMs).toBe(MAX_LOOK_GAP_MS);
    // Tasks of 500 ms to the timer: their waits spread over about one gap, so the gap narrows.
    const gaps = byIndex.slice(10).map((b) => b.watch?.lookGapMs ?? MAX_LOOK_GAP_MS);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(MIN_LOOK_GAP_MS);
    expect(Math.min(...gaps)).toBeLessThan(MAX_LOOK_GAP_MS);
    // And they are still seen by their submits.
    expect(byIndex.slice(10).every((b) => b.seen === 1)).toBe(true);
  }, 60_000);

  it('a run that continues as new hands on how long tasks took: its first window looks when they are due', async () => {
    stack = await startTestStack({ sandbox: { taskTiming: { queuedMs: 300, processingMs: 900 } } });
    await writeSampleFile(path.join(stack.dataDir, 'runs.csv'), { rows: 1_000 });
    // Two batches a run: the second run starts with batches 3 and 4, a whole window.
    await startImport(stack.client, { source: 'runs.csv', importId: 'watch-runs', batchSize: 250, concurrency: 2, tuning: { maxBatchesPerRun: 2 } });
    const report = await waitForReport(stack.client, 'watch-runs');
    expect(report.rows.imported).toBe(1_000);
    const histories = await importHistories(stack.client.client, 'watch-runs');
    expect(histories.filter((h) => h.workflowId === 'watch-runs')).toHaveLength(2);
    const hints = new Map(
      histories
        .flatMap((h) => completedActivities(h.events, 'submitBatch'))
        .map((s) => s.input as SubmitBatchInput)
        .map((input) => [input.batch.index, input.watchTasks?.firstPollAfterMs ?? 0]),
    );
    expect(hints.size).toBe(4);
    // The first run's first window has nothing to go on; the second run's has its tasks' 1.2 s.
    expect([hints.get(0), hints.get(1)]).toEqual([0, 0]);
    expect(hints.get(2)).toBeGreaterThan(600);
    expect(hints.get(3)).toBeGreaterThan(600);
  }, 60_000);

  it('under an API rate limit it looks at nothing: every look stays an activity start of its own', async () => {
    stack = await startTestStack({ sandbox: { taskTiming: { queuedMs: 20, processingMs: 60 } }, workerEnv: { XP_IMPORT_API_RATE_LIMIT: '50' } });
    // Nor does it take activities eagerly: the server's task-queue limit would not count them.
    expect(stack.worker?.worker.options.maxEagerActivityReservationsPerWorkflowTask).toBe(0);
    const { report, results, waits } = await importOf(1_000, 'watch-rate-limited');
    expect(report.status).toBe('completed');
    expect(results.every((r) => r.watchedMs === undefined && r.taskOutcomes === undefined)).toBe(true);
    expect(waits.map((w) => w.taskId).sort()).toEqual([...report.taskIds].sort());
  });
});
