import path from 'node:path';
import type { temporal } from '@temporalio/proto';
import { defaultPayloadConverter } from '@temporalio/common';
import { afterEach, describe, expect, it } from 'vitest';
import { writeSampleFile } from '../../bin/sampleData';
import { startImport, waitForReport } from '../../client/imports';
import type { BatchWorkflowInput, SubmitBatchInput } from '../../common/batch';
import { MAX_FIRST_POLL_DELAY_MS } from '../../common/firstPoll';
import { expectedFromSampleCsv, expectStoreEquals } from '../support/oracle';
import { completedActivities, importHistories } from '../support/history';
import { startTestStack, type TestStack } from '../support/stack';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** Workflow steps of an import that are not a batch's: its start, inspection, plan pages, results, report. */
const FIXED_STEPS = 10;

/**
 * Issue 6: a batch is the import's own submit activity while its tasks end within the submit's
 * watch (one workflow step a batch instead of four), and goes on as its batch workflow only when a
 * task outlasts that watch, or when the import's tasks are known to outlast it.
 */
describe('where a batch runs', () => {
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });

  const run = async (importId: string, rows: number, batchSize: number, concurrency: number) => {
    const current = stack as TestStack;
    const file = path.join(current.dataDir, `${importId}.csv`);
    await writeSampleFile(file, { rows });
    await startImport(current.client, { source: `${importId}.csv`, importId, batchSize, concurrency });
    const report = await waitForReport(current.client, importId);
    const histories = await importHistories(current.client.client, importId);
    const parent = histories.filter((h) => h.workflowId === importId).flatMap((h) => h.events);
    const children = histories.filter((h) => h.workflowId !== importId);
    // The store holds what the file says, row for row.
    expectStoreEquals(current.sandbox, expectedFromSampleCsv(file));
    return { report, parent, children };
  };

  it('tasks that end within the watch: every batch is a submit of the import, named for its batch, and no batch workflow runs', async () => {
    stack = await startTestStack({ sandbox: { taskTiming: { queuedMs: 20, processingMs: 60 } } });
    const { report, parent, children } = await run('paths-quick', 3_000, 100, 2);
    expect(completedActivities(parent, 'checkXtremepushAccess').map((a) => a.result)).toEqual([{ watchesTasks: true }]);
    expect(report.status).toBe('completed');
    expect(report.rows.imported).toBe(3_000);
    expect(children).toEqual([]);
    expect(parent.filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes)).toEqual([]);
    const summaries = submitSummaries(parent);
    expect(summaries).toEqual(Array.from({ length: 30 }, (_v, i) => `batch ${i + 1}: rows ${(i * 100 + 1).toLocaleString('en-US')}-${((i + 1) * 100).toLocaleString('en-US')}`));
    // What a batch costs the import: at most one workflow step (fewer when batches end together);
    // a batch workflow costs two (one when its start is recorded, one when it ends).
    const steps = parent.filter((e) => e.workflowTaskCompletedEventAttributes).length;
    expect(steps).toBeLessThanOrEqual(30 + FIXED_STEPS);
    expect(report.taskIds).toHaveLength(30);
  });

  it('a task that outlasts the watch: its batch workflow takes over from the submit and waits, without posting again', async () => {
    // No hint in the first window: eight looks from the post (about 2 s) cannot see a 3 s task end.
    stack = await startTestStack({ sandbox: { taskTiming: { queuedMs: 1_000, processingMs: 2_000 } } });
    const { report, parent, children } = await run('paths-slow', 1_500, 500, 2);
    expect(report.status).toBe('completed');
    expect(report.rows.imported).toBe(1_500);
    const submits = completedActivities(parent, 'submitBatch').map((s) => s.input as SubmitBatchInput);
    expect(submits.map((input) => input.batch.index).sort()).toEqual([0, 1, 2]);
    // The first window's tasks outlasted the watch: batches 1 and 2 went on as workflows that wait.
    expect(children.map((h) => h.workflowId).sort()).toEqual(['paths-slow/batch-1', 'paths-slow/batch-2']);
    for (const child of children) {
      const input = workflowInput(child.events);
      expect(input.submitted?.requests).toHaveLength(1);
      expect(completedActivities(child.events, 'submitBatch')).toEqual([]);
      expect(completedActivities(child.events, 'awaitImportTask').map((w) => (w.input as { taskId: string }).taskId)).toEqual([input.submitted?.requests[0]?.taskId]);
    }
    // With their times as its hint, the third submit saw its task end: no workflow for batch 3.
    expect(submits[2]?.watchTasks?.firstPollAfterMs).toBeGreaterThan(2_400);
    expect(report.requests).toBe(3);
  }, 60_000);

  it('tasks known to outlast any watch: later batches are batch workflows from the start, which submit themselves', async () => {
    // Tasks of 5.5 s: the hint would be past the longest first wait of a look.
    const taskMs = MAX_FIRST_POLL_DELAY_MS + 500;
    stack = await startTestStack({ sandbox: { taskTiming: { queuedMs: 500, processingMs: taskMs - 500 } } });
    const { report, parent, children } = await run('paths-long', 1_500, 500, 2);
    expect(report.status).toBe('completed');
    expect(report.rows.imported).toBe(1_500);
    expect(completedActivities(parent, 'submitBatch').map((s) => (s.input as SubmitBatchInput).batch.index).sort()).toEqual([0, 1]);
    const third = children.find((h) => h.workflowId === 'paths-long/batch-3');
    expect(third).toBeDefined();
    expect(workflowInput(third?.events ?? []).submitted).toBeUndefined();
    expect(completedActivities(third?.events ?? [], 'submitBatch')).toHaveLength(1);
    expect(report.requests).toBe(3);
  }, 60_000);

  it('task times too uneven for the hint: after a few submits miss their tasks, later batches are batch workflows from the start', async () => {
    // Tasks of 0.3-4.1 s: a watch from the hint (about the median, 2 s) for four looks misses about a third.
    stack = await startTestStack({ sandbox: { taskTiming: { queuedMs: 100, processingMs: [200, 4_000] } } });
    const concurrency = 4;
    const { report, parent, children } = await run('paths-uneven', 3_000, 100, concurrency);
    expect(report.status).toBe('completed');
    expect(report.rows.imported).toBe(3_000);
    const inputs = new Map(children.map((h) => [h.workflowId, workflowInput(h.events)]));
    const fromTheStart = [...inputs.values()].filter((input) => input.submitted === undefined);
    expect(fromTheStart.length).toBeGreaterThan(0);
    // Submits with a hint whose batch went on as a workflow: the third ends it, and at most the
    // others in the window then were already running.
    const hinted = completedActivities(parent, 'submitBatch')
      .map((s) => s.input as SubmitBatchInput)
      .filter((input) => input.watchTasks?.firstPollAfterMs !== undefined);
    const wentOn = hinted.filter((input) => inputs.get(`paths-uneven/batch-${input.batch.index + 1}`)?.submitted !== undefined);
    expect(wentOn.length).toBeGreaterThanOrEqual(3);
    expect(wentOn.length).toBeLessThanOrEqual(3 + concurrency - 1);
    expect(report.requests).toBe(30);
  }, 90_000);

  it('a worker under an API rate limit does not watch, as its access check says: every batch is a workflow that submits itself', async () => {
    stack = await startTestStack({ sandbox: { taskTiming: { queuedMs: 20, processingMs: 60 } }, workerEnv: { XP_IMPORT_API_RATE_LIMIT: '50' } });
    const { report, parent, children } = await run('paths-rate-limited', 2_000, 500, 2);
    expect(report.status).toBe('completed');
    expect(report.rows.imported).toBe(2_000);
    expect(completedActivities(parent, 'checkXtremepushAccess').map((a) => a.result)).toEqual([{ watchesTasks: false }]);
    expect(completedActivities(parent, 'submitBatch')).toEqual([]);
    expect(children.map((h) => h.workflowId).sort()).toEqual(['paths-rate-limited/batch-1', 'paths-rate-limited/batch-2', 'paths-rate-limited/batch-3', 'paths-rate-limited/batch-4']);
    expect(children.filter((h) => completedActivities(h.events, 'submitBatch').length === 1)).toHaveLength(4);
  }, 60_000);
});

function submitSummaries(events: HistoryEvent[]): string[] {
  return events
    .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'submitBatch')
    .map((e) => defaultPayloadConverter.fromPayload<string>(e.userMetadata?.summary as never));
}

function workflowInput(events: HistoryEvent[]): BatchWorkflowInput {
  const payload = events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  return defaultPayloadConverter.fromPayload<BatchWorkflowInput>(payload as never);
}
