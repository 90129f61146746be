import type { SandboxOptionsInput } from '../sandbox';
import type { BenchOptions } from './benchOptions';
import { ensureSampleFile, type SampleFile } from './sampleFiles';
import { startSandboxChild, type SandboxChild } from './sandboxChild';

/** What every part of the benchmark shares: the options, the Temporal server, the sample files, the log. */
export interface BenchContext {
  options: BenchOptions;
  temporalAddress: string;
  /** The dev server's pid, so its CPU time can be read; null when it could not be found. */
  temporalPid: number | null;
  log: (line: string) => void;
  file: (rows: number) => Promise<SampleFile>;
  /** With --profile, a fresh folder for the CPU profiles of the run named `label`; otherwise undefined. */
  profileDir: (label: string) => string | undefined;
}

export function sampleFiles(log: (line: string) => void): (rows: number) => Promise<SampleFile> {
  const made = new Map<number, Promise<SampleFile>>();
  return (rows) => {
    let file = made.get(rows);
    if (file === undefined) made.set(rows, (file = ensureSampleFile(rows, log)));
    return file;
  };
}

/**
 * Runs `work` against a fresh sandbox process, so every run starts from an empty store and its own
 * counters; `meter` names the processes whose CPU time the run should report.
 */
export async function withSandbox<T>(
  ctx: BenchContext,
  options: SandboxOptionsInput,
  work: (sandbox: SandboxChild, meter: Record<string, number>) => Promise<T>,
): Promise<T> {
  const sandbox = await startSandboxChild(options);
  try {
    const meter: Record<string, number> = { sandbox: sandbox.pid };
    if (ctx.temporalPid !== null) meter.temporal = ctx.temporalPid;
    return await work(sandbox, meter);
  } finally {
    await sandbox.stop();
  }
}
