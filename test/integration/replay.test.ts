import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { writeSampleFile } from '../../bin/sampleData';
import { cancelImport, getProgress, pauseImport, resolveStuckBatch, resumeImport, retryFailed, setImportConcurrency, startImport, waitForReport } from '../../client/imports';
import type { Progress } from '../../common/progress';
import { importHistories } from '../support/history';
import { until } from '../support/poll';
import { twoRequestBatchCsv } from '../support/twoRequestBatch';
import { startTestStack } from '../support/stack';
import { findTemporalBinary } from '../../workers/temporalBinary';

/**
 * Issue 5: histories recorded from real imports replay against the current workflow code, so a
 * change that would break imports already running fails here. `XP_IMPORT_RECORD_HISTORIES=<tag>`
 * records the scenarios again as `<scenario>-<tag>-NN.json` beside the older ones, which stay:
 * do it when the workflows take a new path (behind patched()), so both paths stay replayed.
 * The files without a tag were recorded before the batch's submit moved into the import.
 */
const HISTORIES = path.resolve(__dirname, '../replay/histories');
const RECORD_TAG = process.env.XP_IMPORT_RECORD_HISTORIES;

async function recordScenarios(tag: string): Promise<void> {
  mkdirSync(HISTORIES, { recursive: true });
  for (const file of readdirSync(HISTORIES).filter((f) => f.includes(`-${tag}-`))) rmSync(path.join(HISTORIES, file));
  const save = async (stack: Awaited<ReturnType<typeof startTestStack>>, scenario: string, importId: string, options: { parentOnly?: boolean } = {}) => {
    const histories = (await importHistories(stack.client.client, importId)).filter((h) => !options.parentOnly || h.workflowId === importId);
    // The temporal CLI writes histories in the standard proto JSON form that replay reads.
    for (const [i, h] of histories.entries()) {
      const shown = spawnSync(findTemporalBinary() as string, ['workflow', 'show', '--workflow-id', h.workflowId, '--run-id', h.runId, '-o', 'json', '--address', inject('temporalAddress')], {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      });
      if (shown.status !== 0) throw new Error(shown.stderr);
      writeFileSync(path.join(HISTORIES, `${scenario}-${tag}-${String(i).padStart(2, '0')}.json`), shown.stdout);
    }
  };

  // Completed, with continue-as-new (2 batches a run), rejected rows and a pause/resume/setConcurrency.
  let stack = await startTestStack({ sandbox: { faults: { latencyMs: 200, rejectIdentities: ['u00000007'] } } });
  await writeSampleFile(path.join(stack.dataDir, 'a.csv'), { rows: 1_000 });
  let id = 'replay-completed';
  await startImport(stack.client, { source: 'a.csv', importId: id, batchSize: 200, concurrency: 2, tuning: { maxBatchesPerRun: 2 } });
  await until(() => getProgress(stack.client, id), (p: Progress) => p.batches.done >= 1);
  await pauseImport(stack.client, id);
  await setImportConcurrency(stack.client, id, 1);
  await resumeImport(stack.client, id);
  await waitForReport(stack.client, id);
  await save(stack, 'completed', id);
  await stack.stop();

  // Failed tasks, then a re-run of the failed batch; and a stuck task resolved both ways.
  stack = await startTestStack({ sandbox: { faults: { failTasksContaining: ['u00000250'], stuckTaskIds: [] } } });
  await writeSampleFile(path.join(stack.dataDir, 'b.csv'), { rows: 600 });
  id = 'replay-retry';
  await startImport(stack.client, { source: 'b.csv', importId: id, batchSize: 200, concurrency: 3, tuning: { maxTaskResubmits: 1 } });
  await waitForReport(stack.client, id);
  stack.sandbox.configure({ stuckTaskIds: [] });
  await retryFailed(stack.client, id);
  await waitForReport(stack.client, id);
  await save(stack, 'retry', id);
  await stack.stop();

  stack = await startTestStack({ sandbox: { faults: { stuckTaskIds: [1, 2] } } });
  await writeSampleFile(path.join(stack.dataDir, 'c.csv'), { rows: 400 });
  id = 'replay-stuck';
  await startImport(stack.client, { source: 'c.csv', importId: id, batchSize: 200, concurrency: 2, tuning: { stuckAfterMs: 2_000 } });
  const stuck = await until(() => getProgress(stack.client, id), (p: Progress) => p.batches.stuck === 2);
  await resolveStuckBatch(stack.client, id, stuck.batches.stuckBatches[0]!, 'resubmit');
  await resolveStuckBatch(stack.client, id, stuck.batches.stuckBatches[1]!, 'abandon');
  await waitForReport(stack.client, id);
  await save(stack, 'stuck', id);
  await stack.stop();

  // Cancelled mid-import, and failed at once on a wrong token.
  stack = await startTestStack({ sandbox: { faults: { latencyMs: 300 } } });
  await writeSampleFile(path.join(stack.dataDir, 'd.csv'), { rows: 2_000 });
  id = 'replay-cancelled';
  await startImport(stack.client, { source: 'd.csv', importId: id, batchSize: 200, concurrency: 2 });
  await until(() => getProgress(stack.client, id), (p: Progress) => p.batches.done >= 2);
  await cancelImport(stack.client, id);
  await until(() => stack.client.client.workflow.getHandle(id).describe(), (d) => d.status.name === 'CANCELLED');
  await save(stack, 'cancelled', id);
  await stack.stop();

  // Plan pages of four batches, so batches near a page's end start while the next page is planned.
  stack = await startTestStack({ sandbox: { faults: { latencyMs: 300 } } });
  await writeSampleFile(path.join(stack.dataDir, 'p.csv'), { rows: 2_000 });
  id = 'replay-pages';
  const bytesPerPlanPage = Math.floor((statSync(path.join(stack.dataDir, 'p.csv')).size / 20) * 4.5);
  await startImport(stack.client, { source: 'p.csv', importId: id, batchSize: 100, concurrency: 2, tuning: { bytesPerPlanPage } });
  await waitForReport(stack.client, id);
  await save(stack, 'pages', id, { parentOnly: true });
  await stack.stop();

  stack = await startTestStack({ workerEnv: { XTREMEPUSH_APPTOKEN: 'wrong' } });
  await writeSampleFile(path.join(stack.dataDir, 'e.csv'), { rows: 300 });
  id = 'replay-failed';
  await startImport(stack.client, { source: 'e.csv', importId: id });
  await waitForReport(stack.client, id);
  await save(stack, 'failed', id);
  await stack.stop();

  // A source that cannot be reached in any attempt: the import fails with a report.
  stack = await startTestStack();
  id = 'replay-gave-up';
  await startImport(stack.client, { source: 'http://127.0.0.1:1/gone.csv', importId: id, tuning: { maxSourceAttempts: 2 } });
  await waitForReport(stack.client, id);
  await save(stack, 'gave-up', id);
  await stack.stop();

  // A plain cancel waiting on a stuck batch, then cancel --abandon: the stuck task is reported.
  stack = await startTestStack({ sandbox: { faults: { latencyMs: 100, stuckTaskIds: [1] } } });
  await writeSampleFile(path.join(stack.dataDir, 's.csv'), { rows: 400 });
  id = 'replay-abandoned-stuck';
  await startImport(stack.client, { source: 's.csv', importId: id, batchSize: 200, concurrency: 2, tuning: { stuckAfterMs: 2_000, stuckLookEveryMs: 60_000 } });
  await until(() => getProgress(stack.client, id), (p: Progress) => p.batches.stuck === 1 && p.batches.done === 1);
  await cancelImport(stack.client, id);
  await until(() => getProgress(stack.client, id), (p: Progress) => p.phase === 'cancelling');
  await cancelImport(stack.client, id, 'abandon');
  await waitForReport(stack.client, id);
  await save(stack, 'abandoned-stuck', id);
  await stack.stop();

  // A plain cancel while posts are answered 429: from the import's submits, then (a worker under an
  // API rate limit) from batch workflows told to stop; the request taken before the 429 is waited for.
  for (const [where, workerEnv] of [
    ['import', {}],
    ['children', { XP_IMPORT_API_RATE_LIMIT: '50' }],
  ] as const) {
    stack = await startTestStack({ sandbox: { faults: { latencyMs: 500 } }, workerEnv });
    writeFileSync(path.join(stack.dataDir, `t-${where}.csv`), twoRequestBatchCsv());
    id = `replay-cancel-stops-${where}`;
    await startImport(stack.client, { source: `t-${where}.csv`, importId: id, batchSize: 400, concurrency: 1 });
    const requests = () => Promise.resolve(stack.sandbox.requestLog().filter((r) => r.method === 'import/profile'));
    await until(requests, (log) => log.length >= 1, 60_000, 20);
    stack.sandbox.configure({ latencyMs: 500, rateLimit: 1, retryAfterShare: 1, retryAfterSeconds: 30 });
    await until(requests, (log) => log.some((r) => r.status === 429), 60_000, 20);
    await cancelImport(stack.client, id);
    await waitForReport(stack.client, id);
    await save(stack, `cancel-stops-${where}`, id);
    await stack.stop();
  }

  // cancel --abandon during a submit's attempt that is then answered 429.
  stack = await startTestStack({ sandbox: { faults: { latencyMs: 1_000 } } });
  writeFileSync(path.join(stack.dataDir, 'u.csv'), twoRequestBatchCsv());
  id = 'replay-abandoned-attempt';
  await startImport(stack.client, { source: 'u.csv', importId: id, batchSize: 400, concurrency: 1 });
  const posts = () => Promise.resolve(stack.sandbox.requestLog().filter((r) => r.method === 'import/profile'));
  await until(posts, (log) => log.length >= 1, 60_000, 20);
  stack.sandbox.configure({ latencyMs: 1_000, rateLimit: 1, retryAfterShare: 1, retryAfterSeconds: 30 });
  await until(posts, (log) => log.length >= 2, 60_000, 20);
  await cancelImport(stack.client, id, 'abandon');
  await waitForReport(stack.client, id);
  await save(stack, 'abandoned-attempt', id);
  await stack.stop();

  // cancel --abandon while a batch resubmits the request whose task failed (the resubmit waits out a 429).
  stack = await startTestStack({ sandbox: { faults: { latencyMs: 500, failTasksContaining: ['b300'] } } });
  writeFileSync(path.join(stack.dataDir, 'v.csv'), twoRequestBatchCsv());
  id = 'replay-resubmit-abandoned';
  await startImport(stack.client, { source: 'v.csv', importId: id, batchSize: 400, concurrency: 1 });
  await until(() => Promise.resolve(stack.sandbox.tasks().filter((t) => t.status === 'failed').length), (n) => n >= 1, 60_000, 20);
  stack.sandbox.configure({ latencyMs: 500, failTasksContaining: ['b300'], rateLimit: 1, retryAfterShare: 1, retryAfterSeconds: 30 });
  await until(posts, (log) => log.some((r) => r.status === 429), 60_000, 20);
  await cancelImport(stack.client, id, 'abandon');
  await waitForReport(stack.client, id);
  await save(stack, 'resubmit-abandoned', id);
  await stack.stop();

  // A plain cancel after a post whose answer was lost (then 429s), and a re-run that sends it again.
  stack = await startTestStack({ sandbox: { faults: { latencyMs: 500, dropAfterApply: 1 } } });
  await writeSampleFile(path.join(stack.dataDir, 'w.csv'), { rows: 200 });
  id = 'replay-lost-answer';
  await startImport(stack.client, { source: 'w.csv', importId: id, batchSize: 200, concurrency: 1 });
  await until(posts, (log) => log.some((r) => r.respondedAt !== null), 60_000, 5);
  stack.sandbox.configure({ latencyMs: 200, rateLimit: 1, retryAfterShare: 1, retryAfterSeconds: 30 });
  await until(posts, (log) => log.some((r) => r.status === 429), 60_000, 20);
  await cancelImport(stack.client, id);
  await waitForReport(stack.client, id);
  stack.sandbox.configure({});
  await retryFailed(stack.client, id);
  await waitForReport(stack.client, id);
  await save(stack, 'lost-answer', id);
  await stack.stop();

  // The apptoken revoked in the middle of a batch (its submit in the import, its submit in a batch
  // workflow, the wait of a batch workflow), then a re-run once it is valid again.
  for (const [scenario, accepted, workerEnv] of [
    ['revoked-submit', 1, {}],
    ['revoked-child-submit', 1, { XP_IMPORT_API_RATE_LIMIT: '50' }],
    ['revoked-child-wait', 2, { XP_IMPORT_API_RATE_LIMIT: '50' }],
  ] as const) {
    stack = await startTestStack({ sandbox: { faults: { revokeTokenAfterImports: accepted } }, workerEnv });
    writeFileSync(path.join(stack.dataDir, `${scenario}.csv`), twoRequestBatchCsv());
    id = `replay-${scenario}`;
    await startImport(stack.client, { source: `${scenario}.csv`, importId: id, batchSize: 400, concurrency: 1 });
    await waitForReport(stack.client, id);
    stack.sandbox.configure({});
    await retryFailed(stack.client, id);
    await waitForReport(stack.client, id);
    await save(stack, scenario, id);
    await stack.stop();
  }

  // A batch whose task outlasts its run goes on beside the next runs (handed over): let through in
  // one import, abandoned by cancel --abandon in the other.
  for (const scenario of ['handed-over', 'handed-over-abandoned']) {
    stack = await startTestStack({ sandbox: { faults: { stuckTaskIds: [1] } } });
    await writeSampleFile(path.join(stack.dataDir, `${scenario}.csv`), { rows: 1_200 });
    id = `replay-${scenario}`;
    await startImport(stack.client, { source: `${scenario}.csv`, importId: id, batchSize: 200, concurrency: 2, tuning: { maxBatchesPerRun: 2, stuckAfterMs: 600_000 } });
    await until(() => getProgress(stack.client, id), (p: Progress) => p.batches.done === 5, 60_000, 100);
    if (scenario === 'handed-over') stack.sandbox.configure({});
    else await cancelImport(stack.client, id, 'abandon');
    await waitForReport(stack.client, id);
    await save(stack, scenario, id);
    await stack.stop();
  }
}

describe('recorded histories', () => {
  it('replay against the current workflow code without a determinism error', async () => {
    if (RECORD_TAG) await recordScenarios(RECORD_TAG);
    const files = readdirSync(HISTORIES).filter((f) => f.endsWith('.json')).sort();
    expect(files.length).toBeGreaterThanOrEqual(20);
    for (const scenario of ['completed', 'retry', 'stuck', 'cancelled', 'failed', 'pages', 'gave-up', 'abandoned-stuck', 'cancel-stops-import', 'cancel-stops-children', 'abandoned-attempt', 'resubmit-abandoned', 'lost-answer', 'revoked-submit', 'revoked-child-submit', 'revoked-child-wait', 'handed-over', 'handed-over-abandoned']) expect(files.some((f) => f.startsWith(`${scenario}-`))).toBe(true);

    const histories = files.map((file) => ({ workflowId: file, history: JSON.parse(readFileSync(path.join(HISTORIES, file), 'utf8')) as unknown }));
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath: inject('workflowBundle') } }, histories)) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
  }, 600_000);
});
