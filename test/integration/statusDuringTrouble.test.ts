import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { writeSampleFile } from '../../bin/sampleData';
import { cancelImport, getProgress, startImport, waitForReport } from '../../client/imports';
import type { Progress } from '../../common/progress';
import { runCli } from '../support/cli';
import { until } from '../support/poll';
import { startTestStack } from '../support/stack';
import { stackAndWorkersPerTest } from '../support/workerProcess';

/** What `status` tells an operator while batches do not move. */
describe('status while an import is in trouble', () => {
  const perTest = stackAndWorkersPerTest();

  it('names the step retrying in a batch workflow (under an API rate limit every batch runs as one), with its batch', async () => {
    const stack = (perTest.stack = await startTestStack({ sandbox: { faults: { serverError: 1, serverErrorStatuses: [503] } }, workerEnv: { XP_IMPORT_API_RATE_LIMIT: '50' } }));
    await writeSampleFile(path.join(stack.dataDir, 'p.csv'), { rows: 200, seed: 2 });
    const { importId } = await startImport(stack.client, { source: 'p.csv', importId: 'rate-limited-503', batchSize: 200 });
    // Before, `retrying` was never set: the import's own pending activities do not include its batch workflows'.
    const progress = await until(() => getProgress(stack.client, importId), (p: Progress) => p.retrying !== undefined, 60_000, 200);
    expect(progress.retrying).toMatchObject({ step: 'submitBatch of batch 1', message: expect.stringMatching(/^ServerError: Xtremepush answered HTTP 503/) as string });
    const line = await runCli(['status', importId], stack.env);
    expect(line.stdout).toMatch(/retrying submitBatch of batch 1 \(attempt \d+ of \d+\): ServerError/);
    stack.sandbox.configure({});
    expect((await waitForReport(stack.client, importId)).rows.imported).toBe(200);
  });

  it('names 429s a batch waits out within its attempt (nothing fails, so nothing else says why it does not move)', async () => {
    const stack = (perTest.stack = await startTestStack({ sandbox: { faults: { rateLimit: 1, retryAfterShare: 1, retryAfterSeconds: 1 } } }));
    await writeSampleFile(path.join(stack.dataDir, 'p.csv'), { rows: 200, seed: 5 });
    const { importId } = await startImport(stack.client, { source: 'p.csv', importId: 'waiting-out-429s', batchSize: 200 });
    // Before, status said "no change for 140s" and nothing of the 429s until an attempt failed minutes later.
    const progress = await until(() => getProgress(stack.client, importId), (p: Progress) => p.retrying !== undefined, 30_000, 200);
    expect(progress.retrying).toMatchObject({ step: 'submitBatch', attempt: 1, message: expect.stringMatching(/^RateLimitedError: Xtremepush answers 429 .* waited out within the attempt for \d+ s so far$/) as string });
    stack.sandbox.configure({});
    expect((await waitForReport(stack.client, importId)).rows.imported).toBe(200);
  });

  it('gives the rate and ETA as of when it is asked, and how long nothing has changed, not as of the workflow\'s last step; a long task is not a retry', async () => {
    const stack = (perTest.stack = await startTestStack({ sandbox: { faults: { stuckTaskIds: [2] } } }));
    await writeSampleFile(path.join(stack.dataDir, 'p.csv'), { rows: 400, seed: 3 });
    const { importId } = await startImport(stack.client, { source: 'p.csv', importId: 'stalled', batchSize: 200, concurrency: 1, tuning: { stuckAfterMs: 60_000 } });
    // Batch 1 is done; batch 2's task runs on in its own workflow, and nothing changes in the import meanwhile.
    const first = await until(() => getProgress(stack.client, importId), (p: Progress) => p.batches.done === 1, 30_000, 100);
    const batch2 = stack.client.client.workflow.getHandle(`${importId}/batch-2`);
    // Its wait polls by failing benignly (TaskStillRunning): at least one attempt has failed so.
    await until(
      () => batch2.describe().then(({ raw }) => raw.pendingActivities ?? [], () => []),
      (pending) => pending.some((activity) => activity.activityType?.name === 'awaitImportTask' && (activity.attempt ?? 0) >= 2 && activity.lastFailure),
      30_000,
      100,
    );
    await sleep(1_000);
    const asked = Date.now();
    const later = await getProgress(stack.client, importId);
    try {
      expect(later.rows.done).toBe(first.rows.done);
      // Before, updatedAt was the workflow's last activation, and the rate and ETA were those of then.
      expect(asked - Date.parse(later.updatedAt)).toBeLessThan(1_000);
      expect(later.unchangedSeconds).toBeGreaterThanOrEqual(2);
      expect(later.rowsPerSecond).toBeLessThan(first.rowsPerSecond);
      // A task that runs long is waited on, not retried: status showed "retrying awaitImportTask … TaskStillRunning".
      expect(later.retrying).toBeUndefined();
    } finally {
      await cancelImport(stack.client, importId, 'abandon');
      await waitForReport(stack.client, importId);
    }
  });
});
