import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeSampleFile } from '../../bin/sampleData';
import { ImportSteeringError, NoSuchBatchError } from '../../client/importErrors';
import { cancelImport, getProgress, pauseImport, resolveStuckBatch, resumeImport, setImportConcurrency, startImport, waitForReport } from '../../client/imports';
import type { Progress } from '../../common/progress';
import { runCli } from '../support/cli';
import { until } from '../support/poll';
import { rejectionOf } from '../support/rejection';
import { startTestStack, type TestStack } from '../support/stack';

/** Issue 3: a task that never finishes is reported stuck by a watchdog, and an operator decides. */
describe('a stuck task', () => {
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });
  /** 400 rows in two batches of 200, the first task held "processing" by the sandbox. */
  const startStuckImport = async (importId: string, tuning: { stuckAfterMs: number; stuckLookEveryMs: number }, latencyMs = 0) => {
    stack = await startTestStack({ sandbox: { faults: { latencyMs, stuckTaskIds: [1] } } });
    await writeSampleFile(path.join(stack.dataDir, 'p.csv'), { rows: 400 });
    const live = stack;
    return { live, started: await startImport(live.client, { source: 'p.csv', importId, batchSize: 200, concurrency: 2, tuning }) };
  };

  it('is reported stuck after the watchdog time; resubmitting completes the batch, abandoning skips it', async () => {
    // Tasks 1 and 2 (the first two batches) stay "processing" forever.
    stack = await startTestStack({ sandbox: { faults: { stuckTaskIds: [1, 2] } } });
    await writeSampleFile(path.join(stack.dataDir, 'p.csv'), { rows: 600 });
    const started = await startImport(stack.client, { source: 'p.csv', importId: 'stuck', batchSize: 200, concurrency: 3, tuning: { stuckAfterMs: 3_000 } });

    const stuck = await until(
      () => getProgress(stack!.client, started.importId),
      (p: Progress) => p.batches.stuck === 2,
    );
    expect(stuck.batches.done).toBe(1);
    expect(stuck.batches.inFlight).toBe(2);
    expect(stuck.batches.stuckBatches).toHaveLength(2);
    const firstPolled = stack.sandbox.tasks().find((t) => String(t.id) === '1');
    expect(firstPolled?.status).toBe('processing');

    const requestsBefore = stack.sandbox.stats().requests['import/profile'];
    // Which batches got tasks 1 and 2 depends on start order: the progress query names them.
    const [resubmitted, abandoned] = stuck.batches.stuckBatches as [number, number];
    const answers = [
      await resolveStuckBatch(stack.client, started.importId, resubmitted, 'resubmit'),
      await resolveStuckBatch(stack.client, started.importId, abandoned, 'abandon'),
    ];
    expect(answers[0]).toMatch(/resubmitting/);
    expect(answers[1]).toMatch(/abandoning/);

    const report = await waitForReport(stack.client, started.importId);
    expect(stack.sandbox.stats().requests['import/profile']).toBe((requestsBefore ?? 0) + 1);
    expect(report.status).toBe('completed_with_rejections');
    expect(report.rows).toEqual({ total: 600, imported: 400, rejected: 0, skipped: 200, superseded: 0 });
    // The resubmitted batch's stuck task may still apply its rows.
    expect(report.possibleDuplicates).toBe(1);
    // Counted as the operator's resubmit, not as a failed task (before: task_failed 1).
    expect(report.retries).toMatchObject({ stuck_resubmitted: 1 });
    expect(report.retries.task_failed ?? 0).toBe(0);
    expect(report.batches).toEqual({ total: 3, succeeded: 2, failed: 1 });
    expect(report.failedBatches).toEqual([
      { batch: abandoned, rows: `${(abandoned - 1) * 200 + 1}-${abandoned * 200}`, status: 'abandoned', failure: { code: 'TaskStuck', message: expect.stringMatching(/still running after 3 s; abandoned/) as string } },
    ]);
    // Before, an ID with a typo was told its batch "is not running as a batch workflow" and sent to `status`.
    await expect(resolveStuckBatch(stack.client, 'stuk', abandoned, 'abandon')).rejects.toThrow('no import stuk');
  });

  it('a stuck task that ends later ends its batch by itself: its rows count as imported, nothing is sent again', async () => {
    const { live, started } = await startStuckImport('stuck-then-done', { stuckAfterMs: 2_000, stuckLookEveryMs: 500 });
    const stuck = await until(() => getProgress(live.client, started.importId), (p: Progress) => p.batches.stuck === 1);
    const [stuckBatch] = stuck.batches.stuckBatches as [number];
    const requestsBefore = live.sandbox.stats().requests['import/profile'];
    live.sandbox.configure({}); // the task is no longer held: it completes

    // Before, the batch waited for an operator forever: resubmitting re-sent applied rows, abandoning counted them as skipped.
    const report = await waitForReport(live.client, started.importId);
    expect(report.status).toBe('completed');
    expect(report.rows).toEqual({ total: 400, imported: 400, rejected: 0, skipped: 0, superseded: 0 });
    expect(live.sandbox.stats().requests['import/profile']).toBe(requestsBefore);
    await expect(resolveStuckBatch(live.client, started.importId, stuckBatch, 'resubmit')).rejects.toThrow(/is not running/);
  });

  it('a cancel waiting on a stuck batch can still be told to abandon it; the report names the stuck task', async () => {
    const { live, started } = await startStuckImport('stuck-cancel-abandon', { stuckAfterMs: 2_000, stuckLookEveryMs: 60_000 }, 100);
    const stuck = await until(() => getProgress(live.client, started.importId), (p: Progress) => p.batches.stuck === 1 && p.batches.done === 1);
    const [stuckBatch] = stuck.batches.stuckBatches as [number];
    // A plain cancel waits for the batch in flight, which waits for an operator.
    await cancelImport(live.client, started.importId);
    await until(() => getProgress(live.client, started.importId), (p: Progress) => p.phase === 'cancelling');
    // Before, each was confirmed and changed nothing, and the pause showed the import as Paused while it cancelled.
    for (const [what, steer] of [
      ['pause', () => pauseImport(live.client, started.importId)],
      ['resume', () => resumeImport(live.client, started.importId)],
      ['change', () => setImportConcurrency(live.client, started.importId, 4)],
    ] as const) {
      const refused = await rejectionOf(steer());
      expect(refused).toBeInstanceOf(ImportSteeringError);
      expect(refused).toMatchObject({ reason: 'refused', message: `stuck-cancel-abandon is being cancelled: it starts no new batch, so there is nothing to ${what}` });
    }
    await cancelImport(live.client, started.importId, 'abandon');

    const report = await waitForReport(live.client, started.importId);
    expect(report.status).toBe('cancelled');
    expect(report.rows).toEqual({ total: 400, imported: 200, rejected: 0, skipped: 200, superseded: 0 });
    // Every task the API accepted is in the report, the stuck one included: its rows may still be applied.
    expect(report.taskIdsTotal).toBe(live.sandbox.tasks().length);
    expect(report.taskIds).toContain('1');
    expect(report.failedBatches).toEqual([
      {
        batch: stuckBatch,
        rows: `${(stuckBatch - 1) * 200 + 1}-${stuckBatch * 200}`,
        status: 'abandoned',
        failure: { code: 'Abandoned', message: expect.stringMatching(/while waiting for task 1; its rows may still be applied/) as string },
      },
    ]);
  });

  it('a plain cancel waiting on a stuck batch sends nothing more: "resubmit" leaves the task open for a re-run', async () => {
    const { live, started } = await startStuckImport('stuck-cancel-resubmit', { stuckAfterMs: 2_000, stuckLookEveryMs: 60_000 }, 100);
    const stuck = await until(() => getProgress(live.client, started.importId), (p: Progress) => p.batches.stuck === 1 && p.batches.done === 1);
    const [stuckBatch] = stuck.batches.stuckBatches as [number];
    await cancelImport(live.client, started.importId);
    await until(() => getProgress(live.client, started.importId), (p: Progress) => p.phase === 'cancelling');
    const posted = live.sandbox.requestLog().filter((r) => r.method === 'import/profile').length;
    // Said as it is, not "resubmitting" (before, the CLI confirmed a resubmit that never came).
    expect(await resolveStuckBatch(live.client, started.importId, stuckBatch, 'resubmit')).toBe(
      `batch ${stuckBatch}: rows ${(stuckBatch - 1) * 200 + 1}-${stuckBatch * 200}: not resubmitted, as the import is being cancelled; the batch ends with its task open, which a re-run (\`xp-import retry\`) looks at again`,
    );

    const report = await waitForReport(live.client, started.importId);
    expect(live.sandbox.requestLog().filter((r) => r.method === 'import/profile')).toHaveLength(posted);
    expect(report.status).toBe('cancelled');
    expect(report.possibleDuplicates).toBe(0);
    expect(report.rows).toEqual({ total: 400, imported: 200, rejected: 0, skipped: 200, superseded: 0 });
    expect(report.failedBatches).toEqual([
      {
        batch: stuckBatch,
        rows: `${(stuckBatch - 1) * 200 + 1}-${stuckBatch * 200}`,
        status: 'abandoned',
        failure: { code: 'TaskStuck', message: expect.stringMatching(/task 1 still running after 2 s; not resubmitted: the import was cancelled/) as string },
      },
    ]);
  });

  it('refuses a batch number the import does not have, saying how many it has and which are stuck, in the client API and the CLI', async () => {
    stack = await startTestStack({ sandbox: { faults: { stuckTaskIds: [1] } } });
    await writeSampleFile(path.join(stack.dataDir, 'p.csv'), { rows: 600 });
    const live = stack;
    const started = await startImport(live.client, { source: 'p.csv', importId: 'no-such-batch', batchSize: 200, concurrency: 3, tuning: { stuckAfterMs: 2_000 } });
    try {
      const stuck = await until(() => getProgress(live.client, started.importId), (p: Progress) => p.batches.stuck === 1);
      const [stuckBatch] = stuck.batches.stuckBatches as [number];
      const expected = `import no-such-batch has only 3 batches (1 to 3), so there is no batch 999 to resolve; now 1 stuck: batch ${stuckBatch}`;
      // Before: "batch 999 of no-such-batch is not running as a batch workflow, so it has no stuck task".
      const refused = await resolveStuckBatch(live.client, started.importId, 999, 'abandon').catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(NoSuchBatchError);
      expect(refused).toMatchObject({ importId: 'no-such-batch', reason: 'no_such_batch', batchNumber: 999, batchCount: 3, stuckBatches: [stuckBatch], message: expected });
      // A service that passes 0 is told the same; the CLI refuses 0 before asking (its argument check).
      await expect(resolveStuckBatch(live.client, started.importId, 0, 'abandon')).rejects.toThrow('has only 3 batches (1 to 3), so there is no batch 0');
      const cli = await runCli(['resolve', started.importId, '999', 'abandon'], { TEMPORAL_ADDRESS: live.env.TEMPORAL_ADDRESS, XP_IMPORT_TASK_QUEUE: live.taskQueue });
      expect({ code: cli.code, stderr: cli.stderr }).toEqual({ code: 2, stderr: `xp-import: ${expected}\n` });
    } finally {
      await live.client.client.workflow.getHandle(started.importId).terminate('test over').catch(() => undefined);
    }
  });

  it('refuses a resolution for a batch that is not stuck', async () => {
    stack = await startTestStack({ sandbox: { faults: { stuckTaskIds: [1] } } });
    await writeSampleFile(path.join(stack.dataDir, 'p.csv'), { rows: 400 });
    const started = await startImport(stack.client, { source: 'p.csv', importId: 'not-stuck', batchSize: 200, concurrency: 1, tuning: { stuckAfterMs: 60_000 } });
    await until(() => getProgress(stack!.client, started.importId), (p: Progress) => p.batches.inFlight === 1);
    await expect(resolveStuckBatch(stack.client, started.importId, 1, 'abandon')).rejects.toThrow(/has no stuck task/);
    stack.sandbox.configure({});
  });
});
