import { spawn } from 'node:child_process';
import path from 'node:path';

export const CLI = path.resolve(__dirname, '../../dist/bin/xp-import.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A running `xp-import` command: its end, and a way to wait for what it writes to stderr before then. */
export interface RunningCli {
  result: Promise<CliResult>;
  /** Resolves once stderr matches `pattern`; rejects with the command's output if it ends first. */
  stderrMatching(pattern: RegExp): Promise<void>;
}

/** Runs the built `xp-import` command as a child process (as scripts and users run it). */
export function runCli(args: string[], env: Record<string, string> = {}, timeoutMs = 120_000): Promise<CliResult> {
  return startCli(args, env, timeoutMs).result;
}

/** runCli, for a test that acts while the command runs (stops a server once `watch` follows). */
export function startCli(args: string[], env: Record<string, string> = {}, timeoutMs = 120_000): RunningCli {
  let stderr = '';
  const onStderr = new Set<() => void>();
  const result = new Promise<CliResult>((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      onStderr.forEach((check) => check());
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`xp-import ${args.join(' ')} did not finish within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  const stderrMatching = (pattern: RegExp) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!pattern.test(stderr)) return;
        onStderr.delete(check);
        resolve();
      };
      onStderr.add(check);
      check();
      result.then(
        (ended) => reject(new Error(`xp-import ${args.join(' ')} ended (exit ${ended.code}) before its stderr matched ${pattern}\n${ended.stderr}`)),
        reject,
      );
    });
  return { result, stderrMatching };
}
