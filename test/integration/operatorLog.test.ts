import { appendFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeSampleFile } from '../../bin/sampleData';
import { getProgress, resolveStuckBatch, startImport, waitForReport } from '../../client/imports';
import type { Progress } from '../../common/progress';
import { until } from '../support/poll';
import { startTestStack } from '../support/stack';
import { twoRequestBatchCsv } from '../support/twoRequestBatch';
import { spawnWorker, stackAndWorkersPerTest } from '../support/workerProcess';

type Line = Record<string, unknown>;
const linesOf = (log: string): Line[] =>
  log
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Line);

/**
 * What an on-call operator reads in a worker's log at `XP_IMPORT_LOG_LEVEL=WARN` through an
 * incident: requests failing and retried, a task stuck, a batch failed. One batch at a time, so the
 * story is the same on every run: batch 1's requests fail with 500s, then its task is stuck until
 * the operator abandons it, then batch 2's task fails.
 */
describe('the worker log during an incident', () => {
  const perTest = stackAndWorkersPerTest();

  it('names the batch of every retried submit, says which task is stuck and what to do, and why a batch failed; never a task token', async () => {
    const stack = (perTest.stack = await startTestStack({ inProcessWorker: false, sandbox: { faults: { serverError: 1, serverErrorStatuses: [500] } } }));
    await writeSampleFile(path.join(stack.dataDir, 'p.csv'), { rows: 600, seed: 3 });
    const worker = spawnWorker({ ...stack.env, XP_IMPORT_LOG_LEVEL: 'WARN' });
    perTest.workers.push(worker);
    // At WARN the worker does not say it is ready (INFO).
    worker.ready.catch(() => undefined);
    const { importId } = await startImport(stack.client, {
      source: 'p.csv',
      importId: 'incident-log',
      batchSize: 200,
      concurrency: 1,
      tuning: { stuckAfterMs: 3_000, maxTaskResubmits: 0 },
    });
    const answered500 = () => stack.sandbox.requestLog().filter((r) => r.status === 500).length;
    await until(() => Promise.resolve(answered500()), (n) => n >= 2, 60_000, 50);
    // The API recovers, but task 1 (batch 1's) stays running, and the task of the batch holding row u00000250 (batch 2) fails.
    stack.sandbox.configure({ stuckTaskIds: [1], failTasksContaining: ['u00000250'] });
    const stuck = await until(() => getProgress(stack.client, importId), (p: Progress) => p.batches.stuck === 1, 60_000);
    expect(stuck.batches.stuckBatches).toEqual([1]);
    await until(() => Promise.resolve(linesOf(worker.log())), (lines) => lines.some((l) => l.message === 'batch stuck'), 10_000, 50);
    await resolveStuckBatch(stack.client, importId, 1, 'abandon');
    const report = await waitForReport(stack.client, importId);
    expect(report.batches).toEqual({ total: 3, succeeded: 1, failed: 2 });
    await until(() => Promise.resolve(linesOf(worker.log())), (lines) => lines.some((l) => l.message === 'import finished'), 10_000, 50);
    const lines = linesOf(worker.log());

    // Before, these named the import and a sequence number ("activityId": "3"), not the batch.
    const retried = lines.filter((l) => l.message === 'Activity failed' && l.activityType === 'submitBatch');
    expect(retried.length).toBeGreaterThanOrEqual(2);
    for (const line of retried) expect(line.batch).toBe(1);
    // Before, nothing was logged when a task was reported stuck.
    expect(lines.filter((l) => l.message === 'batch stuck')).toEqual([
      expect.objectContaining({ level: 'WARN', importId, batch: 1, taskIds: ['1'], todo: `xp-import resolve ${importId} 1 resubmit (or abandon)` }),
    ]);
    // Before, a failed batch was an INFO line with its failure code alone, so a WARN log said nothing of it.
    const failed = lines.filter((l) => l.batch === 2 && l.level === 'WARN' && (l.message === 'batch finished' || l.message === 'batch failed'));
    expect(failed.length).toBeGreaterThan(0);
    expect(failed[0]).toMatchObject({ taskIds: [expect.any(String)], failure: { code: 'TaskFailed', message: expect.stringMatching(/^batch 2: rows 201-400: .*failed/) as string } });
    expect(lines.find((l) => l.message === 'import finished')).toMatchObject({ level: 'WARN', importId, status: 'completed_with_rejections' });
    // A task token lets whoever holds it complete or fail the activity.
    expect(lines.filter((l) => 'taskToken' in l)).toEqual([]);
    // Batch 1's submit was retried after 500s: attempts that failed and said why, not workers that died.
    expect(lines.filter((l) => l.message === 'batch taken over')).toEqual([]);
  }, 180_000);

  it('says at WARN that rows were rejected, by validation and by the API, with counts and where the rejects file is; never a row value', async () => {
    const stack = (perTest.stack = await startTestStack({ inProcessWorker: false, sandbox: { faults: { rejectIdentities: ['u00000007'] } } }));
    const file = path.join(stack.dataDir, 'r.csv');
    await writeSampleFile(file, { rows: 300, seed: 7 });
    // Validation rejects this one (not an email, not a phone number); the API refuses u00000007.
    appendFileSync(file, 'u99999997,leaky.warn@example.org,1,not-a-phone-8q,1,Warnleak Person,{}\n');
    const worker = spawnWorker({ ...stack.env, XP_IMPORT_LOG_LEVEL: 'WARN' });
    perTest.workers.push(worker);
    worker.ready.catch(() => undefined);
    const report = await waitForReport(stack.client, (await startImport(stack.client, { source: 'r.csv', importId: 'rejects-log', batchSize: 100 })).importId);
    expect(report).toMatchObject({ status: 'completed_with_rejections', rows: { rejected: 2 }, batches: { failed: 0 } });
    const finished = await until(
      () => Promise.resolve(linesOf(worker.log()).filter((l) => l.message === 'import finished')),
      (found) => found.length > 0,
      10_000,
      50,
    );

    // Before, an import whose batches all succeeded logged this at INFO, rejected rows or not: nothing at WARN.
    expect(finished).toEqual([
      expect.objectContaining({ level: 'WARN', importId: 'rejects-log', status: 'completed_with_rejections', rows: report.rows, rejectsFile: report.rejectsFile }),
    ]);
    expect(report.rejectsFile).toEqual(expect.stringContaining('rejects-log'));
    for (const value of ['leaky.warn@example.org', 'not-a-phone-8q', 'Warnleak']) expect(worker.log()).not.toContain(value);
  }, 120_000);

  it('says at WARN when a worker takes over a batch from one that died mid-request, what it resumes from, and that the batch may hold a duplicate', async () => {
    // 1.5 s per API call: time to kill the first worker while the batch's second request is out.
    const stack = (perTest.stack = await startTestStack({
      inProcessWorker: false,
      sandbox: { faults: { latencyMs: 1_500 }, taskTiming: { queuedMs: 100, processingMs: 200 } },
    }));
    writeFileSync(path.join(stack.dataDir, 'two.csv'), twoRequestBatchCsv());
    const importRequests = () => stack.sandbox.requestLog().filter((r) => r.method === 'import/profile');
    const first = spawnWorker(stack.env);
    perTest.workers.push(first);
    await first.ready;
    const { importId } = await startImport(stack.client, { source: 'two.csv', importId: 'takeover-log', batchSize: 400, concurrency: 1 });
    // The first request answered (and journalled), the second sent with no answer yet.
    await until(() => Promise.resolve(importRequests()), (log) => log.length === 2 && log[1]!.respondedAt === null, 60_000, 20);
    first.kill('SIGKILL');
    await first.exited;

    const second = spawnWorker({ ...stack.env, XP_IMPORT_LOG_LEVEL: 'WARN' });
    perTest.workers.push(second);
    second.ready.catch(() => undefined);
    const report = await waitForReport(stack.client, importId);
    expect(report).toMatchObject({ status: 'completed', possibleDuplicates: 1 });
    await until(() => Promise.resolve(linesOf(second.log())), (lines) => lines.some((l) => l.message === 'batch finished'), 10_000, 50);
    const lines = linesOf(second.log());

    // Before, the takeover logged nothing: the new attempt simply resumed.
    expect(lines.filter((l) => l.message === 'batch taken over')).toEqual([
      expect.objectContaining({ level: 'WARN', importId, batch: 1, attempt: 2, activityType: 'submitBatch', resumesFrom: { requestsPosted: 1, requestsInDoubt: 1, rowsRefused: 0 } }),
    ]);
    // Before, `batch finished` said nothing of the request sent again, and was an INFO line.
    expect(lines.filter((l) => l.message === 'batch finished')).toEqual([expect.objectContaining({ level: 'WARN', importId, batch: 1, status: 'succeeded', possibleDuplicates: 1 })]);
  }, 180_000);
});
