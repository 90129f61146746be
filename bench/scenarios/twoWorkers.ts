import { withSandbox, type BenchContext } from '../benchContext';
import { rateAllowance, requestRates, type RequestRates } from '../requestRates';
import { runXpImport, type XpImportRunResult } from '../xpImportRun';

/**
 * (g) The full-size variant of the two-worker test: two worker processes share one 1 M-row import
 * with XP_IMPORT_API_RATE_LIMIT set on both. Both must do work, the store must be complete, and the
 * sandbox must see no more API calls a second than the limit allows (see `rateAllowance`).
 */
export interface TwoWorkersResult {
  rows: number;
  batchSize: number;
  concurrency: number;
  rateLimit: number;
  run: XpImportRunResult;
  /** Activity attempts each worker ran (ActivityTaskStarted identities in the histories). */
  activitiesByWorker: number[];
  storeProfiles: number;
  rowsApplied: number;
  rates: RequestRates;
  /** The most calls allowed in any 1 s and any 5 s, and over the whole import (see `rateAllowance`). */
  allowance: { oneSecond: number; fiveSeconds: number; whole: number };
  met: { bothWorked: boolean; storeComplete: boolean; underLimit: boolean };
}

const BATCH_SIZE = 10_000;
const RATE_LIMIT = 5;

export async function measureTwoWorkers(ctx: BenchContext): Promise<TwoWorkersResult> {
  const file = await ctx.file(ctx.options.rows);
  return withSandbox(ctx, { store: 'count', requestLogLimit: 1_000_000 }, async (sandbox, meter) => {
    const run = await runXpImport({
      label: 'g',
      temporalAddress: ctx.temporalAddress,
      sandboxUrl: sandbox.url,
      file,
      batchSize: BATCH_SIZE,
      concurrency: ctx.options.concurrency,
      workers: 2,
      workerEnv: { XP_IMPORT_API_RATE_LIMIT: String(RATE_LIMIT) },
      histories: true,
      meter,
      log: ctx.log,
    });
    const stats = await sandbox.stats();
    const rates = requestRates(await sandbox.requestLog());
    const identities = run.history?.activityStartsByIdentity ?? {};
    const activitiesByWorker = run.workers.map((w) => Object.entries(identities).find(([identity]) => identity.startsWith(`${w.pid}@`))?.[1] ?? 0);
    const allowance = { oneSecond: rateAllowance(RATE_LIMIT, 1), fiveSeconds: rateAllowance(RATE_LIMIT, 5), whole: rateAllowance(RATE_LIMIT, rates.spanSeconds) };
    return {
      rows: file.rows,
      batchSize: BATCH_SIZE,
      concurrency: ctx.options.concurrency,
      rateLimit: RATE_LIMIT,
      run,
      activitiesByWorker,
      storeProfiles: stats.profiles,
      rowsApplied: stats.rowsApplied,
      rates,
      allowance,
      met: {
        bothWorked: activitiesByWorker.length === 2 && activitiesByWorker.every((n) => n > 0),
        storeComplete: stats.profiles === file.rows && stats.rowsApplied === file.rows,
        underLimit: (rates.maxInWindow['1'] ?? Infinity) <= allowance.oneSecond && (rates.maxInWindow['5'] ?? Infinity) <= allowance.fiveSeconds && rates.requests <= allowance.whole,
      },
    };
  });
}
