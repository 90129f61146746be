import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeSampleFile } from '../../bin/sampleData';
import { cancelImport, getProgress, getReport, startImport } from '../../client/imports';
import type { Progress } from '../../common/progress';
import { until } from '../support/poll';
import { twoRequestBatchCsv } from '../support/twoRequestBatch';
import { startTestStack, type TestStack } from '../support/stack';

// Under a rate limit the import's submits are left to batch workflows (no look may skip the
// limiter), so both places a batch can be sent from are covered.
const WHERE_BATCHES_ARE_SENT = [
  ['the import', 'import', {}],
  ['batch workflows (a worker under an API rate limit)', 'children', { XP_IMPORT_API_RATE_LIMIT: '50' }],
] as const;

/**
 * A plain cancel lets what was sent finish and stops what was not: a batch waiting out a 429 does
 * not wait for the limit to lift. Every 429 here asks for 30 s and the limit never lifts, so a
 * cancel that waited for it would never see its report within the wait below.
 */
describe('a plain cancel stops batches not yet sent', () => {
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });
  const importRequests = () => stack!.sandbox.requestLog().filter((r) => r.method === 'import/profile');
  const REPORT_WAIT_MS = 20_000;

  it.each(WHERE_BATCHES_ARE_SENT)('sent from %s: the request taken before the 429 is waited for, the rest is not sent', async (_where, tag, workerEnv) => {
    // One batch of two requests (rows fill two different attributes): the first is accepted, the
    // second answered 429, so the submit waits for its next attempt when the cancel comes.
    stack = await startTestStack({ sandbox: { faults: { latencyMs: 1_000 }, taskTiming: { queuedMs: 500, processingMs: 1_000 } }, workerEnv });
    await writeFile(path.join(stack.dataDir, `cancel-backoff-${tag}.csv`), twoRequestBatchCsv());
    const { importId } = await startImport(stack.client, { source: `cancel-backoff-${tag}.csv`, batchSize: 400, concurrency: 1 });
    await until(() => Promise.resolve(importRequests().length), (n) => n >= 1, 60_000, 20);
    stack.sandbox.configure({ latencyMs: 1_000, rateLimit: 1, retryAfterShare: 1, retryAfterSeconds: 30 });
    await until(() => Promise.resolve(importRequests().filter((r) => r.status === 429).length), (n) => n >= 1, 60_000, 20);
    await cancelImport(stack.client, importId);
    const report = (await until(() => getReport(stack!.client, importId), (r) => r !== null, REPORT_WAIT_MS))!;

    expect(report.status).toBe('cancelled');
    const accepted = importRequests().filter((r) => r.status === 202);
    expect(accepted).toHaveLength(1);
    expect(report.requests).toBe(1);
    expect(report.taskIds).toEqual([String(accepted[0]!.taskId)]);
    // Its task was waited for and completed: its rows count as imported, and they are in the store.
    expect(report.rows).toEqual({ total: 400, imported: 200, rejected: 0, skipped: 200, superseded: 0 });
    expect(stack.sandbox.profiles().size).toBe(200);
    const batch = report.failedBatches[0]!;
    expect([batch.status, batch.failure?.code]).toEqual(['cancelled', 'Cancelled']);
    expect(batch.failure?.message).toMatch(/cancelled before 200 row\(s\) of it were sent/);
    // The 429s its attempts met are counted, though the cancel came between two of them.
    expect(report.retries.rate_limited).toBe(importRequests().filter((r) => r.status === 429).length);
  }, 90_000);

  it.each(WHERE_BATCHES_ARE_SENT)('sent from %s: when every post is answered 429, nothing is sent and every row is skipped', async (_where, tag, workerEnv) => {
    stack = await startTestStack({ sandbox: { faults: { latencyMs: 200, rateLimit: 1, retryAfterShare: 1, retryAfterSeconds: 30 } }, workerEnv });
    await writeSampleFile(path.join(stack.dataDir, `cancel-limited-${tag}.csv`), { rows: 2_000 });
    const { importId } = await startImport(stack.client, { source: `cancel-limited-${tag}.csv`, batchSize: 500, concurrency: 2 });
    await until(() => Promise.resolve(importRequests().length), (n) => n >= 2, 60_000, 20);
    await until(() => getProgress(stack!.client, importId), (p: Progress) => p.batches.inFlight === 2);
    await cancelImport(stack.client, importId);
    const report = (await until(() => getReport(stack!.client, importId), (r) => r !== null, REPORT_WAIT_MS))!;

    expect(report.status).toBe('cancelled');
    expect(importRequests().every((r) => r.status === 429)).toBe(true);
    expect(report.requests).toBe(0);
    expect(report.rows).toEqual({ total: 2_000, imported: 0, rejected: 0, skipped: 2_000, superseded: 0 });
    // The two batches that were trying are cancelled with their reason; the two never started are counted skipped.
    const cancelled = report.failedBatches.filter((b) => b.failure?.message.includes('were sent'));
    expect(cancelled.map((b) => [b.status, b.failure?.code])).toEqual([
      ['cancelled', 'Cancelled'],
      ['cancelled', 'Cancelled'],
    ]);
  }, 90_000);
});
