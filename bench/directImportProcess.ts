import { runDirectImport, type DirectImportOptions } from './directImport';

/**
 * The direct script as a process of its own, so it runs beside the sandbox exactly as the worker
 * does: `node dist/bench/directImportProcess.js '<DirectImportOptions as JSON>'` prints one line
 * `direct result <JSON>` with its own peak RSS and CPU time (getrusage: the same VmHWM the
 * benchmark reads for workers, without racing the exit).
 */
async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as DirectImportOptions;
  const cpuBefore = process.cpuUsage();
  const result = await runDirectImport(options);
  const cpu = process.cpuUsage(cpuBefore);
  const usage = process.resourceUsage();
  const own = { peakRssBytes: usage.maxRSS * 1024, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
  process.stdout.write(`direct result ${JSON.stringify({ ...result, ...own })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`direct import: ${(error as Error).message}\n`);
  process.exit(1);
});
