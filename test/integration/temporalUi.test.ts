import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { writeSampleFile } from '../../bin/sampleData';
import { getProgress, startImport, waitForReport } from '../../client/imports';
import type { SubmitBatchResult } from '../../common/batch';
import type { Progress } from '../../common/progress';
import { findTemporalBinary } from '../../workers/temporalBinary';
import { completedActivities, importHistories } from '../support/history';
import { until } from '../support/poll';
import { startTestStack, type TestStack } from '../support/stack';

const ARTIFACTS = path.resolve(__dirname, '../artifacts');

function temporalCli(args: string[]): string {
  const binary = findTemporalBinary();
  if (!binary) throw new Error('no temporal binary (the global setup builds one)');
  const result = spawnSync(binary, [...args, '--address', inject('temporalAddress'), '--namespace', 'default'], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`temporal ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

/** Issue 5: imports are findable and readable in the Temporal UI and with the temporal CLI. */
describe('an import in the Temporal UI', () => {
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });

  it('is found by its search attributes, carries summaries, and its UI page shows them', async () => {
    stack = await startTestStack({ sandbox: { faults: { latencyMs: 300 } } });
    await writeSampleFile(path.join(stack.dataDir, 'ui.csv'), { rows: 6_000 });
    const importId = `ui-${Date.now()}`;
    await startImport(stack.client, { source: 'ui.csv', importId, batchSize: 1_000, concurrency: 2 });
    await until(() => getProgress(stack!.client, importId), (p: Progress) => p.batches.done >= 1);

    const running = JSON.parse(temporalCli(['workflow', 'list', '--query', `ImportStatus='Running' AND WorkflowId='${importId}'`, '-o', 'json'])) as Array<{
      execution: { workflowId: string };
    }>;
    expect(running.map((w) => w.execution.workflowId)).toEqual([importId]);

    const report = await waitForReport(stack.client, importId);
    expect(report.status).toBe('completed');
    const done = JSON.parse(temporalCli(['workflow', 'list', '--query', `ImportStatus='Completed' AND RowsImported=6000 AND WorkflowId='${importId}'`, '-o', 'json'])) as unknown[];
    expect(done).toHaveLength(1);

    // Summaries: the import's static summary, one per batch workflow, and one per activity naming its task.
    const histories = await importHistories(stack.client.client, importId);
    const summaries = histories.flatMap((h) => h.events.map((e) => e.userMetadata?.summary?.data).filter((d) => d)).map((d) => JSON.parse(Buffer.from(d as Uint8Array).toString()) as string);
    expect(summaries).toContain('Import ui.csv (csv): batches of 1000, concurrency 2');
    for (let n = 1; n <= 6; n++) expect(summaries).toContain(`batch ${n}: rows ${((n - 1) * 1000 + 1).toLocaleString('en-US')}-${(n * 1000).toLocaleString('en-US')}`);
    // Each task is named where it was seen to end: in the summary of its wait, or, when the submit
    // saw it end while watching, in the submit's result (then there is no wait).
    const namedByWaits = summaries.map((s) => /^batch \d: rows [\d,-]+, task (\d+)$/.exec(s)?.[1]).filter((id) => id !== undefined);
    const seenBySubmits = histories.flatMap((h) => completedActivities(h.events, 'submitBatch')).flatMap((s) => (s.result as SubmitBatchResult).taskOutcomes ?? []);
    expect([...namedByWaits, ...seenBySubmits.map((o) => o.taskId)].sort()).toEqual([...report.taskIds].sort());

    // The UI page of the finished import shows its summary and its search attributes.
    const uiUrl = inject('temporalUiUrl');
    expect(uiUrl).not.toBeNull();
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1600 } });
      await page.goto(`${uiUrl}/namespaces/default/workflows/${encodeURIComponent(importId)}`, { waitUntil: 'networkidle' });
      await page.getByText('Import ui.csv (csv): batches of 1000, concurrency 2').first().waitFor({ timeout: 30_000 });
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, 'temporal-ui-import-summary.png'), fullPage: true });
      // Search attributes are listed in the workflow's details.
      const details = page.getByText(/Search Attributes|Custom Search Attributes/i).first();
      await details.click().catch(() => undefined);
      await page.getByText('ImportStatus').first().waitFor({ timeout: 30_000 });
      await page.getByText('CompletedWithRejections').or(page.getByText('Completed', { exact: true })).first().waitFor({ timeout: 30_000 });
      await page.screenshot({ path: path.join(ARTIFACTS, 'temporal-ui-import-search-attributes.png'), fullPage: true });
      expect(await page.getByText('ImportSource').count()).toBeGreaterThan(0);
    } finally {
      await browser.close();
    }
  });
});
