import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { blocksOf, DIGEST_BLOCK_BYTES } from '../../activities/source/blockDigests';
import { writeSampleFile } from '../../bin/sampleData';
import { getProgress, startImport, waitForReport } from '../../client/imports';
import { formatProgressLine } from '../../common/progressLine';
import { exitCodeForReport, ExitCode } from '../../common/report';
import { runCli } from '../support/cli';
import type { SubmitBatchInput } from '../../common/batch';
import { completedActivities, importHistories } from '../support/history';
import { expectStoreEquals, expectedFromSampleCsv } from '../support/oracle';
import { until } from '../support/poll';
import { startRangeServer, type RangeServer } from '../support/rangeServer';
import { startTestStack, type TestStack } from '../support/stack';
import { killWorkers, spawnWorker, type WorkerProcess } from '../support/workerProcess';

/** Stands in for a pre-signed URL's signature: it must appear in no message, log or report. */
const SIGNATURE = 'X-Amz-Signature=5ec7e7a11ce0ffee';

/** Issue 7, point 4: http(s) sources read with Range requests, by workers that share no disk. */
describe('an import from an http URL', () => {
  // The files are served from a folder no worker has as its data folder.
  const served = mkdtempSync(path.join(tmpdir(), 'xp-import-served-'));
  afterAll(() => rmSync(served, { recursive: true, force: true }));
  let stack: TestStack | undefined;
  let server: RangeServer | undefined;
  const workers: WorkerProcess[] = [];
  afterEach(async () => {
    await killWorkers(workers.splice(0));
    await stack?.stop();
    await server?.close();
    stack = undefined;
    server = undefined;
  });

  it('shows how far the inspection has read while it reads', async () => {
    const file = path.join(served, 'slow.csv');
    await writeSampleFile(file, { rows: 30_000, seed: 43 });
    const size = statSync(file).size;
    server = await startRangeServer(served);
    // The worker reads 1 MB chunks: it gets one, heartbeats, and waits for the rest.
    server.hold(1_500_000);
    stack = await startTestStack();
    const { importId } = await startImport(stack.client, { source: `${server.url}/slow.csv?${SIGNATURE}`, importId: 'slow-inspection' });
    const inspecting = await until(
      () => getProgress(stack!.client, importId),
      (p) => p.inspection !== undefined,
    );
    expect(inspecting.phase).toBe('inspecting');
    const { bytesRead, bytesTotal } = inspecting.inspection ?? { bytesRead: 0, bytesTotal: null };
    expect(bytesTotal).toBe(size);
    expect(bytesRead).toBeGreaterThan(0);
    expect(bytesRead).toBeLessThanOrEqual(1_500_000);
    const percent = Math.floor((bytesRead * 100) / size);
    expect(formatProgressLine(inspecting)).toBe(`inspecting: ${(bytesRead / 1e6).toFixed(1)} of ${(size / 1e6).toFixed(1)} MB read (${percent}%)`);
    server.release();

    const report = await waitForReport(stack.client, importId);
    expect(report.rows.imported).toBe(30_000);
    expect((await getProgress(stack.client, importId)).inspection).toBeUndefined();
  });

  it('completes, run by two worker processes that each send batches, reading each batch by Range', async () => {
    const file = path.join(served, 'people.csv');
    await writeSampleFile(file, { rows: 6_000, seed: 41 });
    server = await startRangeServer(served);
    stack = await startTestStack({ inProcessWorker: false, sandbox: { faults: { latencyMs: 100 }, taskTiming: { queuedMs: 100, processingMs: 300 } } });
    // Two activity slots each: with four batches in flight, neither worker can take them all.
    const env = { ...stack.env, XP_IMPORT_MAX_CONCURRENT_ACTIVITIES: '2' };
    workers.push(spawnWorker(env), spawnWorker(env));
    await Promise.all(workers.map((w) => w.ready));

    const url = `${server.url}/people.csv?${SIGNATURE}`;
    const { importId } = await startImport(stack.client, { source: url, importId: 'from-url', batchSize: 500, concurrency: 4 });
    const report = await waitForReport(stack.client, importId);
    expect(report.status).toBe('completed');
    expect(report.rows).toEqual({ total: 6_000, imported: 6_000, rejected: 0, skipped: 0, superseded: 0 });
    expect(report.batches).toEqual({ total: 12, succeeded: 12, failed: 0 });
    expectStoreEquals(stack.sandbox, expectedFromSampleCsv(file));

    // Who sent each batch: the identity (pid@host) of the worker that started its submitBatch.
    const size = statSync(file).size;
    const senders = new Set<string>();
    const batchRanges: string[] = [];
    for (const { events } of await importHistories(stack.client.client, importId)) {
      for (const { input } of completedActivities(events, 'submitBatch')) {
        const { batch } = input as SubmitBatchInput;
        // Its own range widened to whole blocks of the inspection's digests, which it checks.
        const { first, count } = blocksOf(batch.startByte, batch.endByte);
        batchRanges.push(`bytes=${first * DIGEST_BLOCK_BYTES}-${Math.min(size, (first + count) * DIGEST_BLOCK_BYTES) - 1}`);
      }
      const submits = new Set(events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'submitBatch').map((e) => String(e.eventId)));
      for (const e of events) {
        const started = e.activityTaskStartedEventAttributes;
        if (started && submits.has(String(started.scheduledEventId)) && started.identity) senders.add(started.identity);
      }
    }
    const pids = workers.map((w) => String(w.child.pid));
    expect([...senders].map((identity) => identity.split('@')[0]).sort()).toEqual(pids.sort());

    // Every read is a ranged GET on the condition of the inspected ETag, and each batch read its own range (in whole blocks).
    const gets = server.requests().filter((r) => r.method === 'GET');
    expect(gets.every((r) => r.range !== undefined && r.ifMatch !== undefined && r.status === 206)).toBe(true);
    expect(batchRanges).toHaveLength(12);
    const requested = new Set(gets.map((r) => r.range));
    expect(batchRanges.filter((range) => !requested.has(range))).toEqual([]);

    const seen = `${JSON.stringify(report)}\n${workers.map((w) => w.log()).join('\n')}`;
    expect(seen).not.toContain(SIGNATURE);
  }, 180_000);

  it('stops with a SourceChangedError when the file is rewritten mid-import (exit code 3)', async () => {
    const file = path.join(served, 'changing.csv');
    await writeSampleFile(file, { rows: 5_000, seed: 43 });
    server = await startRangeServer(served);
    stack = await startTestStack({ sandbox: { faults: { latencyMs: 200 }, taskTiming: { queuedMs: 300, processingMs: 700 } } });
    const url = `${server.url}/changing.csv?${SIGNATURE}`;
    const { importId } = await startImport(stack.client, { source: url, importId: 'url-changed', batchSize: 250, concurrency: 2 });
    await until(() => getProgress(stack!.client, importId), (p) => p.batches.done >= 1, 60_000, 100);

    // Same size, other content: only the ETag tells the versions apart.
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, original.replace(/example\.com/g, 'example.org'));
    expect(readFileSync(file).length).toBe(Buffer.byteLength(original));

    const report = await waitForReport(stack.client, importId);
    expect(report.status).toBe('failed');
    expect(report.failure?.code).toBe('SourceChangedError');
    expect(report.failure?.message).toMatch(/changed since it was inspected.*Start a new import/);
    expect(report.failure?.message).not.toContain(SIGNATURE);
    expect(report.rows.imported).toBeLessThan(5_000);
    expect(exitCodeForReport(report)).toBe(ExitCode.failed);
    const cli = await runCli(['report', importId, '--json'], { TEMPORAL_ADDRESS: stack.env.TEMPORAL_ADDRESS, XP_IMPORT_TASK_QUEUE: stack.taskQueue });
    expect(cli.code).toBe(3);
    // No row of the new version was sent: every stored email is still from the original file.
    const stored = [...stack.sandbox.profiles().values()].map((p) => String(p.email));
    expect(stored.length).toBeGreaterThan(0);
    expect(stored.filter((email) => email.endsWith('example.org'))).toEqual([]);
  }, 180_000);

  it('ends as failed, with a report, when the source cannot be reached in any of its attempts', async () => {
    stack = await startTestStack();
    // Port 1: nothing listens, so every attempt is refused at once (a retryable SourceUnavailableError).
    const url = `http://127.0.0.1:1/gone.csv?${SIGNATURE}`;
    const { importId } = await startImport(stack.client, { source: url, importId: 'url-unreachable', tuning: { maxSourceAttempts: 2 } });
    const report = await waitForReport(stack.client, importId);
    expect(report.status).toBe('failed');
    expect(report.failure?.code).toBe('SourceUnavailableError');
    expect(report.failure?.message).not.toContain(SIGNATURE);
    expect(report.rows.total).toBe(0);
    const env = { TEMPORAL_ADDRESS: stack.env.TEMPORAL_ADDRESS, XP_IMPORT_TASK_QUEUE: stack.taskQueue };
    const cli = await runCli(['report', importId], env);
    expect(cli.code).toBe(3);
    expect(cli.stdout).toContain('SourceUnavailableError');
    // The UI's list shows it as failed, not still running.
    const described = await stack.client.client.workflow.getHandle(importId).describe();
    expect(described.searchAttributes.ImportStatus).toEqual(['Failed']);
  }, 120_000);
});
