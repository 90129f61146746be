import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeSampleFile } from '../../bin/sampleData';
import { cancelImport, getProgress, getReport, startImport } from '../../client/imports';
import { until } from '../support/poll';
import { startTestStack, type TestStack } from '../support/stack';

async function describeImport(stack: TestStack, importId: string) {
  const d = await stack.client.client.workflow.getHandle(importId).describe();
  return { status: d.status.name, importStatus: d.searchAttributes?.ImportStatus, runId: d.runId };
}

/**
 * A cancel that lands after the import's loop has ended: while it records batch results
 * before continuing as new, or while it finishes (records results, writes the report). The results
 * folder is made unwritable for a while (a file in its place) so that the window is seconds wide;
 * the same window is a few tens of ms with a healthy disk.
 */
describe('a cancel as the import ends still leaves a report', () => {
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });

  it.each([
    ['before continuing as new: it ends cancelled, the batch not started skipped', { maxBatchesPerRun: 1 }, 'CANCELLED', 'Cancelled', 'cancelled'],
    ['while finishing: every batch had ended, so it ends completed', {}, 'COMPLETED', 'Completed', 'completed'],
  ] as const)('a cancel %s', async (_when, tuning, workflowStatus, importStatus, reportStatus) => {
    stack = await startTestStack();
    const importId = `end-cancel-${Object.keys(tuning).length}`;
    await writeSampleFile(path.join(stack.dataDir, `${importId}.csv`), { rows: 'maxBatchesPerRun' in tuning ? 1_000 : 500 });
    // The results folder cannot be made while a file has its name: recordBatchResults fails and is retried.
    const results = path.join(stack.reportDir, importId, 'results');
    await mkdir(path.dirname(results), { recursive: true });
    await writeFile(results, 'not a folder');
    await startImport(stack.client, { source: `${importId}.csv`, importId, batchSize: 500, concurrency: 1, tuning });
    await until(() => getProgress(stack!.client, importId), (p) => p.batches.done >= 1, 60_000, 50);
    await new Promise((r) => setTimeout(r, 1_500));
    await cancelImport(stack.client, importId);
    await new Promise((r) => setTimeout(r, 500));
    await rm(results);
    await until(() => describeImport(stack!, importId), (d) => d.status !== 'RUNNING', 60_000, 200);
    const described = await describeImport(stack, importId);
    const report = await getReport(stack.client, importId);
    expect(described.status).toBe(workflowStatus);
    expect(described.importStatus).toEqual([importStatus]);
    expect(report?.status).toBe(reportStatus);
    expect(report!.rows).toEqual({ total: report!.rows.total, imported: reportStatus === 'completed' ? report!.rows.total : 500, rejected: 0, skipped: reportStatus === 'completed' ? 0 : 500, superseded: 0 });
  }, 120_000);

  // Without any fault: the cancel is sent as soon as a query shows the import finishing.
  it('cancel sent the moment the progress shows "finishing" (no fault): the import still ends with a report', async () => {
    stack = await startTestStack();
    const outcomes: string[] = [];
    for (let i = 0; i < 3; i++) {
      const importId = `finishing-${i}`;
      // Many rejected rows: writeReport merges the rejects, which keeps the finish phase a little longer.
      const rows = Array.from({ length: 20_000 }, (_, r) => `u${i}-${r},${r % 2 === 0 ? `p${r}@example.com` : `not-an-email-${r}`},1`);
      await writeFile(path.join(stack.dataDir, `${importId}.csv`), `user_id,email,email_subscription\n${rows.join('\n')}\n`);
      await startImport(stack.client, { source: `${importId}.csv`, importId, batchSize: 5_000, concurrency: 4 });
      const seen = await until(() => getProgress(stack!.client, importId), (p) => p.phase === 'finishing', 60_000, 5).catch(() => undefined);
      if (seen) await cancelImport(stack.client, importId).catch(() => undefined);
      await until(() => describeImport(stack!, importId), (d) => d.status !== 'RUNNING', 60_000, 200);
      const described = await describeImport(stack, importId);
      const report = await getReport(stack.client, importId);
      outcomes.push(`${described.status}/${String(described.importStatus)}/${report === null ? 'NO REPORT' : `${report.status} ${report.failure?.message ?? ''}`}`);
    }
    expect(outcomes.filter((o) => o.includes('NO REPORT'))).toEqual([]);
  }, 180_000);
});
