import path from 'node:path';
import { readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { writeSampleFile } from '../../bin/sampleData';
import { getProgress, startImport, waitForReport } from '../../client/imports';
import { until } from '../support/poll';
import { startTestStack, type TestStack } from '../support/stack';

/** A local file rewritten under a running import, its size and modification time put back: caught by the batches' block digests. */
describe('a local file rewritten in place with the same size and time during an import', () => {
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });

  it('stops the import with a SourceChangedError before a row of the new version is sent', async () => {
    stack = await startTestStack({ sandbox: { taskTiming: { queuedMs: 300, processingMs: 700 } } });
    const file = path.join(stack.dataDir, 'edited.csv');
    await writeSampleFile(file, { rows: 3_000, seed: 47 });
    const seconds = 1_700_000_000;
    utimesSync(file, seconds, seconds);
    const { importId } = await startImport(stack.client, { source: 'edited.csv', importId: 'edited-in-place', batchSize: 250, concurrency: 1 });
    await until(() => getProgress(stack!.client, importId), (p) => p.batches.done >= 1, 60_000, 100);

    // `touch -d` after an edit: same size, same modification time, other content.
    const original = readFileSync(file, 'utf8');
    const before = statSync(file);
    writeFileSync(file, original.replace(/example\.com/g, 'example.org'));
    utimesSync(file, seconds, seconds);
    expect(statSync(file).size).toBe(before.size);
    expect(statSync(file).mtimeMs).toBe(before.mtimeMs);

    const report = await waitForReport(stack.client, importId);
    expect(report.status).toBe('failed');
    expect(report.failure?.code).toBe('SourceChangedError');
    expect(report.failure?.message).toMatch(/reads other bytes than the inspection did.*Start a new import/);
    expect(report.rows.imported).toBeGreaterThan(0);
    expect(report.rows.imported).toBeLessThan(3_000);
    const stored = [...stack.sandbox.profiles().values()].map((p) => String(p.email));
    expect(stored.length).toBeGreaterThan(0);
    expect(stored.filter((email) => email.endsWith('example.org'))).toEqual([]);
  });
});
