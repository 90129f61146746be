import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeSampleFile } from '../../bin/sampleData';
import { getProgress, startImport, waitForReport } from '../../client/imports';
import type { Progress } from '../../common/progress';
import { expectedFromSampleCsv, expectStoreEquals } from '../support/oracle';
import { until } from '../support/poll';
import { startTestStack } from '../support/stack';
import { spawnWorker, stackAndWorkersPerTest } from '../support/workerProcess';

/** Issue 3: workers die (SIGKILL) or are stopped (SIGTERM) mid-import; nothing is lost. */
describe('worker processes that die or stop mid-import', () => {
  const perTest = stackAndWorkersPerTest();
  const { workers } = perTest;

  const startWorker = async () => {
    const worker = spawnWorker(perTest.stack!.env);
    workers.push(worker);
    await worker.ready;
    return worker;
  };
  const progressOf = (id: string) => () => getProgress(perTest.stack!.client, id);

  it('SIGKILL at ~30% and ~70%: the import completes, the store equals the file, only in-flight requests are re-sent, work resumes within 30 s', async () => {
    const stack = (perTest.stack = await startTestStack({
      inProcessWorker: false,
      sandbox: { faults: { latencyMs: 200 }, taskTiming: { queuedMs: 300, processingMs: 700 } },
    }));
    const file = path.join(stack.dataDir, 'profiles.csv');
    await writeSampleFile(file, { rows: 100_000, seed: 31 });
    const batches = 50;

    await startWorker();
    const { importId } = await startImport(stack.client, { source: 'profiles.csv', importId: 'crash', batchSize: 2_000, concurrency: 4 });

    const inFlightAtKills: number[] = [];
    const resumeSeconds: number[] = [];
    for (const share of [0.3, 0.7]) {
      const atKill = await until(progressOf(importId), (p: Progress) => p.rows.done >= share * 100_000, 120_000);
      inFlightAtKills.push(atKill.batches.inFlight);
      workers.at(-1)!.kill('SIGKILL');
      await workers.at(-1)!.exited;
      await startWorker();
      const restarted = Date.now();
      // Work has resumed when the new worker sends the API a request no earlier worker sent: a batch
      // posted, or its task polled, after the new worker came up.
      const requestsAtRestart = stack.sandbox.requestLog().length;
      await until(
        () => Promise.resolve(perTest.stack!.sandbox.requestLog().slice(requestsAtRestart)),
        (log) => log.some((r) => r.method === 'import/profile' || r.method === 'info/task'),
        60_000,
        100,
      );
      resumeSeconds.push((Date.now() - restarted) / 1000);
    }

    const report = await waitForReport(stack.client, importId);
    expect(report.status).toBe('completed');
    expect(report.rows).toEqual({ total: 100_000, imported: 100_000, rejected: 0, skipped: 0, superseded: 0 });
    expectStoreEquals(stack.sandbox, expectedFromSampleCsv(file));
    const requests = stack.sandbox.stats().requests['import/profile'] ?? 0;
    expect(requests).toBeGreaterThanOrEqual(batches);
    expect(requests).toBeLessThanOrEqual(batches + inFlightAtKills[0]! + inFlightAtKills[1]!);
    for (const seconds of resumeSeconds) expect(seconds).toBeLessThan(30);
    console.log(`crash test: ${requests} requests for ${batches} batches (in flight at kills: ${inFlightAtKills.join(', ')}); resumed after ${resumeSeconds.map((s) => s.toFixed(1)).join(' s, ')} s`);
  }, 400_000);

  it('SIGKILL during a request, then right after an answer: the request in doubt is counted as a possible duplicate, the answered one is not sent again', async () => {
    // 1.5 s per API call: time to kill while a request is out, and again between an answer and the
    // look that sees its task end.
    const stack = (perTest.stack = await startTestStack({
      inProcessWorker: false,
      sandbox: { faults: { latencyMs: 1_500 }, taskTiming: { queuedMs: 100, processingMs: 200 } },
    }));
    const file = path.join(stack.dataDir, 'profiles.csv');
    await writeSampleFile(file, { rows: 1_000, seed: 33 });
    // One batch of two requests: the second half of the rows has no first_name, so its rows form a part of their own.
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
    const firstName = lines[0]!.split(',').indexOf('first_name');
    const blanked = lines.map((line, i) => (i <= 500 ? line : line.replace(new RegExp(`^((?:[^,]*,){${firstName}})[^,]*`), '$1')));
    await writeFile(file, `${blanked.join('\n')}\n`);
    const expected = expectedFromSampleCsv(file).map((row) => Object.fromEntries(Object.entries(row).filter(([, value]) => value !== '')));
    const importRequests = () => stack.sandbox.requestLog().filter((r) => r.method === 'import/profile');

    await startWorker();
    const { importId } = await startImport(stack.client, { source: 'profiles.csv', importId: 'in-doubt', batchSize: 1_000, concurrency: 1 });
    // Killed while the API holds the first request.
    await until(() => Promise.resolve(importRequests()), (log) => log.length === 1 && log[0]!.respondedAt === null, 60_000, 20);
    workers.at(-1)!.kill('SIGKILL');
    await workers.at(-1)!.exited;

    // The next attempt sends it again, then the second; killed once the second's answer is in, before
    // the heartbeat saying so can reach the server (after an attempt's first, they go out 12 s apart).
    await startWorker();
    await until(() => Promise.resolve(importRequests()), (log) => log.length === 3 && log[2]!.respondedAt !== null, 60_000, 20);
    await new Promise((resolve) => setTimeout(resolve, 200));
    workers.at(-1)!.kill('SIGKILL');
    await workers.at(-1)!.exited;

    await startWorker();
    const report = await waitForReport(stack.client, importId);
    expect(report.status).toBe('completed');
    expectStoreEquals(stack.sandbox, expected);
    expect(importRequests().map((r) => r.rows)).toEqual([500, 500, 500]);
    expect(report.possibleDuplicates).toBe(1);
  }, 200_000);

  it('SIGTERM: the worker finishes what it holds, exits 0, and another worker completes the import with nothing sent twice', async () => {
    const stack = (perTest.stack = await startTestStack({
      inProcessWorker: false,
      sandbox: { faults: { latencyMs: 300 }, taskTiming: { queuedMs: 200, processingMs: 800 } },
    }));
    const file = path.join(stack.dataDir, 'profiles.csv');
    await writeSampleFile(file, { rows: 30_000, seed: 32 });
    const first = await startWorker();
    const { importId } = await startImport(stack.client, { source: 'profiles.csv', importId: 'sigterm', batchSize: 1_000, concurrency: 4 });

    await until(progressOf(importId), (p: Progress) => p.rows.done >= 9_000 && p.batches.inFlight > 0, 120_000);
    first.kill('SIGTERM');
    const exit = await first.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(first.log()).toContain('"message":"worker stopped"');

    await startWorker();
    const report = await waitForReport(stack.client, importId);
    expect(report.status).toBe('completed');
    expectStoreEquals(stack.sandbox, expectedFromSampleCsv(file));
    // Drained, not killed: no request was in doubt, so none was sent twice.
    expect(stack.sandbox.stats().requests['import/profile']).toBe(30);
    expect(report.possibleDuplicates).toBe(0);
  });
});
