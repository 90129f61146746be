import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startImport, waitForReport } from '../../client/imports';
import { startTestStack } from '../support/stack';
import { stackAndWorkersPerTest } from '../support/workerProcess';

/**
 * The API refuses rows that our validation let through (400 "Invalid rows"): a request is split
 * until each refused row stands alone. When it refuses every row, that is about what every request
 * carries, and splitting on would cost about two requests per row of the file.
 */
const ROWS = 300;
const identities = Array.from({ length: ROWS }, (_, i) => `u${i}`);
const CSV = `user_id,first_name\n${identities.map((id, i) => `${id},Name ${i}`).join('\n')}\n`;

describe('rows the API refuses', () => {
  const perTest = stackAndWorkersPerTest();
  const importRequests = () => perTest.stack!.sandbox.requestLog().filter((r) => r.method === 'import/profile');
  const rejectsLines = async (file: string | null) => (file === null ? 0 : (await readFile(file, 'utf8')).split('\n').filter((l) => l !== '').length - 1);

  it('every row refused: the import stops after the first 64 rows refused one by one, instead of splitting the whole file down to single rows', async () => {
    const stack = (perTest.stack = await startTestStack({ sandbox: { faults: { rejectIdentities: identities } } }));
    await writeFile(path.join(stack.dataDir, 'all.csv'), CSV);
    const report = await waitForReport(stack.client, (await startImport(stack.client, { source: 'all.csv', importId: 'all-refused', batchSize: ROWS })).importId);

    expect(report.status).toBe('failed');
    expect(report.failure?.code).toBe('RowsRefusedError');
    expect(report.failure?.message).toContain('refused each of the first 64 rows of batch 1');
    expect(report.rows).toEqual({ total: ROWS, imported: 0, rejected: 64, skipped: ROWS - 64, superseded: 0 });
    expect(await rejectsLines(report.rejectsFile)).toBe(64);
    // Before, 599 requests (every node of the halving down to 300 single rows), and the import went on to the next batch.
    expect(importRequests().length).toBeLessThan(2 * 64 + 10);
    expect(importRequests().every((r) => r.status === 400)).toBe(true);
  });

  it('the first 64 rows of a batch refused, the rest good: the good rows are imported, not the import stopped', async () => {
    const stack = (perTest.stack = await startTestStack({ sandbox: { faults: { rejectIdentities: identities.slice(0, 64) } } }));
    await writeFile(path.join(stack.dataDir, 'top.csv'), CSV);
    const report = await waitForReport(stack.client, (await startImport(stack.client, { source: 'top.csv', importId: 'top-refused', batchSize: ROWS })).importId);

    // Before (halving depth-first from the top), the 64 bad rows were isolated before any request of the good rest was tried, and the import stopped.
    expect(report.failure).toBeUndefined();
    expect(report.status).toBe('completed_with_rejections');
    expect(report.rows).toEqual({ total: ROWS, imported: ROWS - 64, rejected: 64, skipped: 0, superseded: 0 });
    expect(await rejectsLines(report.rejectsFile)).toBe(64);
  });

  it('refused rows among accepted ones: every refused row is isolated and the import completes', async () => {
    // Every other row of the first 140 (70 rows, more than the 64 that stop a batch that has nothing accepted).
    const refused = identities.filter((_, i) => i < 140 && i % 2 === 0);
    const stack = (perTest.stack = await startTestStack({ sandbox: { faults: { rejectIdentities: refused } } }));
    await writeFile(path.join(stack.dataDir, 'some.csv'), CSV);
    const report = await waitForReport(stack.client, (await startImport(stack.client, { source: 'some.csv', importId: 'some-refused', batchSize: ROWS })).importId);

    expect(report.status).toBe('completed_with_rejections');
    expect(report.rows).toEqual({ total: ROWS, imported: ROWS - 70, rejected: 70, skipped: 0, superseded: 0 });
    expect(await rejectsLines(report.rejectsFile)).toBe(70);
    expect(stack.sandbox.profiles().size).toBe(ROWS - 70);
  });
});
