import path from 'node:path';
import { spawnNode } from './childProcess';
import type { DirectImportOptions, DirectImportResult } from './directImport';
import { CpuMeter } from './procStats';

export interface DirectRunResult extends DirectImportResult {
  mode: DirectImportOptions['rows'];
  peakRssBytes: number;
  /** The script's own CPU (`direct`) and the metered processes' (the sandbox) during the run. */
  cpuSeconds: Record<string, number>;
}

/**
 * The direct script in a process of its own (bench/directImportProcess.ts), beside the sandbox as
 * the worker is: same file, same batch size and concurrency. The clock is the script's own (from
 * its first read to its last task done), so process start-up is not counted against it.
 */
export async function runDirect(options: DirectImportOptions, meter: Record<string, number>, log: (line: string) => void): Promise<DirectRunResult> {
  log(`direct script (${options.rows}): ${path.basename(options.file)}, batch ${options.batchSize}, concurrency ${options.concurrency}…`);
  const cpu = new CpuMeter(meter).start();
  const { process: child, match } = await spawnNode(path.join(__dirname, 'directImportProcess.js'), {
    args: [JSON.stringify(options)],
    ready: /direct result (\{.*\})\n/,
    readyTimeoutMs: 60 * 60_000,
  });
  await child.exited;
  const cpuSeconds = cpu.stop();
  const result = JSON.parse(match[1] as string) as DirectImportResult & { peakRssBytes: number; cpuSeconds: number };
  // The script is not in the meter (its pid came later); its own getrusage figure takes its place.
  cpuSeconds.direct = Math.round(result.cpuSeconds * 100) / 100;
  cpuSeconds.elsewhere = Math.max(0, Math.round(((cpuSeconds.elsewhere ?? 0) - result.cpuSeconds) * 100) / 100);
  log(`direct script (${options.rows}): ${Math.round(result.rowsPerSecond).toLocaleString('en-US')} rows/s in ${result.seconds.toFixed(1)} s`);
  return { ...result, mode: options.rows, peakRssBytes: result.peakRssBytes, cpuSeconds };
}
