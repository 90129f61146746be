import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { DEFAULT_BUFFER_ENTRIES, IdentityIndexBuilder, inspectWithIdentityIndex } from '../activities/dedupe';
import { LocalFileSource } from '../activities/source';
import { projectRoot } from '../workers/projectRoot';

/*
 * Duplicate detection on 1 M and 10 M rows: time and peak memory (the kernel's maxRSS of a fresh
 * process per measurement). Not a test: `npm run build && node dist/bench/dedupe.js`.
 *
 *   --mode keys   identities generated on the fly, fed straight to the index (the index alone)
 *   --mode csv    a generated CSV under bench/data/, through the whole inspection pass (sha256,
 *                 record scan, CSV parsing, identity index): what `inspectSource` costs
 *   --rows N      one size only (default: 1, 4 and 10 million; the peak stops growing once the
 *                 buffer is full, at 2 million rows by default)
 *   --buffer N    entries held in memory before a run is spilled (default: the builder's)
 *
 * About 10% of the rows repeat an earlier identity: row i has identity (i * 7919) mod 0.9 N.
 */

const DATA_DIR = path.join(projectRoot(), 'bench', 'data');

interface Measurement {
  mode: string;
  rows: number;
  bufferEntries: number;
  superseded: number;
  spilledRuns: number;
  seconds: number;
  baselineRssMiB: number;
  peakRssMiB: number;
}

function identityOf(row: number, rows: number): string {
  return `c${(row * 7919) % Math.floor(rows * 0.9)}`;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? undefined : process.argv[i + 1];
}

const mib = (bytes: number) => Math.round(bytes / (1024 * 1024));

/** A CSV of `rows` rows (identity, a name, a city), written once and kept in bench/data/. */
async function ensureCsv(rows: number): Promise<void> {
  mkdirSync(DATA_DIR, { recursive: true });
  const file = csvPath(rows);
  if (existsSync(file)) return;
  const partial = `${file}.partial`;
  const out = createWriteStream(partial, { highWaterMark: 1 << 20 });
  let chunk = 'user_id,first_name,city\n';
  for (let row = 1; row <= rows; row++) {
    chunk += `${identityOf(row, rows)},Name ${row % 977},City ${row % 31}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
  renameSync(partial, file);
}

function csvPath(rows: number): string {
  return path.join(DATA_DIR, `dedupe-${rows}.csv`);
}

/** One measurement, in this (fresh) process. */
async function measure(mode: string, rows: number, bufferEntries: number): Promise<Measurement> {
  const file = mode === 'csv' ? csvPath(rows) : undefined;
  const tmpDir = path.join(DATA_DIR, `spill-${process.pid}`);
  mkdirSync(tmpDir, { recursive: true });
  const out = path.join(tmpDir, 'superseded.bin');
  global.gc?.();
  const baselineRssMiB = mib(process.memoryUsage().rss);
  const started = process.hrtime.bigint();
  let superseded: number;
  let spilledRuns: number;
  try {
    if (file !== undefined) {
      const inspection = await inspectWithIdentityIndex(new LocalFileSource(file), { format: 'csv', supersededFile: out, index: { bufferEntries, tmpDir } });
      ({ superseded, spilledRuns } = inspection.index);
    } else {
      const builder = new IdentityIndexBuilder({ bufferEntries, tmpDir });
      for (let row = 1; row <= rows; row++) builder.add(`user_id:${identityOf(row, rows)}`, row);
      ({ superseded, spilledRuns } = await builder.finish(out));
    }
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  // maxRSS is the kernel's high-water mark of this process, in KiB.
  return { mode, rows, bufferEntries, superseded, spilledRuns, seconds, baselineRssMiB, peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024) };
}

function printTable(results: Measurement[]): void {
  const header = ['mode', 'rows', 'buffer', 'superseded', 'runs', 'seconds', 'rows/s', 'RSS before', 'peak RSS'];
  const lines = results.map((r) => [
    r.mode,
    r.rows.toLocaleString('en-US'),
    r.bufferEntries.toLocaleString('en-US'),
    r.superseded.toLocaleString('en-US'),
    String(r.spilledRuns),
    r.seconds.toFixed(2),
    Math.round(r.rows / r.seconds).toLocaleString('en-US'),
    `${r.baselineRssMiB} MiB`,
    `${r.peakRssMiB} MiB`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] as string).length)));
  for (const line of [header, ...lines]) process.stdout.write(`${line.map((cell, i) => cell.padStart(widths[i] as number)).join('  ')}\n`);
}

async function main(): Promise<void> {
  const mode = arg('mode') ?? 'keys';
  if (mode !== 'keys' && mode !== 'csv') throw new Error('--mode is keys or csv');
  const bufferEntries = Number(arg('buffer') ?? DEFAULT_BUFFER_ENTRIES);
  if (process.argv.includes('--child')) {
    const result = await measure(mode, Number(arg('rows')), bufferEntries);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const sizes = arg('rows') ? [Number(arg('rows'))] : [1_000_000, 4_000_000, 10_000_000];
  const results: Measurement[] = [];
  for (const rows of sizes) {
    if (mode === 'csv') await ensureCsv(rows);
    // A fresh process per size, so each peak is its own.
    const child = spawnSync(process.execPath, ['--expose-gc', __filename, '--child', '--mode', mode, '--rows', String(rows), '--buffer', String(bufferEntries)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    if (child.status !== 0) throw new Error(`measurement of ${rows} rows failed (exit ${child.status})`);
    results.push(JSON.parse(child.stdout.trim().split('\n').at(-1) as string) as Measurement);
  }
  printTable(results);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
