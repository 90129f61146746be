import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeSampleFile } from '../../bin/sampleData';
import { startImport, waitForReport } from '../../client/imports';
import { completedActivities, importHistories } from '../support/history';
import { startTestStack, type TestStack } from '../support/stack';

/** Issue 6: what comes before an import's first batch is kept short (bench (b) counts it). */
describe('the start of an import', () => {
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });

  it('checks the token while it inspects, which plans the first page too: the first batches start with no planning step', async () => {
    stack = await startTestStack();
    await writeSampleFile(path.join(stack.dataDir, 'p.csv'), { rows: 1_500 });
    const { importId } = await startImport(stack.client, { source: 'p.csv', importId: 'start-up', batchSize: 100, concurrency: 3 });
    const report = await waitForReport(stack.client, importId);
    expect(report.status).toBe('completed');
    expect(report.rows.imported).toBe(1_500);

    const parent = (await importHistories(stack.client.client, importId)).find((h) => h.workflowId === importId);
    const events = parent?.events ?? [];
    const typeOf = (scheduledId: unknown) => events.find((s) => String(s.eventId) === String(scheduledId))?.activityTaskScheduledEventAttributes?.activityType?.name;
    const eventOf = (type: string, kind: 'scheduled' | 'completed') =>
      events.findIndex((e) =>
        kind === 'scheduled' ? e.activityTaskScheduledEventAttributes?.activityType?.name === type : typeOf(e.activityTaskCompletedEventAttributes?.scheduledEventId) === type,
      );
    // Both were asked for before the inspection answered.
    expect(eventOf('checkXtremepushAccess', 'scheduled')).toBeGreaterThan(-1);
    expect(eventOf('checkXtremepushAccess', 'scheduled')).toBeLessThan(eventOf('inspectSource', 'completed'));

    // The inspection's page: three windows of three. The other six batches come in a page of their own.
    const [inspection] = completedActivities(events, 'inspectSource').map((a) => a.result as { firstPage?: { batches: unknown[] } });
    expect(inspection?.firstPage?.batches).toHaveLength(9);
    const pages = completedActivities(events, 'planBatches').map((p) => (p.result as { batches: unknown[] }).batches.length);
    expect(pages).toEqual([6]);
    // The first batch started straight after the inspection, long before any page was planned.
    const firstBatch = events.findIndex((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'submitBatch' || e.startChildWorkflowExecutionInitiatedEventAttributes);
    expect(firstBatch).toBeGreaterThan(eventOf('inspectSource', 'completed'));
    expect(firstBatch).toBeLessThan(eventOf('planBatches', 'scheduled'));
  });

  it('reports the file, not the token, when the file is bad and the token wrong', async () => {
    stack = await startTestStack({ workerEnv: { XTREMEPUSH_APPTOKEN: 'wrong-token' } });
    await writeFile(path.join(stack.dataDir, 'no-id.csv'), 'email,email_subscription\na@example.com,1\n');
    const { importId } = await startImport(stack.client, { source: 'no-id.csv', importId: 'start-up-both-bad' });
    const report = await waitForReport(stack.client, importId);
    expect(report.status).toBe('failed');
    expect(report.failure?.code).toBe('MappingError');
    expect(stack.sandbox.stats().requests['import/profile'] ?? 0).toBe(0);
  });

  it('fails on a wrong token with a good file, before any row is sent', async () => {
    stack = await startTestStack({ workerEnv: { XTREMEPUSH_APPTOKEN: 'wrong-token' } });
    await writeSampleFile(path.join(stack.dataDir, 'ok.csv'), { rows: 500 });
    const { importId } = await startImport(stack.client, { source: 'ok.csv', importId: 'start-up-token', batchSize: 100 });
    const report = await waitForReport(stack.client, importId);
    expect(report.status).toBe('failed');
    expect(report.failure?.message).toMatch(/XTREMEPUSH_APPTOKEN/);
    expect(stack.sandbox.stats().requests['import/profile'] ?? 0).toBe(0);
  });
});
