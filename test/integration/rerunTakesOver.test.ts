import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeSampleFile } from '../../bin/sampleData';
import { cancelImport, getProgress, pauseImport, resolveStuckBatch, retryFailed, startImport, waitForReport } from '../../client/imports';
import type { Progress } from '../../common/progress';
import type { ImportReport } from '../../common/report';
import { expectedFromSampleCsv, expectStoreEquals } from '../support/oracle';
import { until } from '../support/poll';
import { startTestStack, type TestStack } from '../support/stack';
import { twoRequestBatchCsv } from '../support/twoRequestBatch';

/**
 * Re-runs send only what the runs before did not: a request the API took (its task completed, or
 * still open) is taken over, never posted again; the report counts the whole import's requests and
 * lists every task, and its rows and rejects file agree, however many runs it took.
 */
describe('re-runs take over what was sent', () => {
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });
  const importRequests = () => stack!.sandbox.requestLog().filter((r) => r.method === 'import/profile');

  it('a stuck task an operator abandoned is looked at by the retry, not posted again', async () => {
    stack = await startTestStack({ sandbox: { faults: { stuckTaskIds: [1] } } });
    const file = path.join(stack.dataDir, 'p.csv');
    await writeSampleFile(file, { rows: 400 });
    const { importId } = await startImport(stack.client, { source: 'p.csv', importId: 'stuck-abandon-retry', batchSize: 200, concurrency: 2, tuning: { stuckAfterMs: 2_000, stuckLookEveryMs: 60_000 } });
    const stuck = await until(() => getProgress(stack!.client, importId), (p: Progress) => p.batches.stuck === 1 && p.batches.done === 1);
    const [stuckBatch] = stuck.batches.stuckBatches as [number];
    await resolveStuckBatch(stack.client, importId, stuckBatch, 'abandon');
    const first = await waitForReport(stack.client, importId);
    expect(first.failedBatches.map((b) => b.status)).toEqual(['abandoned']);
    // The operator's stuck task ends after all: its rows are applied.
    stack.sandbox.configure({});
    await until(() => Promise.resolve(stack!.sandbox.tasks().find((t) => String(t.id) === '1')?.status), (s) => s === 'completed', 30_000, 100);
    const before = importRequests().length;

    await retryFailed(stack.client, importId);
    const second = await waitForReport(stack.client, importId);
    const resent = importRequests().slice(before);
    expect(second.rows).toEqual({ total: 400, imported: 400, rejected: 0, skipped: 0, superseded: 0 });
    // README: a batch abandoned while its tasks ran is not posted again: its tasks are looked at.
    expect(resent).toHaveLength(0);
    // At the least, a re-post of rows whose task may still apply is a possible duplicate.
    expect(second.possibleDuplicates).toBeGreaterThanOrEqual(resent.length);
    expectStoreEquals(stack.sandbox, expectedFromSampleCsv(file));
  }, 90_000);

  it('a retry of a batch whose tasks failed lists the first run\'s tasks too, as its requests count them', async () => {
    stack = await startTestStack({ sandbox: { faults: { failTasksContaining: ['u00000201'] } } });
    const file = path.join(stack.dataDir, 'r.csv');
    await writeSampleFile(file, { rows: 600 });
    const { importId } = await startImport(stack.client, { source: 'r.csv', batchSize: 200, concurrency: 1, tuning: { maxTaskResubmits: 1 } });
    const first = await waitForReport(stack.client, importId);
    expect(first.batches).toEqual({ total: 3, succeeded: 2, failed: 1 });
    expect(first.taskIdsTotal).toBe(first.requests);
    stack.sandbox.configure({});
    await retryFailed(stack.client, importId);
    const second = await waitForReport(stack.client, importId);
    const allTasks = importRequests().filter((r) => r.taskId !== undefined).map((r) => String(r.taskId));
    expect(second.requests).toBe(allTasks.length);
    expect(second.taskIdsTotal).toBe(second.requests);
    expect([...second.taskIds].sort()).toEqual([...allTasks].sort());
  }, 90_000);

  it('requests taken over count once, also when a re-run stops before it reaches them and is re-run again', async () => {
    stack = await startTestStack({ sandbox: { taskTiming: { queuedMs: 1_000, processingMs: 2_000 } } });
    const file = path.join(stack.dataDir, 'abandon-twice.csv');
    await writeSampleFile(file, { rows: 2_000 });
    const { importId } = await startImport(stack.client, { source: 'abandon-twice.csv', batchSize: 500, concurrency: 2 });
    await until(() => Promise.resolve(importRequests().length), (n) => n === 2, 60_000, 20);
    await cancelImport(stack.client, importId, 'abandon');
    const first = await waitForReport(stack.client, importId);
    expect(first.requests).toBe(2);
    await until(() => Promise.resolve(stack!.sandbox.tasks().filter((t) => t.status === 'completed').length), (n) => n === 2, 30_000, 100);

    // Run 2: paused at once, then cancelled before it starts a batch: it sends nothing.
    await retryFailed(stack.client, importId);
    await until(() => pauseImport(stack!.client, importId), () => true, 30_000, 20);
    await until(() => getProgress(stack!.client, importId), (p: Progress) => p.phase === 'paused', 30_000, 50);
    await cancelImport(stack.client, importId);
    const second = await waitForReport(stack.client, importId);
    expect(importRequests()).toHaveLength(2);
    expect(second.requests).toBe(2);

    // Run 3 takes over the two abandoned tasks and posts the two batches that never started.
    await retryFailed(stack.client, importId);
    const third = await waitForReport(stack.client, importId);
    expect(third.rows).toEqual({ total: 2_000, imported: 2_000, rejected: 0, skipped: 0, superseded: 0 });
    expect(third.requests).toBe(importRequests().length);
    expectStoreEquals(stack.sandbox, expectedFromSampleCsv(file));
  }, 120_000);

  it('after a plain cancel between a batch\'s two requests, the retry posts only the second; the row validation rejected counts as rejected', async () => {
    stack = await startTestStack({ sandbox: { faults: { latencyMs: 1_000 } } });
    // Two requests (first_name rows, then city rows) and one row with no identity (rejected by validation).
    const csv = twoRequestBatchCsv().replace(/\n$/, '\n,Nobody,\n');
    await writeFile(path.join(stack.dataDir, 'two-cancelled.csv'), csv);
    const { importId } = await startImport(stack.client, { source: 'two-cancelled.csv', batchSize: 401, concurrency: 1 });
    await until(() => Promise.resolve(importRequests().length), (n) => n >= 1, 60_000, 20);
    stack.sandbox.configure({ latencyMs: 500, rateLimit: 1, retryAfterShare: 1, retryAfterSeconds: 30 });
    await until(() => Promise.resolve(importRequests().filter((r) => r.status === 429).length), (n) => n >= 1, 60_000, 20);
    await new Promise((r) => setTimeout(r, 1_000));
    await cancelImport(stack.client, importId);
    const first = await waitForReport(stack.client, importId);
    const rejectLines = first.rejectsFile ? (await readFile(first.rejectsFile, 'utf8')).split('\n').filter((l) => l.length > 0).length - 1 : 0;
    expect(first.rows.imported + first.rows.rejected + first.rows.skipped).toBe(401);
    // The rejects file lists the row; the report should count it as rejected, not skipped.
    expect({ rejectedInReport: first.rows.rejected, rowsInRejectsFile: rejectLines }).toEqual({ rejectedInReport: 1, rowsInRejectsFile: 1 });
    expect(first.rows.imported).toBe(200);

    stack.sandbox.configure({});
    const before = importRequests().length;
    await retryFailed(stack.client, importId);
    const second = await waitForReport(stack.client, importId);
    const resent = importRequests().slice(before);
    expect(second.rows).toEqual({ total: 401, imported: 400, rejected: 1, skipped: 0, superseded: 0 });
    // Invariant 3: the first request got a task ID that completed: it is not to be posted again.
    expect(resent.map((r) => r.firstIdentity)).toEqual(['b200']);
  }, 120_000);

  it('after a batch\'s submit used up its attempts, the retry posts only the request it could not send', async () => {
    // The fault is set while the first request is in flight: faults are drawn as a request arrives.
    stack = await startTestStack({ sandbox: { faults: { latencyMs: 1_000 } } });
    await writeFile(path.join(stack.dataDir, 'two-used-up.csv'), twoRequestBatchCsv());
    const { importId } = await startImport(stack.client, { source: 'two-used-up.csv', batchSize: 400, concurrency: 1, tuning: { maxSubmitAttempts: 2 } });
    await until(() => Promise.resolve(importRequests().length), (n) => n >= 1, 60_000, 20);
    stack.sandbox.configure({ latencyMs: 500, serverError: 1, serverErrorStatuses: [500] });
    const first = await waitForReport(stack.client, importId);
    expect(first.rows).toEqual({ total: 400, imported: 200, rejected: 0, skipped: 200, superseded: 0 });
    stack.sandbox.configure({});
    const before = importRequests().length;
    await retryFailed(stack.client, importId);
    const second = await waitForReport(stack.client, importId);
    const resent = importRequests().slice(before);
    expect(second.rows).toEqual({ total: 400, imported: 400, rejected: 0, skipped: 0, superseded: 0 });
    expect(resent.map((r) => r.firstIdentity)).toEqual(['b200']);
  }, 90_000);

  it('duplicates, rejects, continue-as-new, a retry and a retry of it: counts, tasks, rejects file and store agree', async () => {
    // Rows 2,001-3,000 repeat the identities of rows 1-1,000 (the later row wins); row 2,010 has no identity.
    const lines: string[] = [];
    for (let row = 1; row <= 3_000; row++) lines.push(`${row === 2_010 ? '' : `u${row % 2_000}`},n${row}`);
    const expected = new Map<string, string>();
    lines.forEach((line) => {
      const [id, name] = line.split(',') as [string, string];
      if (id !== '') expected.set(id, name);
    });
    // Tasks holding u1500 (batch 15), u5 (row 2,005: batch 21), u1999 (batch 20) fail; u7 (row 2,007, batch 21) is refused by the API.
    stack = await startTestStack({ sandbox: { faults: { failTasksContaining: ['u1500', 'u5', 'u1999'], rejectIdentities: ['u7'] } } });
    await writeFile(path.join(stack.dataDir, 'dups.csv'), `user_id,first_name\n${lines.join('\n')}\n`);
    const { importId } = await startImport(stack.client, { source: 'dups.csv', batchSize: 100, concurrency: 3, tuning: { maxTaskResubmits: 0, maxBatchesPerRun: 4 } });
    const reports: ImportReport[] = [];
    reports.push(await waitForReport(stack.client, importId));
    // Run 2: u1999 still fails.
    stack.sandbox.configure({ failTasksContaining: ['u1999'], rejectIdentities: ['u7'] });
    await retryFailed(stack.client, importId);
    reports.push(await waitForReport(stack.client, importId));
    stack.sandbox.configure({ rejectIdentities: ['u7'] });
    await retryFailed(stack.client, importId);
    reports.push(await waitForReport(stack.client, importId));
    const sentTasks = importRequests().filter((r) => r.status === 202 || r.status === 200).length;
    const taskCount = importRequests().filter((r) => r.status === 202).length;
    expect(reports[2]!.taskIdsTotal, "taskIdsTotal").toBe(taskCount);
    for (const [i, r] of reports.entries()) {
      const rejectLines = r.rejectsFile ? (await readFile(r.rejectsFile, 'utf8')).split('\n').filter((l) => l.length > 0).length - 1 : 0;
      expect(r.rows.imported + r.rows.rejected + r.rows.skipped, `run ${i + 1} rows add up`).toBe(3_000);
      expect(rejectLines, `run ${i + 1} rejects file`).toBe(r.rows.rejected);
    }
    const last = reports[2]!;
    expect(last.rows).toEqual({ total: 3_000, imported: 1_999, rejected: 2, skipped: 999, superseded: 999 });
    expect(last.batches).toEqual({ total: 30, succeeded: 30, failed: 0 });
    expect(last.requests, 'requests').toBe(sentTasks);
    const store = stack.sandbox.profiles();
    const wrong: string[] = [];
    for (const [id, name] of expected) {
      if (id === 'u7') continue;
      if (store.get(`user_id:${id}`)?.first_name !== name) wrong.push(`${id}: ${String(store.get(`user_id:${id}`)?.first_name)} != ${name}`);
    }
    expect(wrong.slice(0, 10)).toEqual([]);
  }, 180_000);

  it('a row the API refuses when a failed task is resubmitted counts as rejected', async () => {
    // The one task (rows 1-200) fails after 2 s; by the time it is resubmitted, the API refuses row 50.
    stack = await startTestStack({ sandbox: { taskTiming: { queuedMs: 1_000, processingMs: 1_000 }, faults: { failTasksContaining: ['u00000001'] } } });
    await writeSampleFile(path.join(stack.dataDir, 'resubmit-refused.csv'), { rows: 200 });
    const { importId } = await startImport(stack.client, { source: 'resubmit-refused.csv', batchSize: 200, concurrency: 1, tuning: { maxTaskResubmits: 1 } });
    await until(() => Promise.resolve(importRequests().filter((r) => r.status === 202).length), (n) => n >= 1, 60_000, 20);
    stack.sandbox.configure({ failTasksContaining: ['u00000001'], rejectIdentities: ['u00000050'] });
    const report = await waitForReport(stack.client, importId);
    const rejectLines = report.rejectsFile ? (await readFile(report.rejectsFile, 'utf8')).split('\n').filter((l) => l.length > 0).length - 1 : 0;
    expect(report.rows.imported + report.rows.rejected + report.rows.skipped).toBe(report.rows.total);
    expect(report.rows.rejected).toBe(rejectLines);
  }, 90_000);

  it('a row the API refused in the first run but took in the re-run leaves the rejects file', async () => {
    stack = await startTestStack({ sandbox: { faults: { failTasksContaining: ['u00001001'], rejectIdentities: ['u00001999'] } } });
    await writeSampleFile(path.join(stack.dataDir, 'refused-then-taken.csv'), { rows: 2_000 });
    const { importId } = await startImport(stack.client, { source: 'refused-then-taken.csv', batchSize: 1_000, concurrency: 1, tuning: { maxTaskResubmits: 0 } });
    const first = await waitForReport(stack.client, importId);
    expect(first.rows.rejected).toBe(1);
    stack.sandbox.configure({});
    await retryFailed(stack.client, importId);
    const second = await waitForReport(stack.client, importId);
    const lines = second.rejectsFile ? (await readFile(second.rejectsFile, 'utf8')).split('\n').filter((l) => l.length > 0).slice(1) : [];
    expect(second.rows).toEqual({ total: 2_000, imported: 2_000, rejected: 0, skipped: 0, superseded: 0 });
    expect(lines).toEqual([]);
    expect(stack.sandbox.profiles().has('user_id:u00001999')).toBe(true);
  }, 90_000);
});
