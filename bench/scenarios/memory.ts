import { withSandbox, type BenchContext } from '../benchContext';
import { partImport, runXpImport, type XpImportRunResult } from '../xpImportRun';

export const MEMORY_RATIO_TARGET = 1.2;
export const MEMORY_LIMIT_BYTES = 400 * 1024 * 1024;

/** (c) Flat memory: the worker's peak resident set importing the small and the large file. */
export interface MemoryResult {
  batchSize: number;
  concurrency: number;
  /** The highest peak of the 1 M imports ((a) runs several); the ratio is to the lowest, so both targets are judged strictly. */
  small: { rows: number; peakRssBytes: number; lowestPeakRssBytes?: number; importId: string };
  large: { rows: number; peakRssBytes: number; importId: string };
  /** large ÷ small. */
  ratio: number;
  targets: { ratio: number; bytes: number };
  met: { ratio: boolean; bytes: boolean };
  /** The imports this part ran itself: the large one, and the small one when (a) did not run. */
  runs: Record<string, XpImportRunResult>;
}

const BATCH_SIZE = 10_000;
const SANDBOX = { store: 'count', requestLogLimit: 0 } as const;

/** Imports the large file with a fresh worker; the small run is (a)'s when there is one (same settings). */
export async function measureMemory(ctx: BenchContext, smallRun: XpImportRunResult | undefined, smallPeaks: number[] = []): Promise<MemoryResult> {
  const runs: Record<string, XpImportRunResult> = {};
  const importFile = (label: string, rows: number) =>
    withSandbox(ctx, SANDBOX, async (sandbox, meter) =>
      runXpImport({ ...partImport(ctx, label, await ctx.file(rows), sandbox.url, meter), batchSize: BATCH_SIZE }),
    );
  const small = smallRun ?? (runs['c-small'] = await importFile('c-small', ctx.options.rows));
  const large = (runs['c-large'] = await importFile('c-large', ctx.options.largeRows));
  const peak = (run: XpImportRunResult) => Math.max(...run.workers.map((w) => w.peakRssBytes));
  const peaks = [peak(small), ...smallPeaks];
  const smallPeak = Math.max(...peaks);
  const ratio = peak(large) / Math.min(...peaks);
  return {
    batchSize: BATCH_SIZE,
    concurrency: ctx.options.concurrency,
    small: { rows: small.rows, peakRssBytes: smallPeak, lowestPeakRssBytes: Math.min(...peaks), importId: small.importId },
    large: { rows: large.rows, peakRssBytes: peak(large), importId: large.importId },
    ratio,
    targets: { ratio: MEMORY_RATIO_TARGET, bytes: MEMORY_LIMIT_BYTES },
    met: { ratio: ratio <= MEMORY_RATIO_TARGET, bytes: smallPeak < MEMORY_LIMIT_BYTES && peak(large) < MEMORY_LIMIT_BYTES },
    runs,
  };
}
