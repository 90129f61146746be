import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeSampleFile } from '../../bin/sampleData';
import { startImport, waitForReport } from '../../client/imports';
import type { Progress } from '../../common/progress';
import { startTestStack, type TestStack } from '../support/stack';

/** `start --wait` and `watch` wait with waitForReport: the end of an import must reach them at once. */
describe('waitForReport', () => {
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });

  it('returns the report when the import ends, not when the pause between two progress queries does', async () => {
    stack = await startTestStack();
    await writeSampleFile(path.join(stack.dataDir, 'p.csv'), { rows: 600, seed: 4 });
    const { importId } = await startImport(stack.client, { source: 'p.csv', importId: 'wait-for-report', batchSize: 200 });
    const intervalMs = 10 * 60_000;
    const seen: Progress[] = [];
    const started = Date.now();
    const report = await waitForReport(stack.client, importId, (progress) => seen.push(progress), intervalMs);
    expect(report.status).toBe('completed');
    expect(report.rows.imported).toBe(600);
    // Before this fix the call returned only once the ten-minute pause after the first query had run out.
    expect(Date.now() - started).toBeLessThan(intervalMs / 10);
    expect(seen.length).toBeGreaterThan(0);
  });
});
