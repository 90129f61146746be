import { parseArgs } from 'node:util';
import { DEFAULT_SANDBOX_TOKEN, parseSettings, SandboxConfigError, SandboxOptionsSchema, type SandboxOptions } from './options';
import { startSandbox } from './server';

/** Bad `xp-import sandbox` arguments; the CLI exits with `exitCode` (2: bad usage). */
export class SandboxUsageError extends Error {
  override readonly name = 'SandboxUsageError';
  readonly exitCode = 2;
}

export interface SandboxCommandIo {
  /** Where the "listening" line goes (default stdout). */
  out?: NodeJS.WritableStream;
}

/** What `xp-import sandbox --help` prints, and bad flags show. */
export const SANDBOX_USAGE = `usage: xp-import sandbox [--port P] [--host H] [--apptoken T] [--latency MS|MIN-MAX] [--seed N] [--task-ms MS] [--store full|count]
  --port P           port to listen on (default: a free one)
  --host H           address to listen on (default 127.0.0.1)
  --apptoken T       the token requests must carry (default ${DEFAULT_SANDBOX_TOKEN})
  --latency MS       added to every API request; MIN-MAX draws from a range
  --seed N           seed of the random draws (faults, latency ranges)
  --task-ms MS       time from an import's 202 to its task's end (30% queued, 70% processing)
  --store full|count keep every profile, or only count identities (for 10 M-row runs)
See sandbox/README.md for the admin API (faults, the store, the request log).`;

/** `xp-import sandbox` with the flags of SANDBOX_USAGE: runs a sandbox until SIGINT or SIGTERM. */
export async function runSandboxCommand(argv: string[], io: SandboxCommandIo = {}): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    (io.out ?? process.stdout).write(`${SANDBOX_USAGE}\n`);
    return;
  }
  const options = sandboxOptionsFromArgs(argv);
  const sandbox = await startSandbox(options);
  (io.out ?? process.stdout).write(`sandbox listening on ${sandbox.url}\n`);
  await new Promise<void>((resolve, reject) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      sandbox.close().then(resolve, reject);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/** Parses the command's flags into validated sandbox options. */
export function sandboxOptionsFromArgs(argv: string[]): SandboxOptions {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        apptoken: { type: 'string' },
        latency: { type: 'string' },
        seed: { type: 'string' },
        'task-ms': { type: 'string' },
        store: { type: 'string' },
      },
    }));
  } catch (error) {
    throw new SandboxUsageError(`xp-import sandbox: ${(error as Error).message}\n${SANDBOX_USAGE}`);
  }
  const taskMs = numberFlag(values['task-ms']);
  const input = {
    port: numberFlag(values.port),
    host: values.host,
    apptoken: values.apptoken,
    store: values.store,
    taskTiming: taskMs === undefined ? undefined : splitTaskTime(taskMs),
    faults: { latencyMs: latencyFlag(values.latency), seed: numberFlag(values.seed) },
  };
  try {
    return parseSettings(SandboxOptionsSchema, input);
  } catch (error) {
    if (error instanceof SandboxConfigError) throw new SandboxUsageError(`xp-import sandbox: ${error.issues}`);
    throw error;
  }
}

function splitTaskTime(taskMs: number): { queuedMs: number; processingMs: number } {
  const queuedMs = Math.round(taskMs * 0.3);
  return { queuedMs, processingMs: taskMs - queuedMs };
}

/** NaN for text that is not a number, so that the schema names the flag. */
function numberFlag(text: string | undefined): number | undefined {
  return text === undefined ? undefined : text.trim() === '' ? Number.NaN : Number(text);
}

function latencyFlag(text: string | undefined): number | [number, number] | undefined {
  const range = text === undefined ? null : /^\s*(\d+(?:\.\d+)?)\s*-\s*(\d+(?:\.\d+)?)\s*$/.exec(text);
  return range ? [Number(range[1]), Number(range[2])] : numberFlag(text);
}
