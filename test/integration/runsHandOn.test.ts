import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeSampleFile } from '../../bin/sampleData';
import { startImport, waitForReport } from '../../client/imports';
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
});
