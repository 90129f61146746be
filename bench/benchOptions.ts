import { parseArgs } from 'node:util';
import path from 'node:path';
import { projectRoot } from '../workers/projectRoot';

/** The benchmark's parts, named as in the issue: (a)…(e); (f) the 10,000-batch import; (g) two workers under a rate limit. */
export const SCENARIOS = ['a', 'b', 'c', 'd', 'e', 'f', 'g'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface BenchOptions {
  quick: boolean;
  only: Set<Scenario>;
  /** Rows of the "1 M" file: (a), (b), (c) small, (e). */
  rows: number;
  /** Rows of the "10 M" file: (c) large and (f). */
  largeRows: number;
  /** (f): the large file in batches of this size (10,000 batches at 10 M rows). */
  manyBatchesSize: number;
  concurrency: number;
  /** Write worker CPU profiles (node --cpu-prof) under bench/data/profiles and summarise them. */
  profile: boolean;
  out: string;
}

/** Bad `npm run bench -- …` arguments. */
export class BenchUsageError extends Error {
  override name = 'BenchUsageError';
}

export const USAGE = `npm run bench -- [--quick] [--only a,b,c,d,e,f,g] [--rows N] [--large-rows N] [--concurrency N] [--profile] [--out FILE]
  (a) 1 M rows, no latency: xp-import vs the direct script      (b) 1 M rows, 300 ms + 2 s tasks vs the theoretical limit
  (c) worker peak RSS at 1 M and 10 M rows                     (d) history events and payload sizes of every import above
  (e) planning MB/s and validation rows/s on the 1 M file      (f) 10 M rows in batches of 1,000 (10,000 batches) completes
  (g) 1 M rows on two workers with XP_IMPORT_API_RATE_LIMIT
  --quick: 100,000 and 1,000,000 rows, results in bench/results-quick.json
  --profile: CPU profiles of every worker under bench/data/profiles/<part>, summarised in the JSON`;

export function parseBenchOptions(argv: string[]): BenchOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        quick: { type: 'boolean' },
        only: { type: 'string' },
        rows: { type: 'string' },
        'large-rows': { type: 'string' },
        concurrency: { type: 'string' },
        profile: { type: 'boolean' },
        out: { type: 'string' },
        help: { type: 'boolean' },
      },
    }));
  } catch (error) {
    throw new BenchUsageError(`${(error as Error).message}\n${USAGE}`);
  }
  if (values.help) throw new BenchUsageError(USAGE);
  const quick = values.quick === true;
  const only = new Set<Scenario>();
  for (const part of String(values.only ?? SCENARIOS.join(',')).split(',').map((s) => s.trim().toLowerCase())) {
    if (!(SCENARIOS as readonly string[]).includes(part)) throw new BenchUsageError(`--only: unknown part "${part}" (use ${SCENARIOS.join(', ')})\n${USAGE}`);
    only.add(part as Scenario);
  }
  const rows = positive(values.rows, 'rows') ?? (quick ? 100_000 : 1_000_000);
  const largeRows = positive(values['large-rows'], 'large-rows') ?? (quick ? 1_000_000 : 10_000_000);
  return {
    quick,
    only,
    rows,
    largeRows,
    manyBatchesSize: 1_000,
    concurrency: positive(values.concurrency, 'concurrency') ?? 8,
    profile: values.profile === true,
    out: path.resolve(typeof values.out === 'string' ? values.out : path.join(projectRoot(), 'bench', quick ? 'results-quick.json' : 'results.json')),
  };
}

function positive(value: string | boolean | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new BenchUsageError(`--${name} must be a positive integer`);
  return n;
}
