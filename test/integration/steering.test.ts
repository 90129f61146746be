import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeSampleFile } from '../../bin/sampleData';
import {
  cancelImport,
  getProgress,
  getReport,
  pauseImport,
  resumeImport,
  retryFailed,
  setImportConcurrency,
  startImport,
  waitForReport,
} from '../../client/imports';
import { ImportAlreadyExistsError, ImportNotFoundError, ImportSteeringError } from '../../client/importErrors';
import type { Progress } from '../../common/progress';
import { ImportReportSchema } from '../../common/report';
import { runsOf } from '../support/history';
import { expectedFromSampleCsv, expectStoreEquals } from '../support/oracle';
import { until } from '../support/poll';
import { twoRequestBatchCsv } from '../support/twoRequestBatch';
import { startTestStack, type TestStack } from '../support/stack';

/** The most requests that overlapped in time among these (each [received, responded]). */
function peakOverlap(requests: Array<{ receivedAt: number; respondedAt: number | null }>): number {
  const edges = requests.flatMap((r): Array<[number, number]> => [
    [r.receivedAt, 1],
    [r.respondedAt ?? Infinity, -1],
  ]);
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let current = 0;
  let peak = 0;
  for (const [, delta] of edges) peak = Math.max(peak, (current += delta));
  return peak;
}

