import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { toolsDir } from './projectRoot';

/**
 * Finds a `temporal` CLI without downloading one from the internet (which fails on closed networks):
 * TEMPORAL_CLI_PATH, then `temporal` on PATH, then a binary we built earlier, then a fresh
 * `go install` of the newest release that `go install` accepts.
 */
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';
export const TEMPORAL_CLI_VERSION = 'v1.5.1';

export class TemporalBinaryNotFoundError extends Error {
  override name = 'TemporalBinaryNotFoundError';
  constructor(readonly attempts: string[]) {
    super(
      `no Temporal CLI found and none could be built:\n  ${attempts.join('\n  ')}\n` +
        `Set TEMPORAL_CLI_PATH to a temporal binary, put one on PATH, or install Go 1.25+ so that ` +
        `\`go install ${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION}\` can run.`,
    );
  }
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export function builtBinaryPath(): string {
  return path.join(toolsDir(), 'bin', 'temporal');
}

/** The binary we can use right now, without building anything; undefined if there is none. */
export function findTemporalBinary(): string | undefined {
  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  if (fromEnv) {
    if (!isExecutable(fromEnv)) throw new TemporalBinaryNotFoundError([`TEMPORAL_CLI_PATH=${fromEnv} is not an executable file`]);
    return fromEnv;
  }
  return onPath('temporal') ?? (isExecutable(builtBinaryPath()) ? builtBinaryPath() : undefined);
}

/** Builds the CLI into the tools folder with the Go module proxy; takes minutes the first time. */
export async function buildTemporalBinary(log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<string> {
  const go = onPath('go') ?? (existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
  if (!go) throw new TemporalBinaryNotFoundError(['TEMPORAL_CLI_PATH unset', 'no temporal on PATH', `nothing built at ${builtBinaryPath()}`, 'no go on PATH']);
  const binDir = path.dirname(builtBinaryPath());
  mkdirSync(binDir, { recursive: true });
  log(`building the Temporal CLI: go install ${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION} (a few minutes, once)`);
  const started = Date.now();
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(go, ['install', `${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION}`], {
      env: { ...process.env, GOBIN: binDir, CGO_ENABLED: '0', GOFLAGS: '-buildvcs=false' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('error', reject);
    child.on('exit', resolve);
  });
  if (code !== 0 || !isExecutable(builtBinaryPath())) {
    throw new TemporalBinaryNotFoundError([`go install ${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION} exited with ${code}`]);
  }
  log(`built ${builtBinaryPath()} in ${Math.round((Date.now() - started) / 1000)}s`);
  return builtBinaryPath();
}

/** A usable binary: found, or built once. */
export async function ensureTemporalBinary(log?: (line: string) => void): Promise<string> {
  return findTemporalBinary() ?? (await buildTemporalBinary(log));
}

export function temporalBinaryVersion(binary: string): string {
  const out = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  return (out.stdout || out.stderr).trim();
}
