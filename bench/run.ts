import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDevServer } from '../workers/devServer';
import { projectRoot } from '../workers/projectRoot';
import { ensureTemporalBinary } from '../workers/temporalBinary';
import { BenchUsageError, parseBenchOptions, type BenchOptions } from './benchOptions';
import { sampleFiles, type BenchContext } from './benchContext';
import { describeCode, describeMachine } from './machine';
import { findChildProcess, untilMachineQuiet } from './procStats';
import { formatDiagnostics, formatTable, importsOf, type BenchResults } from './results';
import { benchDataDir, writeDataReadme } from './sampleFiles';
import { summariseHistories } from './scenarios/histories';
import { measureLatency } from './scenarios/latency';
import { measureManyBatches } from './scenarios/manyBatches';
import { measureMemory } from './scenarios/memory';
import { measureParsing } from './scenarios/parsing';
import { measureThroughput } from './scenarios/throughput';
import { measureTwoWorkers } from './scenarios/twoWorkers';

/**
 * `npm run bench`: every figure of the performance table from one run on this machine, against
 * sandboxes on loopback (each in its own process), one Temporal dev server started here, and
 * workers as child processes. Prints the table and writes bench/results.json.
 */
async function main(argv: string[]): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseBenchOptions(argv);
  } catch (error) {
    if (error instanceof BenchUsageError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const started = performance.now();
  const log = (line: string) => process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);
  const loadAtStart = os.loadavg();
  mkdirSync(benchDataDir(), { recursive: true });
  writeDataReadme();

  const binary = await ensureTemporalBinary(log);
  const server = await startDevServer({ headless: true, log });
  const profilesRoot = path.join(benchDataDir(), 'profiles');
  if (options.profile) rmSync(profilesRoot, { recursive: true, force: true });
  const ctx: BenchContext = {
    options,
    temporalAddress: server.address,
    temporalPid: findChildProcess(process.pid, 'start-dev'),
    log,
    file: sampleFiles(log),
    profileDir: (label) => (options.profile ? path.join(profilesRoot, label) : undefined),
  };
  log(`Temporal dev server on ${server.address}; parts ${[...options.only].join(', ')}${options.quick ? ' (quick)' : ''}`);

  const results: BenchResults = {
    generatedAt: new Date().toISOString(),
    command: `npm run bench${argv.length > 0 ? ` -- ${argv.join(' ')}` : ''}`,
    seconds: 0,
    machine: describeMachine(binary),
    code: describeCode(projectRoot()),
    settings: { quick: options.quick, rows: options.rows, largeRows: options.largeRows, concurrency: options.concurrency, manyBatchesSize: options.manyBatchesSize },
    loadAverage: { start: loadAtStart, end: [] },
  };
  const wants = (part: string) => options.only.has(part as never);
  try {
    // Files first, so that writing them is not inside any measurement.
    if (['a', 'b', 'c', 'd', 'e', 'g'].some(wants)) await ctx.file(options.rows);
    if (wants('c') || wants('f')) await ctx.file(options.largeRows);
    const quiet = await untilMachineQuiet();
    log(`machine quiet after ${(quiet.waitedMs / 1000).toFixed(1)} s (${Math.round(quiet.busyShare * 100)}% of a core busy over the last second)`);
    if (wants('e')) results.e = await measureParsing(ctx);
    // (d) measures the histories of the imports of the other parts; alone, it needs (a)'s.
    if (wants('a') || (wants('d') && !wants('b') && !wants('c') && !wants('f'))) results.a = await measureThroughput(ctx);
    if (wants('b')) results.b = await measureLatency(ctx);
    if (wants('c')) results.c = await measureMemory(ctx, results.a?.xpImport, results.a?.rounds?.map((r) => r.peakRssBytes));
    if (wants('g')) results.g = await measureTwoWorkers(ctx);
    if (wants('f')) results.f = await measureManyBatches(ctx);
    if (wants('d')) results.d = summariseHistories(importsOf(results));
  } finally {
    await server.stop();
  }
  results.loadAverage.end = os.loadavg();
  results.seconds = Math.round((performance.now() - started) / 1000);
  mkdirSync(path.dirname(options.out), { recursive: true });
  writeFileSync(options.out, `${JSON.stringify(results, null, 2)}\n`);

  process.stdout.write(`\n${formatTable(results)}\n\n`);
  const diagnostics = formatDiagnostics(results);
  if (diagnostics) process.stdout.write(`Where the time went:\n${diagnostics}\n\n`);
  process.stdout.write(
    `${results.machine.cores} cores (${results.machine.cpuModel}), node ${results.machine.node}, commit ${results.code.commit.slice(0, 7)}${results.code.dirty ? ' with local changes' : ''}; ` +
      `load average ${loadAtStart.map((l) => l.toFixed(1)).join(' ')} at the start. ` +
      `Written to ${path.relative(process.cwd(), options.out)} in ${results.seconds} s.\n`,
  );
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
