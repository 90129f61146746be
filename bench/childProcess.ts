import { spawn, type ChildProcess } from 'node:child_process';

/** A child process did not become ready (it exited, or said nothing in time); `output` is its tail. */
export class ChildStartError extends Error {
  override name = 'ChildStartError';
  constructor(
    readonly command: string,
    reason: string,
    readonly output: string,
  ) {
    super(`${command}: ${reason}\n${output.slice(-2_000)}`);
  }
}

export interface NodeChild {
  child: ChildProcess;
  pid: number;
  /** Everything it wrote (stdout and stderr), capped to the last `keepChars` characters. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnNodeOptions {
  args?: string[];
  env?: Record<string, string>;
  /** Resolves `spawnNode` once the output matches; the match is returned. */
  ready: RegExp;
  readyTimeoutMs?: number;
  keepChars?: number;
  /** Extra flags for node itself, e.g. --cpu-prof. */
  nodeFlags?: string[];
}

/** Runs a compiled script with this node binary and waits for its ready line. */
export async function spawnNode(script: string, options: SpawnNodeOptions): Promise<{ process: NodeChild; match: RegExpExecArray }> {
  const keep = options.keepChars ?? 200_000;
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), script, ...(options.args ?? [])], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let onOutput: () => void = () => undefined;
  const append = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-keep);
    onOutput();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const handle: NodeChild = {
    child,
    pid: child.pid ?? -1,
    output: () => output,
    exited,
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  const command = `node ${script} ${(options.args ?? []).join(' ')}`.trim();
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new ChildStartError(command, `not ready within ${options.readyTimeoutMs ?? 60_000} ms`, output));
    }, options.readyTimeoutMs ?? 60_000);
    onOutput = () => {
      const found = options.ready.exec(output);
      if (found) {
        clearTimeout(timer);
        onOutput = () => undefined;
        resolve(found);
      }
    };
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new ChildStartError(command, `exited (${code ?? signal}) before it was ready`, output));
    });
  });
  return { process: handle, match };
}
