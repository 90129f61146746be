import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startTestStack } from '../support/stack';
import { spawnWorker, stackAndWorkersPerTest } from '../support/workerProcess';

/**
 * `xp-import worker` makes one API call before it takes work. An operator saw a worker with a
 * mistyped token start, write its health file and fail half the imports while the other worker
 * succeeded; a token rotation that waits for healthy workers would have rolled it everywhere.
 */
describe('xp-import worker checks the API at start', () => {
  const perTest = stackAndWorkersPerTest();

  it('does not start with a token the API refuses: exit 2, the reason, no health file', async () => {
    const stack = (perTest.stack = await startTestStack({ inProcessWorker: false }));
    const healthFile = path.join(stack.dataDir, '..', 'refused-health');
    const worker = spawnWorker({ ...stack.env, XTREMEPUSH_APPTOKEN: 'mistyped-token', XP_IMPORT_HEALTH_FILE: healthFile });
    perTest.workers.push(worker);
    await expect(worker.ready).rejects.toThrow(/worker exited \(2\) before it was ready/);
    expect(worker.log()).toContain("xp-import worker: the Xtremepush API refused this worker's first call, so it does not start: Xtremepush refused the credentials (HTTP 401)");
    expect(worker.log()).not.toContain('mistyped-token');
    expect(existsSync(healthFile)).toBe(false);
  });

  it('starts when the API does not answer, saying so (the imports retry until it does)', async () => {
    const stack = (perTest.stack = await startTestStack({ inProcessWorker: false }));
    const worker = spawnWorker({ ...stack.env, XTREMEPUSH_API_URL: 'http://127.0.0.1:1' });
    perTest.workers.push(worker);
    await worker.ready;
    const warning = worker
      .log()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: string; message: string; todo?: string })
      .find((entry) => entry.message === 'the Xtremepush API did not answer the start-up check');
    expect(warning).toMatchObject({ level: 'WARN', todo: expect.stringContaining('XTREMEPUSH_API_URL') as string });
  });
});
