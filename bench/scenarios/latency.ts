import type { RequestLogEntry } from '../../sandbox';
import { withSandbox, type BenchContext } from '../benchContext';
import { runDirect, type DirectRunResult } from '../directRun';
import { BENCH_APPTOKEN } from '../sandboxChild';
import { partImport, runXpImport, type XpImportRunResult } from '../xpImportRun';

export const LATENCY_TARGET = 0.9;

/** (b) A realistic API: every request takes 300 ms, every task 2 s. How close does xp-import get to the limit? */
export interface LatencyResult {
  rows: number;
  batchSize: number;
  concurrency: number;
  requestLatencyMs: number;
  taskMs: number;
  /** concurrency × batch size ÷ (request time + task time), with the nominal request time. */
  theoreticalRowsPerSecond: number;
  /** The same with the mean import/profile time the sandbox measured (latency + reading and applying the body). */
  measuredRequestMs: number;
  theoreticalWithMeasuredRequest: number;
  /** Task Info calls per batch: what seeing each task’s end soon costs in API calls (absent from runs before 2026-11-30). */
  looksPerBatch?: { xpImport: number; direct: number };
  xpImport: XpImportRunResult;
  /** The direct script under the same conditions: what the poll schedule alone costs, without Temporal. */
  direct: DirectRunResult;
  ratio: number;
  directRatio: number;
  target: number;
  met: boolean;
}

const BATCH_SIZE = 10_000;
const LATENCY_MS = 300;
const TASK_MS = 2_000;
/** 30% queued, 70% processing, as `xp-import sandbox --task-ms` splits it. */
const SANDBOX = {
  store: 'count',
  faults: { latencyMs: LATENCY_MS },
  taskTiming: { queuedMs: TASK_MS * 0.3, processingMs: TASK_MS * 0.7 },
  requestLogLimit: 100_000,
} as const;

export async function measureLatency(ctx: BenchContext): Promise<LatencyResult> {
  const file = await ctx.file(ctx.options.rows);
  const { concurrency } = ctx.options;
  const theoretical = (requestMs: number) => (concurrency * BATCH_SIZE) / ((requestMs + TASK_MS) / 1000);
  let measuredRequestMs = 0;
  let looks = 0;
  const xpImport = await withSandbox(ctx, SANDBOX, async (sandbox, meter) => {
    const run = await runXpImport({ ...partImport(ctx, 'b', file, sandbox.url, meter), batchSize: BATCH_SIZE });
    const log = await sandbox.requestLog();
    measuredRequestMs = meanImportRequestMs(log);
    looks = log.filter((e) => e.method === 'info/task' || e.method === 'list/task').length;
    return run;
  });
  const direct = await withSandbox(ctx, SANDBOX, (sandbox, meter) =>
    runDirect({ file: file.path, apiUrl: sandbox.url, apptoken: BENCH_APPTOKEN, batchSize: BATCH_SIZE, concurrency, rows: 'project' }, meter, ctx.log),
  );
  const limit = theoretical(LATENCY_MS);
  const ratio = xpImport.rowsPerSecond / limit;
  return {
    rows: file.rows,
    batchSize: BATCH_SIZE,
    concurrency,
    requestLatencyMs: LATENCY_MS,
    taskMs: TASK_MS,
    theoreticalRowsPerSecond: limit,
    measuredRequestMs,
    theoreticalWithMeasuredRequest: theoretical(measuredRequestMs),
    looksPerBatch: { xpImport: looks / xpImport.batches, direct: direct.polls / direct.requests },
    xpImport,
    direct,
    ratio,
    directRatio: direct.rowsPerSecond / limit,
    target: LATENCY_TARGET,
    met: ratio >= LATENCY_TARGET,
  };
}

/** Mean time the sandbox took from receiving an import/profile request to answering it. */
function meanImportRequestMs(log: RequestLogEntry[]): number {
  const times = log.filter((e) => e.method === 'import/profile' && e.respondedAt !== null).map((e) => (e.respondedAt as number) - e.receivedAt);
  return times.length > 0 ? Math.round(times.reduce((a, b) => a + b, 0) / times.length) : 0;
}
