import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach } from 'vitest';
import type { TestStack } from './stack';
import { CLI } from './cli';

export interface WorkerProcess {
  child: ChildProcess;
  /** Everything the worker wrote to stderr (its JSON-lines log). */
  log(): string;
  /** Resolves when the worker logs that it is ready. */
  ready: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
}

/** `xp-import worker` as a real child process, exactly as a deployment runs it. */
export function spawnWorker(env: Record<string, string>): WorkerProcess {
  const child = spawn(process.execPath, [CLI, 'worker'], { env: { ...process.env, XP_IMPORT_LOG_LEVEL: 'INFO', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
    if (output.includes('"message":"worker ready"')) onReady();
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const readyOrExit = Promise.race([
    ready,
    exited.then(({ code }) => {
      throw new Error(`worker exited (${code}) before it was ready:\n${output}`);
    }),
  ]);
  return { child, log: () => output, ready: readyOrExit, exited, kill: (signal) => child.kill(signal) };
}

/** A test's teardown: kills its worker processes and waits until each is gone (before its stack stops). */
export async function killWorkers(workers: ReadonlyArray<WorkerProcess | undefined>): Promise<void> {
  for (const worker of workers) {
    if (worker === undefined) continue;
    worker.kill('SIGKILL');
    await worker.exited;
  }
}

/** A test's stack and the worker processes it started: after each test, the workers are killed, then the stack stops. */
export interface StackPerTest {
  stack: TestStack | undefined;
  workers: WorkerProcess[];
}

/** Call inside a `describe`: each test sets `stack` (and pushes its workers); teardown is shared. */
export function stackAndWorkersPerTest(): StackPerTest {
  const perTest: StackPerTest = { stack: undefined, workers: [] };
  afterEach(async () => {
    await killWorkers(perTest.workers.splice(0));
    await perTest.stack?.stop();
    perTest.stack = undefined;
  });
  return perTest;
}
