import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeSampleFile } from '../../bin/sampleData';
import { cancelImport, getProgress, startImport } from '../../client/imports';
import { formatProgressLine } from '../../common/progressLine';
import { workerLastSeen } from '../../client/workerPresence';
import { CLI, runCli } from '../support/cli';
import { until } from '../support/poll';
import { startTestStack, type TestStack } from '../support/stack';
import { spawnWorker, stackAndWorkersPerTest, type WorkerProcess } from '../support/workerProcess';

/** A port nothing listens on: taken, then given back. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** What an operator sees when the import cannot move: no worker on its queue, a step that keeps failing. */
describe('an import that cannot move says why', () => {
  const perTest = stackAndWorkersPerTest();
  const { workers } = perTest;

  /** This test's stack, with no worker until readyWorker starts one as a process; its API answers after `latencyMs`; a sample of `rows` in `file`; the CLI's environment for it. */
  const stackWithSample = async (file: string, rows: number, latencyMs = 0): Promise<{ stack: TestStack; env: Record<string, string> }> => {
    const stack = (perTest.stack = await startTestStack({ inProcessWorker: false, ...(latencyMs > 0 ? { sandbox: { faults: { latencyMs } } } : {}) }));
    await writeSampleFile(path.join(stack.dataDir, file), { rows });
    return { stack, env: { TEMPORAL_ADDRESS: stack.env.TEMPORAL_ADDRESS, XP_IMPORT_TASK_QUEUE: stack.taskQueue, XP_IMPORT_DATA_DIR: stack.dataDir } };
  };
  /** A worker process of the stack, killed after the test, once it polls. */
  const readyWorker = async (stack: TestStack): Promise<WorkerProcess> => {
    const worker = spawnWorker(stack.env);
    workers.push(worker);
    await worker.ready;
    return worker;
  };

  it('with no worker on its task queue: start warns, status and pause say so at once (exit 2), and both work once a worker polls', async () => {
    const { stack, env } = await stackWithSample('waits.csv', 300);
    const noWorker = `no worker is polling task queue "${stack.taskQueue}"`;

    const started = await runCli(['start', 'waits.csv', '--id', 'waits-for-worker', '--batch-size', '100'], env);
    expect(started.code).toBe(0);
    expect(started.stdout).toContain('started import waits-for-worker');
    expect(started.stderr).toContain(noWorker);
    expect(started.stderr).toContain('xp-import worker');

    // Without the check, the query waited for the server's timeout and failed with "Failed to query Workflow" (exit 3).
    const status = await runCli(['status', 'waits-for-worker'], env);
    expect(status.code).toBe(2);
    expect(status.stderr).toContain(noWorker);
    expect(status.stderr).not.toMatch(/Failed to query/);
    const paused = await runCli(['pause', 'waits-for-worker'], env);
    expect(paused.code).toBe(2);
    expect(paused.stderr).toContain(noWorker);
    // Asked with another XP_IMPORT_TASK_QUEUE: the queue named is the import's, and the mismatch is said (before: the command's queue).
    const elsewhere = await runCli(['status', 'waits-for-worker'], { ...env, XP_IMPORT_TASK_QUEUE: 'not-the-import-queue' });
    expect(elsewhere.code).toBe(2);
    expect(elsewhere.stderr).toContain(noWorker);
    expect(elsewhere.stderr).toContain(`not on this command's XP_IMPORT_TASK_QUEUE ("not-the-import-queue"): start a worker with XP_IMPORT_TASK_QUEUE=${stack.taskQueue}`);
    // A cancel is carried out by a worker: it is sent, and the user is told nothing happens until one polls.
    await runCli(['start', 'waits.csv', '--id', 'waits-to-cancel', '--batch-size', '100'], env);
    const cancelled = await runCli(['cancel', 'waits-to-cancel'], env);
    expect(cancelled.code).toBe(0);
    expect(cancelled.stderr).toContain(noWorker);
    // A service starting one through the client API is told too, in the result (before, nothing).
    const fromService = await startImport(stack.client, { source: 'waits.csv', importId: 'waits-for-service', batchSize: 100 });
    expect(fromService.noWorker).toContain(noWorker);
    // An unknown import is still named as such, worker or not.
    const unknown = await runCli(['pause', 'no-such-import'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no import no-such-import');

    await readyWorker(stack);
    // "ready" comes just before the worker's first poll reaches the server.
    await until(() => workerLastSeen(stack.client), (seen) => seen !== null, 30_000);
    const watched = await runCli(['watch', 'waits-for-worker', '--json'], env);
    expect(watched.code).toBe(0);
    expect(JSON.parse(watched.stdout)).toMatchObject({ status: 'completed', rows: { imported: 300 } });
    expect(watched.stderr).not.toContain('no worker');
    const again = await runCli(['start', 'waits.csv', '--id', 'with-a-worker', '--batch-size', '100', '--wait', '--json'], env);
    expect(again.code).toBe(0);
    expect(again.stderr).not.toContain('no worker');
    const served = await startImport(stack.client, { source: 'waits.csv', importId: 'served-by-a-worker', batchSize: 100 });
    expect(served.noWorker).toBeUndefined();
  });

  it('with a worker that polled but does not answer (stopped): status says so after 10 s, exit 2, not the SDK\'s "Failed to query Workflow" after 30 s', async () => {
    const { stack, env } = await stackWithSample('frozen.csv', 3_000, 2_000);
    const worker = await readyWorker(stack);
    const { importId } = await startImport(stack.client, { source: 'frozen.csv', importId: 'frozen-worker', batchSize: 100 });
    await until(() => getProgress(stack.client, importId), (p) => p.batches.inFlight > 0, 30_000);
    worker.kill('SIGSTOP');
    const status = await runCli(['status', importId], env);
    worker.kill('SIGCONT');
    // Once in many runs the query failed as "Failed to query Workflow" (exit 3) rather than by its deadline: queryNotAnswered.
    expect(status.code, `status said: ${status.stderr}`).toBe(2);
    expect(status.stderr).toContain(`no worker answered within 10 s, though one polled task queue "${stack.taskQueue}" lately`);
    expect(status.stderr).not.toMatch(/Failed to query/);
  });

  it('watch, while the only worker is killed: says so after about 15 s, keeps waiting, says when the import answers again, and ends with the report', async () => {
    const { stack, env } = await stackWithSample('outage.csv', 2_000, 1_000);
    const worker = await readyWorker(stack);
    const { importId } = await startImport(stack.client, { source: 'outage.csv', importId: 'watched-outage', batchSize: 100, concurrency: 2 });
    const watch = spawn(process.execPath, [CLI, 'watch', importId, '--json'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    watch.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    watch.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    const exited = once(watch, 'exit');
    try {
      await until(() => getProgress(stack.client, importId), (p) => p.batches.done > 0, 30_000);
      worker.kill('SIGKILL');
      await worker.exited;
      // Before, nothing at all while the worker was away.
      await until(() => Promise.resolve(stderr), (text) => text.includes('no worker answers for it'), 40_000);
      expect(stderr).toMatch(/xp-import: no progress from the import for \d+ s: no worker answers for it \(stopped, overloaded or cut off from Temporal\)\. Still waiting/);
      await readyWorker(stack);
      const [code] = (await exited) as [number | null];
      expect(code, stderr).toBe(0);
      expect(stderr).toContain('xp-import: the import answers again');
      expect(JSON.parse(stdout)).toMatchObject({ status: 'completed', rows: { imported: 2_000 } });
    } finally {
      watch.kill('SIGKILL');
    }
  });

  it('with its only worker killed moments ago: status, pause, resume and set-concurrency give up after about 10 s (exit 2), not the server\'s error or a wait of minutes', async () => {
    const { stack, env } = await stackWithSample('orphaned.csv', 3_000, 2_000);
    const worker = await readyWorker(stack);
    const { importId } = await startImport(stack.client, { source: 'orphaned.csv', importId: 'worker-killed', batchSize: 100 });
    await until(() => getProgress(stack.client, importId), (p) => p.batches.inFlight > 0, 30_000);
    worker.kill('SIGKILL');
    await worker.exited;
    // Within the two minutes in which the killed worker still counts as polling.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const notAnswered = `no worker answered within 10 s, though one polled task queue "${stack.taskQueue}" lately`;

    // An update waited for a worker with no deadline: a minute or more.
    const steer = async (args: string[]) => {
      const asked = Date.now();
      const steered = await runCli(args, env, 60_000);
      expect(Date.now() - asked, `${args[0]} took too long`).toBeLessThan(25_000);
      expect(steered.code, `${args[0]} said: ${steered.stderr}`).toBe(2);
      expect(steered.stderr).toContain(notAnswered);
      expect(steered.stderr).toMatch(/may still take effect if a worker comes back/);
    };
    // Each waits out its 10 s: the query beside the pause, and the resume (after the pause) beside the concurrency.
    const [status] = await Promise.all([runCli(['status', importId], env), steer(['pause', importId])]);
    // The server's own "Failed to query Workflow" came back before the client's deadline: exit 3.
    expect(status.code, `status said: ${status.stderr}`).toBe(2);
    expect(status.stderr).toContain(notAnswered);
    expect(status.stderr).not.toMatch(/Failed to query/);
    await Promise.all([steer(['resume', importId]), steer(['set-concurrency', importId, '2'])]);
    // As the message says: the server kept the updates, and a worker that comes back applies them.
    await readyWorker(stack);
    await until(() => getProgress(stack.client, importId), (p) => p.concurrency === 2, 60_000);
  });

  it('a source URL that refuses connections: status shows the inspection retrying and why', async () => {
    const stack = (perTest.stack = await startTestStack());
    const port = await closedPort();
    const { importId } = await startImport(stack.client, { source: `http://127.0.0.1:${port}/gone.csv`, importId: 'refused-url' });
    const progress = await until(
      () => getProgress(stack.client, importId),
      (p) => p.retrying !== undefined,
      30_000,
    );
    expect(progress.phase).toBe('inspecting');
    expect(progress.retrying).toMatchObject({ step: 'inspectSource', maximumAttempts: 10 });
    expect(progress.retrying?.attempt).toBeGreaterThanOrEqual(2);
    expect(progress.retrying?.message).toMatch(/ECONNREFUSED/);
    expect(formatProgressLine(progress)).toMatch(/; retrying inspectSource \(attempt \d+ of 10\): .*ECONNREFUSED/);
    await cancelImport(stack.client, importId);
  });

  it('an API that answers 503 to every import: status shows a batch submit retrying and why', async () => {
    const stack = (perTest.stack = await startTestStack({ sandbox: { faults: { serverError: 1, serverErrorStatuses: [503] } } }));
    await writeSampleFile(path.join(stack.dataDir, 'unavailable.csv'), { rows: 300 });
    const { importId } = await startImport(stack.client, { source: 'unavailable.csv', importId: 'api-unavailable', batchSize: 100 });
    // A batch's submit runs in the import, so its retries are the import's own pending step.
    const progress = await until(
      () => getProgress(stack.client, importId),
      (p) => p.retrying !== undefined,
      30_000,
    );
    expect(progress.phase).toBe('importing');
    expect(progress.retrying).toMatchObject({ step: 'submitBatch', maximumAttempts: 25 });
    expect(progress.retrying?.attempt).toBeGreaterThanOrEqual(2);
    expect(progress.retrying?.message).toMatch(/503/);
    expect(formatProgressLine(progress)).toMatch(/; retrying submitBatch \(attempt \d+ of 25\): .*503/);
    await cancelImport(stack.client, importId);
  });
});
