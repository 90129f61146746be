import { statSync } from 'node:fs';
import path from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import { afterEach, describe, expect, it } from 'vitest';
import { writeSampleFile } from '../../bin/sampleData';
import { startImport, waitForReport } from '../../client/imports';
import type { BatchWorkflowInput, SubmitBatchInput } from '../../common/batch';
import { completedActivities, importHistories } from '../support/history';
import { startTestStack, type TestStack } from '../support/stack';

/**
 * Issue 6: a batch names the batch `concurrency` places on, so its worker builds that one while the
 * task runs. The plan comes in pages; a batch started near a page's end must still name one.
 */
describe('plan pages', () => {
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });

  /**
   * Imports 2,000 rows in 20 batches of 100, two at a time, 300 ms a request (a batch takes over a
   * second, a page of batches a few milliseconds), and answers the import's history with the
   * sizes of its first page (from the inspection) and of the pages planned after it.
   */
  async function importedInPages(name: string, bytesPerPlanPage?: (bytesPerBatch: number) => number) {
    stack = await startTestStack({ sandbox: { faults: { latencyMs: 300 } } });
    const file = path.join(stack.dataDir, `${name}.csv`);
    await writeSampleFile(file, { rows: 2_000 });
    const tuning = bytesPerPlanPage ? { tuning: { bytesPerPlanPage: bytesPerPlanPage(statSync(file).size / batches) } } : {};
    const { importId } = await startImport(stack.client, { source: `${name}.csv`, importId: name, batchSize: 100, concurrency, ...tuning });
    const report = await waitForReport(stack.client, importId);
    expect(report.status).toBe('completed');
    expect(report.rows.imported).toBe(2_000);
    const parent = (await importHistories(stack.client.client, importId)).find((h) => h.workflowId === importId);
    const events = parent?.events ?? [];
    const [inspection] = completedActivities(events, 'inspectSource').map((a) => a.result as { firstPage?: { batches: unknown[] } });
    const pages = completedActivities(events, 'planBatches').map((p) => (p.result as { batches: unknown[] }).batches.length);
    return { events, firstPage: inspection?.firstPage?.batches.length, pages };
  }
  const batches = 20;
  const concurrency = 2;

  it('every batch but the last window names the batch to build ahead, across page ends', async () => {
    const { events, firstPage, pages } = await importedInPages('plan-pages', (bytesPerBatch) => Math.floor(bytesPerBatch * 4.5));
    // The first page comes with the inspection: the window (2) and as many more as fit in a page's bytes.
    expect(firstPage).toBe(4);
    expect(pages).toEqual([4, 4, 4, 4]);

    const named = new Map<number, number | undefined>();
    // A batch starts as the import's submit (the hint is its prepareNext) or, when its tasks are
    // known to outlast a submit's watch, as its batch workflow (the hint is its input's next).
    for (const event of events) {
      const child = event.startChildWorkflowExecutionInitiatedEventAttributes?.input?.payloads?.[0];
      if (child) {
        const input = defaultPayloadConverter.fromPayload<BatchWorkflowInput>(child);
        if (!input.submitted) named.set(input.batch.index, input.next?.index);
      }
      const scheduled = event.activityTaskScheduledEventAttributes;
      const submit = scheduled?.activityType?.name === 'submitBatch' ? scheduled.input?.payloads?.[0] : undefined;
      if (submit) {
        const input = defaultPayloadConverter.fromPayload<SubmitBatchInput>(submit);
        named.set(input.batch.index, input.prepareNext?.index);
      }
    }
    expect(named.size).toBe(batches);
    for (const [index, next] of named) {
      expect({ index, next }).toEqual({ index, next: index + concurrency < batches ? index + concurrency : undefined });
    }
  });

  it('the second page is asked for once the first window has a batch back, not while it is posted', async () => {
    const { events, firstPage, pages } = await importedInPages('later-page');
    // Three windows of two: the rest of the file (14 batches) in one page of planBatches.
    expect(firstPage).toBe(6);
    expect(pages).toEqual([14]);
    const scheduledNames = new Map<string, string>();
    let firstBatchBack = -1;
    let pageAsked = -1;
    for (const [i, event] of events.entries()) {
      const scheduled = event.activityTaskScheduledEventAttributes;
      if (scheduled) scheduledNames.set(String(event.eventId), scheduled.activityType?.name ?? '');
      if (scheduled?.activityType?.name === 'planBatches' && pageAsked < 0) pageAsked = i;
      const done = event.activityTaskCompletedEventAttributes ?? event.childWorkflowExecutionCompletedEventAttributes;
      const name = event.activityTaskCompletedEventAttributes ? scheduledNames.get(String(event.activityTaskCompletedEventAttributes.scheduledEventId)) : 'child';
      if (done && (name === 'submitBatch' || name === 'child') && firstBatchBack < 0) firstBatchBack = i;
    }
    expect(firstBatchBack).toBeGreaterThan(0);
    expect(pageAsked).toBeGreaterThan(firstBatchBack);
  });
});