/** Issue 5: imports started, watched and steered from services and scripts. */
describe('steering an import', () => {
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });
  const importRequests = () => stack!.sandbox.requestLog().filter((r) => r.method === 'import/profile');

  it('the client API drives a whole import from a plain Node script', async () => {
    stack = await startTestStack();
    const file = path.join(stack.dataDir, 'svc.csv');
    await writeSampleFile(file, { rows: 3_000 });
    const script = path.resolve(__dirname, '../../examples/import-from-a-service.js');
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [script, 'svc.csv'], {
        env: { ...process.env, TEMPORAL_ADDRESS: stack!.env.TEMPORAL_ADDRESS, XP_IMPORT_TASK_QUEUE: stack!.taskQueue, XP_IMPORT_DATA_DIR: stack!.dataDir },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.on('error', reject);
      child.on('exit', (c) => resolve({ code: c, stdout: out }));
    });
    expect(code).toBe(0);
    expect(ImportReportSchema.parse(JSON.parse(stdout)).rows.imported).toBe(3_000);
    expectStoreEquals(stack.sandbox, expectedFromSampleCsv(file));
  });

  it('the same file started twice is one import; once it has completed, starting it again is refused', async () => {
    stack = await startTestStack({ sandbox: { faults: { latencyMs: 200 } } });
    await writeSampleFile(path.join(stack.dataDir, 'twice.csv'), { rows: 2_000 });
    const first = await startImport(stack.client, { source: 'twice.csv', batchSize: 500 });
    const second = await startImport(stack.client, { source: 'twice.csv', batchSize: 500 });
    expect(second.importId).toBe(first.importId);
    expect(first.alreadyRunning).toBe(false);
    expect(second.alreadyRunning).toBe(true);
    await waitForReport(stack.client, first.importId);
    expect(await runsOf(stack.client.client, first.importId)).toHaveLength(1);
    expect(importRequests()).toHaveLength(4);
    await expect(startImport(stack.client, { source: 'twice.csv', batchSize: 500 })).rejects.toThrow(ImportAlreadyExistsError);
    await expect(startImport(stack.client, { source: 'twice.csv', batchSize: 500 })).rejects.toThrow(/--id/);

    // Steering it now says it has ended (a usage error, exit 2), not the server's "not found" (exit 3).
    for (const steer of [() => pauseImport(stack!.client, first.importId), () => setImportConcurrency(stack!.client, first.importId, 2), () => cancelImport(stack!.client, first.importId)]) {
      await expect(steer()).rejects.toThrow(ImportSteeringError);
    }
    await expect(resumeImport(stack.client, first.importId)).rejects.toThrow(`import ${first.importId} has ended (completed), so there is nothing to resume`);
    // An ID that never existed is named as such, by every verb.
    for (const verb of [() => pauseImport(stack!.client, 'no-such-import'), () => cancelImport(stack!.client, 'no-such-import'), () => waitForReport(stack!.client, 'no-such-import')]) {
      await expect(verb()).rejects.toThrow(ImportNotFoundError);
    }
  });

  it('pause stops new requests, resume completes the import, setConcurrency 1 keeps one request in flight', async () => {
    stack = await startTestStack({ sandbox: { faults: { latencyMs: 400 } } });
    const file = path.join(stack.dataDir, 'steer.csv');
    await writeSampleFile(file, { rows: 12_000 });
    const { importId } = await startImport(stack.client, { source: 'steer.csv', batchSize: 500, concurrency: 4 });
    await until(() => getProgress(stack!.client, importId), (p: Progress) => p.batches.done >= 4);

    await pauseImport(stack.client, importId);
    const paused = await until(() => getProgress(stack!.client, importId), (p: Progress) => p.phase === 'paused');
    const sentAtPause = importRequests().length;
    await new Promise((r) => setTimeout(r, 5_000));
    expect(importRequests()).toHaveLength(sentAtPause);
    expect((await getProgress(stack.client, importId)).batches.done).toBe(paused.batches.done);

    await setImportConcurrency(stack.client, importId, 1);
    const resumedAt = Date.now();
    await resumeImport(stack.client, importId);
    const report = await waitForReport(stack.client, importId);
    expect(report.status).toBe('completed');
    expect(peakOverlap(importRequests().filter((r) => r.receivedAt >= resumedAt))).toBe(1);
    expect(peakOverlap(importRequests().filter((r) => r.receivedAt < resumedAt))).toBeGreaterThan(1);
    expectStoreEquals(stack.sandbox, expectedFromSampleCsv(file));
  });

  it('paused once its last batch has started, it ends when that batch ends (before: it stayed paused with every row done, and no report)', async () => {
    stack = await startTestStack({ sandbox: { faults: { latencyMs: 300 } } });
    const file = path.join(stack.dataDir, 'lastwindow.csv');
    await writeSampleFile(file, { rows: 4_000 });
    const { importId } = await startImport(stack.client, { source: 'lastwindow.csv', batchSize: 500, concurrency: 4 });
    const lastStarted = await until(
      () => getProgress(stack!.client, importId),
      (p: Progress) => p.batches.total !== null && p.batches.done + p.batches.inFlight === p.batches.total && p.batches.done < p.batches.total,
    );
    expect(lastStarted.batches.total).toBe(8);
    await pauseImport(stack.client, importId);
    // Never resumed: the wait ends on its own, or the test's timeout fails it.
    const report = await waitForReport(stack.client, importId, undefined, undefined, { signal: AbortSignal.timeout(60_000) });
    expect(report.status).toBe('completed');
    expect(report.rows.imported).toBe(4_000);
    expectStoreEquals(stack.sandbox, expectedFromSampleCsv(file));
  });

  it('cancel mid-import: status cancelled, the report is written and its counts add up', async () => {
    stack = await startTestStack({ sandbox: { faults: { latencyMs: 300 } } });
    await writeSampleFile(path.join(stack.dataDir, 'cancel.csv'), { rows: 20_000 });
    const { importId } = await startImport(stack.client, { source: 'cancel.csv', batchSize: 500, concurrency: 2 });
    await until(() => getProgress(stack!.client, importId), (p: Progress) => p.batches.done >= 3);
    await cancelImport(stack.client, importId);
    const report = await until(() => getReport(stack!.client, importId), (r) => r !== null);

    expect(report?.status).toBe('cancelled');
    const rows = report!.rows;
    expect(rows.imported + rows.rejected + rows.skipped).toBe(rows.total);
    expect(rows.total).toBe(20_000);
    expect(rows.imported).toBeGreaterThanOrEqual(1_500);
    expect(rows.skipped).toBeGreaterThan(0);
    // What was sent before the cancel finished (finish-in-flight): every request sent was imported.
    expect(rows.imported).toBe(importRequests().reduce((n, r) => n + r.rows, 0));
    expect(report!.reportFile).toMatch(/report\.json$/);
  });

  // Tasks of 8 s. The first window's submits watch their tasks for about 2 s: a cancel at once
  // lands inside submitBatch, one 3 s later while the batches wait on their tasks.
  it.each([
    ['waiting for their tasks', 3_000],
    ['still in their submits (watching the tasks they posted)', 0],
  ])('cancel --abandon while the batches are %s: the report lists their requests and task IDs, their rows skipped', async (_when, delayMs) => {
    stack = await startTestStack({ sandbox: { taskTiming: { queuedMs: 4_000, processingMs: 4_000 } } });
    const source = `abandon-after-${delayMs}ms.csv`;
    await writeSampleFile(path.join(stack.dataDir, source), { rows: 2_000 });
    const { importId } = await startImport(stack.client, { source, batchSize: 500, concurrency: 2 });
    await until(() => Promise.resolve(importRequests().length), (n) => n === 2, 60_000, 20);
    await new Promise((r) => setTimeout(r, delayMs));
    await cancelImport(stack.client, importId, 'abandon');
    const report = await until(() => getReport(stack!.client, importId), (r) => r !== null);

    expect(report?.status).toBe('cancelled');
    const sent = importRequests();
    expect(sent).toHaveLength(2);
    expect(report!.requests).toBe(2);
    expect([...report!.taskIds].sort()).toEqual(sent.map((r) => String(r.taskId)).sort());
    expect(report!.rows).toEqual({ total: 2_000, imported: 0, rejected: 0, skipped: 2_000, superseded: 0 });
    expect(report!.failedBatches.filter((b) => b.status === 'abandoned').map((b) => b.failure?.code)).toEqual(['Abandoned', 'Abandoned']);
  }, 60_000);

  it('retry after cancel --abandon looks at the tasks it abandoned instead of posting their rows again', async () => {
    // Tasks of 3 s: the cancel lands while the first window's two tasks run; they then complete.
    stack = await startTestStack({ sandbox: { taskTiming: { queuedMs: 1_000, processingMs: 2_000 } } });
    const file = path.join(stack.dataDir, 'abandon-then-retry.csv');
    await writeSampleFile(file, { rows: 2_000 });
    const { importId } = await startImport(stack.client, { source: 'abandon-then-retry.csv', batchSize: 500, concurrency: 2 });
    await until(() => Promise.resolve(importRequests().length), (n) => n === 2, 60_000, 20);
    await cancelImport(stack.client, importId, 'abandon');
    const first = await waitForReport(stack.client, importId);
    expect(first.rows).toEqual({ total: 2_000, imported: 0, rejected: 0, skipped: 2_000, superseded: 0 });
    const abandonedTasks = importRequests().map((r) => String(r.taskId));
    await until(() => Promise.resolve(stack!.sandbox.tasks().filter((t) => t.status === 'completed').length), (n) => n === 2, 30_000, 100);

    await retryFailed(stack.client, importId);
    const second = await waitForReport(stack.client, importId);
    // Only the two batches that never started are posted: the abandoned ones' tasks were applied.
    const sent = importRequests();
    expect(sent).toHaveLength(4);
    expect(sent.slice(0, 2).map((r) => String(r.taskId))).toEqual(abandonedTasks);
    expect(second.status).toBe('completed');
    expect(second.rows).toEqual({ total: 2_000, imported: 2_000, rejected: 0, skipped: 0, superseded: 0 });
    expect([...second.taskIds].sort()).toEqual(sent.map((r) => String(r.taskId)).sort());
    expect(second.requests).toBe(4);
    expectStoreEquals(stack.sandbox, expectedFromSampleCsv(file));
  }, 90_000);

  it('cancel --abandon while a submit is still posting: it stops, and the report has what went out', async () => {
    // Rows that fill different attributes go in different requests: each batch of 2,000 here is 20
    // requests of 100 (rows fill one of 20 columns), posted one after another, each held 1 s by the API.
    stack = await startTestStack({ sandbox: { faults: { latencyMs: 1_000 } } });
    const columns = Array.from({ length: 20 }, (_, c) => `attr_${c}`);
    const rows = Array.from({ length: 4_000 }, (_, i) => `p${i},${columns.map((_, c) => (Math.floor(i / 100) % 20 === c ? `v${i}` : '')).join(',')}`);
    await writeFile(path.join(stack.dataDir, 'abandon-posting.csv'), `user_id,${columns.join(',')}\n${rows.join('\n')}\n`);
    const { importId } = await startImport(stack.client, { source: 'abandon-posting.csv', batchSize: 2_000, concurrency: 2 });
    await until(() => Promise.resolve(importRequests().length), (n) => n >= 2, 60_000, 20);
    await cancelImport(stack.client, importId, 'abandon');
    const report = await until(() => getReport(stack!.client, importId), (r) => r !== null);

    expect(report?.status).toBe('cancelled');
    // Each submit stopped at the cancel, before the 40 requests the file makes; one in flight then
    // was let finish, so every request the API took is in the report with its task.
    const sent = importRequests();
    expect(sent.length).toBeLessThan(40);
    expect(report!.requests).toBe(sent.length);
    expect([...report!.taskIds].sort()).toEqual(sent.map((r) => String(r.taskId)).sort());
    expect(report!.rows.imported + report!.rows.skipped).toBe(4_000);
    const abandoned = report!.failedBatches.filter((b) => b.status === 'abandoned');
    expect(abandoned).toHaveLength(2);
    expect(abandoned.map((b) => b.failure?.message).join('\n')).toMatch(/not sent/);
  }, 90_000);

  // One batch of two requests (rows fill two different attributes). The first is accepted; the
  // second is answered 429 with Retry-After 30 s, so the submit fails and waits for its next attempt.
  // A cancel during that attempt is the other case: the server does not retry an attempt that fails
  // once a cancel is asked for, and reports the attempt's failure, not a cancellation.
  it.each([
    ['waits to try again', 'backoff', 429],
    ['is posting the request that will be answered 429', 'attempt', null],
  ])('cancel --abandon while a submit %s: the request its failed attempt posted is in the report', async (_when, tag, cancelAt) => {
    stack = await startTestStack({ sandbox: { faults: { latencyMs: 1_000 } } });
    await writeFile(path.join(stack.dataDir, `abandon-${tag}.csv`), twoRequestBatchCsv());
    const { importId } = await startImport(stack.client, { source: `abandon-${tag}.csv`, batchSize: 400, concurrency: 1 });
    await until(() => Promise.resolve(importRequests().length), (n) => n >= 1, 60_000, 20);
    stack.sandbox.configure({ latencyMs: 1_000, rateLimit: 1, retryAfterShare: 1, retryAfterSeconds: 30 });
    await until(() => Promise.resolve(importRequests().filter((r, i) => i > 0 && r.status === cancelAt).length), (n) => n >= 1, 60_000, 20);
    if (cancelAt !== null) await new Promise((r) => setTimeout(r, 1_000));
    await cancelImport(stack.client, importId, 'abandon');
    const report = await until(() => getReport(stack!.client, importId), (r) => r !== null);

    expect(report?.status).toBe('cancelled');
    const accepted = importRequests().filter((r) => r.status === 202);
    expect(accepted).toHaveLength(1);
    expect(report!.requests).toBe(1);
    expect(report!.taskIds).toEqual([String(accepted[0]!.taskId)]);
    expect(report!.rows).toEqual({ total: 400, imported: 0, rejected: 0, skipped: 400, superseded: 0 });
    expect(report!.failedBatches.map((b) => [b.status, b.failure?.code])).toEqual([['abandoned', 'Abandoned']]);
  }, 60_000);

  it('retry re-runs only the two batches whose tasks failed, and the store then equals the file', async () => {
    // Every task holding row 1,201 (batch 3) or row 3,601 (batch 8) fails, however often it is sent.
    stack = await startTestStack({ sandbox: { faults: { failTasksContaining: ['u00001201', 'u00003601'] } } });
    const file = path.join(stack.dataDir, 'retry.csv');
    await writeSampleFile(file, { rows: 5_000 });
    const { importId } = await startImport(stack.client, { source: 'retry.csv', batchSize: 500, concurrency: 4, tuning: { maxTaskResubmits: 1 } });
    const first = await waitForReport(stack.client, importId);
    expect(first.status).toBe('completed_with_rejections');
    expect(first.batches).toEqual({ total: 10, succeeded: 8, failed: 2 });
    expect(first.failedBatches.map((b) => b.batch)).toEqual([3, 8]);

    stack.sandbox.configure({});
    const sentBefore = importRequests().length;
    await retryFailed(stack.client, importId);
    const second = await waitForReport(stack.client, importId);

    const resent = importRequests().slice(sentBefore);
    expect(resent.map((r) => r.firstIdentity).sort()).toEqual(['u00001001', 'u00003501']);
    expect(second.status).toBe('completed');
    expect(second.batches).toEqual({ total: 10, succeeded: 10, failed: 0 });
    expect(second.rows).toEqual({ total: 5_000, imported: 5_000, rejected: 0, skipped: 0, superseded: 0 });
    expect(second.takenOver).toMatchObject({ batches: 8, rows: { imported: 4_000, rejected: 0, skipped: 0 } });
    // The first run's resubmits and requests stay in the count; the rate is of this run's 1,000 rows in its own time.
    expect(first.retries.task_failed).toBe(2);
    expect(second.retries).toEqual(first.retries);
    expect(second.requests).toBe(first.requests + 2);
    expect(Math.round((second.rowsPerSecond * second.durationMs) / 1000)).toBe(1_000);
    expect(await runsOf(stack.client.client, importId)).toHaveLength(2);
    expectStoreEquals(stack.sandbox, expectedFromSampleCsv(file));
  });

  it('retry of an import whose batches all succeeded is refused, and sends nothing', async () => {
    stack = await startTestStack({ sandbox: { faults: { rejectIdentities: ['u00000007'] } } });
    await writeSampleFile(path.join(stack.dataDir, 'done.csv'), { rows: 300 });
    const { importId } = await startImport(stack.client, { source: 'done.csv', batchSize: 100 });
    const first = await waitForReport(stack.client, importId);
    expect(first).toMatchObject({ status: 'completed_with_rejections', batches: { total: 3, succeeded: 3, failed: 0 }, rows: { rejected: 1 } });
    const sent = importRequests().length;
    // Before, the retry ran: it read the whole file again to send nothing, and wrote the report again.
    await expect(retryFailed(stack.client, importId)).rejects.toThrow(/nothing to retry: every batch succeeded\. Its 1 rejected row\(s\) are in .*rejects/);
    expect(await runsOf(stack.client.client, importId)).toHaveLength(1);
    expect(importRequests()).toHaveLength(sent);
  });

  it('retry of a file that changed is refused every time, and the report of the run it would continue is kept', async () => {
    // The one task fails, so the import has a batch to retry.
    stack = await startTestStack({ sandbox: { faults: { failTasksContaining: ['k1'] } } });
    const file = path.join(stack.dataDir, 'changes.csv');
    const rows = (name: string) => Array.from({ length: 150 }, (_, i) => `k${i + 1},${name}`).join('\n');
    await writeFile(file, `user_id,first_name\n${rows('Old')}\n`);
    const { importId } = await startImport(stack.client, { source: 'changes.csv', tuning: { maxTaskResubmits: 0 } });
    const first = await waitForReport(stack.client, importId);
    expect(first.batches).toEqual({ total: 1, succeeded: 0, failed: 1 });
    const reportFile = first.reportFile as string;
    const kept = await readFile(reportFile, 'utf8');

    await writeFile(file, `user_id,first_name\n${rows('New')}\nk0,Newer\n`);
    for (let attempt = 1; attempt <= 2; attempt++) {
      await retryFailed(stack.client, importId);
      const refused = await waitForReport(stack.client, importId);
      expect(refused.status).toBe('failed');
      expect(refused.failure?.code).toBe('SourceChangedError');
      // `report` still says what the import did: the refused run changed nothing.
      expect(refused.rows).toEqual(first.rows);
      expect(refused.batches).toEqual(first.batches);
      expect(await readFile(reportFile, 'utf8')).toBe(kept);
    }
    expect(importRequests()).toHaveLength(1);
    expect([...stack.sandbox.profiles()]).toEqual([]); // its task failed, and nothing was sent again
  });
});
