import { withSandbox, type BenchContext } from '../benchContext';
import { partImport, runXpImport, type XpImportRunResult } from '../xpImportRun';

/** (f) The large file in small batches (10 M rows × 1,000 = 10,000 batches): it completes, over several runs. */
export interface ManyBatchesResult {
  rows: number;
  batchSize: number;
  concurrency: number;
  run: XpImportRunResult;
  completed: boolean;
}

const SANDBOX = { store: 'count', requestLogLimit: 0 } as const;

export async function measureManyBatches(ctx: BenchContext): Promise<ManyBatchesResult> {
  const file = await ctx.file(ctx.options.largeRows);
  const batchSize = ctx.options.manyBatchesSize;
  const run = await withSandbox(ctx, SANDBOX, (sandbox, meter) =>
    runXpImport({ ...partImport(ctx, 'f', file, sandbox.url, meter), batchSize: batchSize }),
  );
  return { rows: file.rows, batchSize, concurrency: ctx.options.concurrency, run, completed: run.status === 'completed' && run.rows === file.rows };
}
