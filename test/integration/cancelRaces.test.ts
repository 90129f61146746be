import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeSampleFile } from '../../bin/sampleData';
import { cancelImport, getReport, retryFailed, startImport, waitForReport } from '../../client/imports';
import { until } from '../support/poll';
import { startTestStack, type TestStack } from '../support/stack';
import { twoRequestBatchCsv } from '../support/twoRequestBatch';

/**
 * A cancel that lands while a submit is between attempts, or in an attempt that then fails (the
 * server then reports that failure, not a cancellation): the report still says what was sent,
 * what may have been applied, and a re-run counts what it sends again.
 */
describe('cancels racing a submit whose attempt failed', () => {
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });
  const importRequests = () => stack!.sandbox.requestLog().filter((r) => r.method === 'import/profile');

  /**
   * One batch, one request. Its first POST is applied by the API but the connection drops before
   * the answer (outcome unknown); the next attempts are answered 429 (Retry-After 30 s). A cancel
   * (plain or --abandon) during that backoff.
   */
  it.each([['finish-in-flight'], ['abandon']] as const)('cancel (%s) after a POST whose answer was lost: the rows the API applied are not reported "not sent", and a retry counts them as possible duplicates', async (mode) => {
    stack = await startTestStack({ sandbox: { faults: { latencyMs: 1_000, dropAfterApply: 1 } } });
    await writeSampleFile(path.join(stack.dataDir, `unknown-${mode}.csv`), { rows: 200 });
    const { importId } = await startImport(stack.client, { source: `unknown-${mode}.csv`, batchSize: 200, concurrency: 1 });
    await until(() => Promise.resolve(importRequests().filter((r) => r.respondedAt !== null).length), (n) => n >= 1, 60_000, 5);
    stack.sandbox.configure({ latencyMs: 200, rateLimit: 1, retryAfterShare: 1, retryAfterSeconds: 30 });
    await until(() => Promise.resolve(importRequests().filter((r) => r.status === 429).length), (n) => n >= 1, 60_000, 20);
    await new Promise((r) => setTimeout(r, 1_000));
    await cancelImport(stack.client, importId, mode);
    const report = (await until(() => getReport(stack!.client, importId), (r) => r !== null, 30_000))!;
    await until(() => Promise.resolve(stack!.sandbox.profiles().size), (n) => n === 200, 10_000, 100);

    // Reported as possibly applied, not as never sent.
    expect(report.failedBatches[0]?.failure?.message).toMatch(/1 request\(s\) whose answer was lost may have been applied/);
    stack.sandbox.configure({});
    await retryFailed(stack.client, importId);
    const second = await waitForReport(stack.client, importId);
    const applied = importRequests().filter((r) => r.outcome === 'fault:dropAfterApply' || r.status === 202);
    // The same 200 rows were applied twice: the second report must count them as possible duplicates.
    expect(applied.length).toBe(2);
    expect(second.possibleDuplicates).toBe(1);
    expect(second.rows).toEqual({ total: 200, imported: 200, rejected: 0, skipped: 0, superseded: 0 });
  }, 120_000);

  /** The batch's only POST is answered 429 while cancel --abandon comes: nothing was sent. */
  it.each([
    ['the import', {}],
    ['a batch workflow', { XP_IMPORT_API_RATE_LIMIT: '50' }],
  ])('cancel --abandon during an attempt answered 429, nothing sent (run by %s): the batch is not reported failed with a 429', async (_where, workerEnv) => {
    stack = await startTestStack({ sandbox: { faults: { latencyMs: 1_500, rateLimit: 1, retryAfterShare: 1, retryAfterSeconds: 30 } }, workerEnv });
    const source = `abandon-429-${Object.keys(workerEnv).length}.csv`;
    await writeFile(path.join(stack.dataDir, source), `user_id,first_name\n${Array.from({ length: 100 }, (_, i) => `a${i},N${i}`).join('\n')}\n`);
    const { importId } = await startImport(stack.client, { source, batchSize: 100, concurrency: 1 });
    await until(() => Promise.resolve(importRequests().filter((r) => r.respondedAt === null).length), (n) => n >= 1, 60_000, 10);
    await new Promise((r) => setTimeout(r, 300));
    await cancelImport(stack.client, importId, 'abandon');
    const report = (await until(() => getReport(stack!.client, importId), (r) => r !== null, 30_000))!;
    expect(report.status).toBe('cancelled');
    expect(report.failedBatches.map((b) => b.failure?.code)).not.toContain('RateLimitedError');
  }, 120_000);

  /**
   * One batch of two requests (rows b0-b199 fill first_name, b200-b399 city). The task of the second
   * request fails (it holds b300), so the batch workflow resubmits that request. The resubmit is
   * answered 429 with Retry-After 30 s; cancel --abandon lands while it waits for its next attempt
   * ('backoff') or during the attempt that is answered 429 ('attempt').
   */
  it.each([
    ['waits for its next attempt', 'backoff'],
    ['is in the attempt that is answered 429', 'attempt'],
  ])('resubmit %s: the report keeps the requests the API accepted and the rows it applied', async (_when, tag) => {
    stack = await startTestStack({ sandbox: { faults: { latencyMs: 1_000, failTasksContaining: ['b300'] } } });
    await writeFile(path.join(stack.dataDir, `resubmit-${tag}.csv`), twoRequestBatchCsv());
    const { importId } = await startImport(stack.client, { source: `resubmit-${tag}.csv`, batchSize: 400, concurrency: 1 });
    // Both requests accepted, and the failed task seen (the batch resubmits only then).
    await until(() => Promise.resolve(importRequests().filter((r) => r.status === 202).length), (n) => n >= 2, 60_000, 20);
    await until(() => Promise.resolve(stack!.sandbox.tasks().filter((t) => t.status === 'failed').length), (n) => n >= 1, 60_000, 20);
    stack.sandbox.configure({ latencyMs: 1_000, failTasksContaining: ['b300'], rateLimit: 1, retryAfterShare: 1, retryAfterSeconds: 30 });
    if (tag === 'backoff') {
      await until(() => Promise.resolve(importRequests().filter((r) => r.status === 429).length), (n) => n >= 1, 60_000, 20);
      await new Promise((r) => setTimeout(r, 1_000));
    } else {
      // The resubmit's POST is in flight (1 s latency) and will be answered 429.
      await until(() => Promise.resolve(importRequests().filter((r, i) => i >= 2 && r.respondedAt === null).length), (n) => n >= 1, 60_000, 10);
      await new Promise((r) => setTimeout(r, 200));
    }
    await cancelImport(stack.client, importId, 'abandon');
    const report = (await until(() => getReport(stack!.client, importId), (r) => r !== null, 30_000))!;

    const accepted = importRequests().filter((r) => r.status === 202);

    expect(report.status).toBe('cancelled');
    expect(accepted).toHaveLength(2);
    // The first request's task completed: its 200 rows are in the store.
    expect(stack.sandbox.profiles().size).toBe(200);
    expect(report.rows.imported).toBe(200);
    expect(report.requests).toBe(2);
    expect([...report.taskIds].sort()).toEqual(accepted.map((r) => String(r.taskId)).sort());
    expect(report.failedBatches.map((b) => b.status)).toEqual(['abandoned']);
  }, 120_000);
});
