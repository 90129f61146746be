import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, describe, expect, it } from 'vitest';
import type { ActivityDeps } from '../../../activities/deps';
import { planBatches } from '../../../activities/source';
import { HttpRangeSource } from '../../../activities/source/httpSource';
import { createSourceActivities } from '../../../activities/sourceActivities';
import { createBatchBuilds } from '../../../activities/submit/batchBuilds';
import { createSubmitBatch } from '../../../activities/submit/submitBatch';
import type { XtremepushClient } from '../../../activities/xtremepush/client';
import type { ImportJob, SubmitBatchInput, SubmitBatchResult } from '../../../common/batch';
import { startRangeServer } from '../../support/rangeServer';

/**
 * A submit whose batch comes from a slow http(s) source: reading the rows can take longer than the
 * submit's heartbeat timeout (15 s), so the activity must heartbeat while it reads, or Temporal
 * takes the live worker for dead and runs the batch again elsewhere.
 */
describe('a submit reading its batch from a slow http source', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'slow-source-slow-source-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('heartbeats while the source holds back the rest of the batch, before any request is posted', async () => {
    const importId = 'slow-source-slow-read';
    const served = path.join(root, 'served');
    const reportDir = path.join(root, 'reports');
    mkdirSync(served, { recursive: true });
    const rows = Array.from({ length: 40 }, (_, i) => `slow-source-u${i},name${i}`);
    writeFileSync(path.join(served, 'slow-source-slow.csv'), `user_id,first_name\n${rows.join('\n')}\n`);
    const server = await startRangeServer(served);
    try {
      const posts: number[] = [];
      const xtremepush = {
        importProfiles() {
          posts.push(Date.now());
          return Promise.resolve({ mode: 'sync' as const });
        },
        rateLimitedWithin: () => false,
      } as unknown as XtremepushClient;
      const deps: ActivityDeps = { dataDir: undefined, reportDir, buildThreads: 0, xtremepush };
      const builds = createBatchBuilds(deps);
      const submitBatch = createSubmitBatch(deps, builds);
      const source = { kind: 'url' as const, url: `${server.url}/slow-source-slow.csv` };

      // The inspection reads the file at full speed; only the submit's read is slow.
      const sourceActivities = createSourceActivities(deps, builds);
      const inspect = () => sourceActivities.inspectSource({ importId, source, format: 'csv' });
      const inspected: Awaited<ReturnType<typeof inspect>> = await new MockActivityEnvironment().run(inspect);
      const page = await planBatches(new HttpRangeSource(source.url), {
        format: 'csv',
        layout: inspected.layout,
        cursor: null,
        batchSize: 100,
        maxBatches: 10,
      });
      expect(page.batches).toHaveLength(1);
      const job = JSON.parse(JSON.stringify({ importId, source, format: 'csv', layout: inspected.layout, dryRun: false })) as ImportJob;
      const input: SubmitBatchInput = { job, batch: page.batches[0]!, maxSubmitAttempts: 5 };

      // The server sends the header and a few bytes of the batch, then nothing for 16 s: three of
      // the submit's 5 s heartbeat intervals, with the read still under way.
      const HOLD_MS = 16_000;
      server.hold(30);
      const getsBefore = server.requests().filter((r) => r.method === 'GET').length;
      const heartbeats: number[] = [];
      const env = new MockActivityEnvironment({ activityId: '1', workflowExecution: { workflowId: importId, runId: 'slow-source-run' }, attempt: 1 });
      env.on('heartbeat', () => heartbeats.push(Date.now()));
      const startedAt = Date.now();
      const submitting: Promise<SubmitBatchResult> = env.run(() => submitBatch(input));
      const releasedAt = await new Promise<number>((resolve) =>
        setTimeout(() => {
          server.release();
          resolve(Date.now());
        }, HOLD_MS),
      );
      const result = await submitting;

      // The submit really did read its batch from the server during the hold, and posted only after it.
      expect(server.requests().filter((r) => r.method === 'GET').length).toBeGreaterThan(getsBefore);
      expect(result.rows.sent).toBe(40);
      expect(posts.length).toBeGreaterThan(0);
      expect(Math.min(...posts)).toBeGreaterThanOrEqual(releasedAt);

      // Heartbeats while the source held the rest back: every interval of the read is covered.
      const duringRead = heartbeats.filter((t) => t > startedAt && t < releasedAt);
      expect(duringRead.length).toBeGreaterThanOrEqual(2);
      // No stretch of the read without a heartbeat as long as the 15 s heartbeat timeout (here: 8 s at most).
      const marks = [startedAt, ...duringRead, releasedAt];
      const longestGap = Math.max(...marks.slice(1).map((t, i) => t - (marks[i] as number)));
      expect(longestGap).toBeLessThan(8_000);
    } finally {
      await server.close();
    }
  }, 40_000);
});
