import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeSampleFile } from '../../bin/sampleData';
import { startImport, waitForReport } from '../../client/imports';
import { freePort } from '../../workers/devServer';
import { readSampleCsv } from '../support/oracle';
import { until } from '../support/poll';
import { SANDBOX_TOKEN, startTestStack, type TestStack } from '../support/stack';
import { killWorkers, spawnWorker, type WorkerProcess } from '../support/workerProcess';

/** Issue 5: structured logs that name the import and the batch, and Prometheus metrics on request. */
describe('a worker as operators see it', () => {
  let stack: TestStack | undefined;
  let worker: WorkerProcess | undefined;
  afterEach(async () => {
    await killWorkers([worker]);
    await stack?.stop();
  });

  it('logs JSON lines with the import ID and batch number, no personal data, and serves /metrics', async () => {
    stack = await startTestStack({ inProcessWorker: false });
    const file = path.join(stack.dataDir, 'obs.csv');
    await writeSampleFile(file, { rows: 1_500 });
    const metricsPort = await freePort();
    worker = spawnWorker({ ...stack.env, XP_IMPORT_METRICS_PORT: String(metricsPort) });
    await worker.ready;
    const report = await waitForReport(stack.client, (await startImport(stack.client, { source: 'obs.csv', importId: 'obs', batchSize: 500 })).importId);
    expect(report.status).toBe('completed');
    // With core logs forwarded, the SDK holds log lines about 100 ms to sort them by time: the
    // workflow's last line may come after its result.
    const running = worker;
    await until(() => Promise.resolve(running.log()), (log) => log.includes('"message":"import finished"'), 10_000, 50);

    // Every line is JSON, the SDK core's own warnings included (forwarded to the same logger).
    expect(
      worker
        .log()
        .split('\n')
        .filter((l) => l.trim() !== '' && !l.startsWith('{')),
    ).toEqual([]);
    const lines = worker
      .log()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const batches = lines.filter((l) => l.message === 'batch finished');
    expect(batches.map((l) => [l.importId, l.batch, l.status]).sort()).toEqual([
      ['obs', 1, 'succeeded'],
      ['obs', 2, 'succeeded'],
      ['obs', 3, 'succeeded'],
    ]);
    expect(lines.find((l) => l.message === 'import finished')).toMatchObject({ importId: 'obs', status: 'completed' });
    const text = worker.log();
    expect(text).not.toContain(SANDBOX_TOKEN);
    const leaked = readSampleCsv(file).flatMap((r) => [r.email, r.mobile_number]).filter((v) => text.includes(v as string));
    expect(leaked).toEqual([]);

    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/^temporal_activity_execution_latency/m);
    expect(metrics).toMatch(/activity_type="submitBatch"/);
  });
});
