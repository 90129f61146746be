import { withSandbox, type BenchContext } from '../benchContext';
import { runDirect, type DirectRunResult } from '../directRun';
import { BENCH_APPTOKEN } from '../sandboxChild';
import { runXpImport, type XpImportRunResult } from '../xpImportRun';

export const THROUGHPUT_TARGET = 0.8;

/** (a) The cost of durability: xp-import against the direct script, same file, same sandbox with no added latency. */
export interface ThroughputResult {
  rows: number;
  batchSize: number;
  concurrency: number;
  xpImport: XpImportRunResult & { sandboxPeakInFlight: number };
  /** The direct script doing the project's row work (identity index, row mapper): xp-import ÷ this is the cost of durability alone. */
  direct: DirectRunResult;
  /** The direct script sending raw cells: xp-import ÷ this adds the cost of validation and of "last row wins". */
  directRaw: DirectRunResult;
  ratio: number;
  ratioVsRaw: number;
  target: number;
  met: boolean;
}

const BATCH_SIZE = 10_000;
/** No latency and the sandbox's quick default tasks: the API is as fast as this machine allows. */
const SANDBOX = { store: 'count', requestLogLimit: 0 } as const;

export async function measureThroughput(ctx: BenchContext): Promise<ThroughputResult> {
  const file = await ctx.file(ctx.options.rows);
  const { concurrency } = ctx.options;
  const direct = (rows: 'project' | 'raw') =>
    withSandbox(ctx, SANDBOX, (sandbox, meter) =>
      runDirect({ file: file.path, apiUrl: sandbox.url, apptoken: BENCH_APPTOKEN, batchSize: BATCH_SIZE, concurrency, rows }, meter, ctx.log),
    );
  const mapped = await direct('project');
  const xpImport = await withSandbox(ctx, SANDBOX, async (sandbox, meter) => {
    const run = await runXpImport({
      label: 'a',
      temporalAddress: ctx.temporalAddress,
      sandboxUrl: sandbox.url,
      file,
      batchSize: BATCH_SIZE,
      concurrency,
      histories: true,
      meter,
      profileDir: ctx.profileDir('a'),
      log: ctx.log,
    });
    return { ...run, sandboxPeakInFlight: (await sandbox.stats()).peakInFlight };
  });
  const raw = await direct('raw');
  const ratio = xpImport.rowsPerSecond / mapped.rowsPerSecond;
  return {
    rows: file.rows,
    batchSize: BATCH_SIZE,
    concurrency,
    xpImport,
    direct: mapped,
    directRaw: raw,
    ratio,
    ratioVsRaw: xpImport.rowsPerSecond / raw.rowsPerSecond,
    target: THROUGHPUT_TARGET,
    met: ratio >= THROUGHPUT_TARGET,
  };
}
