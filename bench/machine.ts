import { execFileSync } from 'node:child_process';
import os from 'node:os';

/** The code a benchmark measured: the commit, and whether the working tree had changes on top of it. */
export interface CodeVersion {
  commit: string;
  dirty: boolean;
}

/** Reads the checkout's commit with read-only git commands; unknown outside a git checkout. */
export function describeCode(root: string): CodeVersion {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8', timeout: 10_000 }).trim();
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, encoding: 'utf8', timeout: 10_000 });
    return { commit, dirty: status.trim() !== '' };
  } catch {
    return { commit: 'unknown', dirty: false };
  }
}

/** The machine a benchmark ran on, recorded beside its figures. */
export interface MachineInfo {
  cores: number;
  cpuModel: string;
  memoryBytes: number;
  node: string;
  platform: string;
  temporalCli: string;
}

export function describeMachine(temporalBinary: string): MachineInfo {
  let temporalCli = 'unknown';
  try {
    temporalCli = execFileSync(temporalBinary, ['--version'], { encoding: 'utf8', timeout: 10_000 }).trim();
  } catch {
    // a binary that cannot say its version still ran the benchmark
  }
  return {
    cores: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    memoryBytes: os.totalmem(),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    temporalCli,
  };
}
