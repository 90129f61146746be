import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { writeSampleFile } from '../../bin/sampleData';
import { startImport, waitForReport } from '../../client/imports';
import { historyText, importHistories } from '../support/history';
import { expectStoreEquals, expectedFromSampleCsv } from '../support/oracle';
import { startTestStack, type TestStack } from '../support/stack';
import { killWorkers, spawnWorker, type WorkerProcess } from '../support/workerProcess';

const CLIENT = { clientId: 'xp-import-worker', clientSecret: 'oauth-client-secret-3b8e51' };
const TOKEN_LIFETIME_MS = 1_500;

const folder = mkdtempSync(path.join(tmpdir(), 'xp-import-oauth-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** Issue 7, point 3: OAuth client credentials instead of an apptoken; the worker refreshes its own tokens. */
describe('an import authenticated with OAuth client credentials', () => {
  let stack: TestStack | undefined;
  let worker: WorkerProcess | undefined;
  afterEach(async () => {
    await killWorkers([worker]);
    worker = undefined;
    await stack?.stop();
    stack = undefined;
  });

  it('outlives several short-lived tokens and completes; the client secret reaches neither Temporal nor the log', async () => {
    stack = await startTestStack({
      inProcessWorker: false,
      sandbox: {
        oauth: { ...CLIENT, tokenLifetimeMs: TOKEN_LIFETIME_MS },
        // Slow enough that the import lasts several token lifetimes (about 8 s).
        faults: { latencyMs: 150 },
        taskTiming: { queuedMs: 300, processingMs: 700 },
      },
    });
    const file = path.join(stack.dataDir, 'oauth.csv');
    await writeSampleFile(file, { rows: 3_000, seed: 23 });
    const secretFile = path.join(folder, 'client-secret');
    writeFileSync(secretFile, `${CLIENT.clientSecret}\n`, { mode: 0o600 });
    worker = spawnWorker({
      ...stack.env,
      XTREMEPUSH_APPTOKEN: '',
      XTREMEPUSH_OAUTH_CLIENT_ID: CLIENT.clientId,
      XTREMEPUSH_OAUTH_CLIENT_SECRET_FILE: secretFile,
    });
    await worker.ready;

    const { importId } = await startImport(stack.client, { source: 'oauth.csv', importId: 'oauth-import', batchSize: 500, concurrency: 2 });
    const report = await waitForReport(stack.client, importId);
    expect(report.status).toBe('completed');
    expect(report.rows).toEqual({ total: 3_000, imported: 3_000, rejected: 0, skipped: 0, superseded: 0 });
    expectStoreEquals(stack.sandbox, expectedFromSampleCsv(file));
    expect(report.durationMs).toBeGreaterThan(2 * TOKEN_LIFETIME_MS);

    const stats = stack.sandbox.stats();
    const tokens = stats.requests['oauth/token'] ?? 0;
    expect(tokens).toBeGreaterThan(1);
    // No request carried an apptoken: everything went with bearer tokens.
    expect(stats.responses['import/profile']?.['400'] ?? 0).toBe(0);

    const text = (await importHistories(stack.client.client, importId)).map((h) => historyText(h.events)).join('\n');
    const log = worker.log();
    for (const where of [text, log]) {
      expect(where).not.toContain(CLIENT.clientSecret);
      expect(where).not.toMatch(/Bearer\s/);
    }
    const refused = Object.values(stats.responses).reduce((n, byStatus) => n + (byStatus['401'] ?? 0), 0);
    console.log(`oauth test: ${tokens} tokens over ${(report.durationMs / 1000).toFixed(1)} s, ${refused} requests answered 401 and repeated`);
  });
});
