import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { measureImportHistories, PARENT_EVENTS_PER_BATCH_LIMIT, PAYLOAD_LIMIT_BYTES, RUN_EVENTS_LIMIT } from '../../bench/historyStats';
import { rateAllowance, requestRates } from '../../bench/requestRates';
import { writeSampleFile } from '../../bin/sampleData';
import { startImport, waitForReport } from '../../client/imports';
import { startTestStack } from '../support/stack';
import { spawnWorker, stackAndWorkersPerTest } from '../support/workerProcess';

/**
 * Issue 6 at test size: 1 M rows on two workers, and 2,000 batches for the history bounds;
 * `npm run bench` runs the full sizes (10 M rows, and 1 M rows on two workers with the figures).
 * The sandboxes keep counts only (`store: 'count'`): every distinct identity is counted, so a
 * complete store is `profiles === rows` and nothing applied twice is `rowsApplied === rows`.
 */
describe('imports at scale', () => {
  const perTest = stackAndWorkersPerTest();
  const { workers } = perTest;

  it('200,000 rows in 2,000 batches: no payload over 256 KB, no run over 10,240 events, at most 10 parent events per batch', async () => {
    const stack = (perTest.stack = await startTestStack({ sandbox: { store: 'count', requestLogLimit: 0, taskTiming: { queuedMs: 5, processingMs: 10 } } }));
    await writeSampleFile(path.join(stack.dataDir, 'profiles.csv'), { rows: 200_000, seed: 61 });
    const concurrency = 16;
    const { importId } = await startImport(stack.client, { source: 'profiles.csv', importId: 'scale-2000', batchSize: 100, concurrency });
    const report = await waitForReport(stack.client, importId);

    expect(report.status).toBe('completed');
    expect(report.rows).toEqual({ total: 200_000, imported: 200_000, rejected: 0, skipped: 0, superseded: 0 });
    expect(report.batches).toEqual({ total: 2_000, succeeded: 2_000, failed: 0 });
    expect(stack.sandbox.stats()).toMatchObject({ profiles: 200_000, rowsApplied: 200_000 });

    // Every history of the import: each run of the parent, each batch workflow it started. Every
    // batch is in them, as a submit of the import or as its own workflow.
    const history = await measureImportHistories(stack.client.client, importId, 2_000, concurrency);
    expect(history.timeline.batches).toBe(2_000);
    // The default of 1,000 batches a run: 2,000 batches need at least two runs of the parent.
    expect(history.parentRuns).toBeGreaterThanOrEqual(2);
    expect(history.largestPayload.bytes).toBeLessThanOrEqual(PAYLOAD_LIMIT_BYTES);
    expect(history.largestRun.events).toBeLessThanOrEqual(RUN_EVENTS_LIMIT);
    expect(history.parentEventsPerBatch).toBeLessThanOrEqual(PARENT_EVENTS_PER_BATCH_LIMIT);
    console.log(
      `2,000 batches: ${history.parentRuns} parent runs (${history.parentEventsByRun.join(', ')} events), ` +
        `${history.parentEventsPerBatch.toFixed(2)} parent events per batch, largest run ${history.largestRun.events} events, ` +
        `largest payload ${history.largestPayload.bytes} bytes (${history.largestPayload.eventType})`,
    );
  }, 600_000);

  it('1 M rows on two worker processes: both do work, the store is complete, and together they stay under the API rate limit', async () => {
    const rateLimit = 8;
    const stack = (perTest.stack = await startTestStack({ inProcessWorker: false, sandbox: { store: 'count', taskTiming: { queuedMs: 20, processingMs: 50 } } }));
    await writeSampleFile(path.join(stack.dataDir, 'profiles.csv'), { rows: 1_000_000, seed: 62 });
    for (let i = 0; i < 2; i++) workers.push(spawnWorker({ ...stack.env, XP_IMPORT_API_RATE_LIMIT: String(rateLimit) }));
    await Promise.all(workers.map((w) => w.ready));

    const { importId } = await startImport(stack.client, { source: 'profiles.csv', importId: 'two-workers', batchSize: 10_000, concurrency: 8 });
    const report = await waitForReport(stack.client, importId);
    expect(report.status).toBe('completed');
    expect(report.rows).toEqual({ total: 1_000_000, imported: 1_000_000, rejected: 0, skipped: 0, superseded: 0 });
    expect(stack.sandbox.stats()).toMatchObject({ profiles: 1_000_000, rowsApplied: 1_000_000 });

    // Both did work: activities in the histories were run by both workers' identities (pid@host).
    const history = await measureImportHistories(stack.client.client, importId, report.batches.total, 8);
    const byWorker = workers.map((w) => Object.entries(history.activityStartsByIdentity).find(([identity]) => identity.startsWith(`${w.child.pid}@`))?.[1] ?? 0);
    expect(byWorker.every((n) => n > 0)).toBe(true);
    expect(byWorker.reduce((a, b) => a + b, 0)).toBe(Object.values(history.activityStartsByIdentity).reduce((a, b) => a + b, 0));

    // Every import/profile and info/task call is one activity attempt, and Temporal dispatches at
    // most `rateLimit` activity tasks a second across the task queue. Slack (rateAllowance): the
    // limit is split over the task queue's 4 partitions, each a token bucket that can burst
    // ceil(limit ÷ 4) tasks, and a submit reaches the API up to ~1 s after its dispatch (it reads
    // and maps its rows first). The same bound holds for the whole import.
    const rates = requestRates(stack.sandbox.requestLog());
    expect(rates.requests).toBeGreaterThanOrEqual(report.batches.total * 2);
    expect(rates.maxInWindow['1']).toBeLessThanOrEqual(rateAllowance(rateLimit, 1));
    expect(rates.maxInWindow['5']).toBeLessThanOrEqual(rateAllowance(rateLimit, 5));
    expect(rates.requests).toBeLessThanOrEqual(rateAllowance(rateLimit, rates.spanSeconds));
    console.log(
      `two workers: activities ${byWorker.join(' + ')}; ${rates.requests} API calls in ${rates.spanSeconds.toFixed(1)} s ` +
        `(${rates.meanPerSecond.toFixed(2)}/s, at most ${rates.maxInWindow['1']} in 1 s and ${rates.maxInWindow['5']} in 5 s; limit ${rateLimit}/s)`,
    );
  }, 600_000);
});
