import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../common/searchAttributes';
import { ensureTemporalBinary, TemporalBinaryNotFoundError } from './temporalBinary';

/** The frontend port `server` and `dev` take unless told otherwise. */
export const DEFAULT_FRONTEND_PORT = 7233;

/** The UI listens next to the frontend by default: 1000 above it, or 1000 below where that is no port. */
export function defaultUiPort(port: number): number {
  return port + 1000 <= 65535 ? port + 1000 : port - 1000;
}

/** A running Temporal dev server, ours to stop. */
export interface DevServer {
  address: string;
  uiUrl: string | null;
  /** How it was obtained, for logs and notes: the binary's path, or the SDK's download. */
  origin: string;
  stop(): Promise<void>;
}

export interface DevServerOptions {
  port?: number;
  uiPort?: number;
  headless?: boolean;
  /** SQLite file that keeps state across restarts; in memory when absent. */
  dbFile?: string;
  ip?: string;
  /** Extra `--dynamic-config-value KEY=JSON` settings, e.g. a low continue-as-new threshold for tests. */
  dynamicConfig?: Record<string, unknown>;
  log?: (line: string) => void;
}

/**
 * Temporal server settings xp-import is tuned for. The dev server starts with them, and
 * docker-compose's dynamic config file holds the same (a test keeps the two equal).
 */
export const SERVER_DYNAMIC_CONFIG = {
  // The activity a workflow task schedules (a batch's submit, its task wait) is handed back in the
  // answer to that task's completion instead of passing through matching. bench (b): a batch's
  // submit started 42 ms after its workflow instead of 127 ms, and its result reached the import
  // in 23 ms instead of 42 ms. Workers under a rate limit do not take activities this way.
  'system.enableActivityEagerExecution': true,
} as const;

/** Binds `port` (0: any free one) and lets it go again; resolves the port that was bound. */
function bindAndRelease(host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(port, host, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return bindAndRelease(host, 0);
}

function searchAttributeArgs(): string[] {
  return SEARCH_ATTRIBUTES.flatMap((sa) => ['--search-attribute', `${sa.name}=${sa.cliType}`]);
}

/** Waits until the frontend answers, or the process exits, or the deadline passes. */
async function waitUntilServing(address: string, child: ChildProcess, deadlineMs: number): Promise<void> {
  const started = Date.now();
  let lastError: unknown;
  while (Date.now() - started < deadlineMs) {
    if (child.exitCode !== null) throw new Error(`temporal server exited with code ${child.exitCode} while starting`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.describeNamespace({ namespace: 'default' });
        // Another server on this port answers as well as ours would: only ours still running counts.
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`temporal server exited while starting, and another server answers at ${address}`);
        return;
      } finally {
        await connection.close();
      }
    } catch (error) {
      lastError = error;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`temporal server at ${address} did not answer within ${deadlineMs} ms: ${String(lastError)}`);
}

/** A start on ports picked at random can lose one to another process between the pick and the bind. */
const RANDOM_PORT_ATTEMPTS = 3;

/** A port asked for (`--port`, `--ui-port`, `--sandbox-port`, XP_IMPORT_METRICS_PORT) is taken: say so, naming the setting, instead of the raw EADDRINUSE. */
export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
  constructor(
    readonly host: string,
    readonly port: number,
    readonly setting: string,
  ) {
    super(`port ${port} on ${host} is in use: stop what listens there, or choose another port with ${setting}`);
  }
}

/** An EADDRINUSE from a listen becomes a PortInUseError naming `setting`; any other error stays as it is. */
export function asPortInUse(error: unknown, setting: string): unknown {
  const failure = error as NodeJS.ErrnoException & { address?: string; port?: number };
  return failure.code === 'EADDRINUSE' && failure.port !== undefined ? new PortInUseError(failure.address ?? 'localhost', failure.port, setting) : error;
}

/** Refuses a taken port before anything starts, rather than after half a stack is up. */
export async function assertPortFree(host: string, port: number, setting: string): Promise<void> {
  await bindAndRelease(host, port).catch((error: unknown) => {
    throw asPortInUse(error, setting);
  });
}

export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const ip = options.ip ?? '127.0.0.1';
  if (options.port !== undefined) await assertPortFree(ip, options.port, '--port');
  if (options.uiPort !== undefined && !options.headless) {
    // Each port alone is free, but the server cannot take one port twice.
    if (options.uiPort === options.port) throw new PortInUseError(ip, options.uiPort, '--ui-port');
    await assertPortFree(ip, options.uiPort, '--ui-port');
  }
  let binary: string;
  try {
    binary = await ensureTemporalBinary(log);
  } catch (error) {
    if (error instanceof TemporalBinaryNotFoundError) return startWithSdkDownload(options, options.port ?? (await freePort(ip)), log, error);
    throw error;
  }
  for (let attempt = 1; ; attempt++) {
    try {
      return await startBinary(binary, options, ip);
    } catch (error) {
      const randomPorts = options.port === undefined && options.uiPort === undefined;
      if (!(error instanceof PortTakenWhileStarting) || !randomPorts || attempt >= RANDOM_PORT_ATTEMPTS) throw error;
      log(`temporal dev server: a port was taken by another process while it started (attempt ${attempt}); trying other ports`);
    }
  }
}

/** The server lost a port it was given (or picked itself) to another process before binding it. */
class PortTakenWhileStarting extends Error {
  override readonly name = 'PortTakenWhileStarting';
}

async function startBinary(binary: string, options: DevServerOptions, ip: string): Promise<DevServer> {
  const port = options.port ?? (await freePort(ip));
  const args = ['server', 'start-dev', '--ip', ip, '--port', String(port), '--log-level', 'error', ...searchAttributeArgs()];
  let uiUrl: string | null = null;
  if (options.headless) {
    args.push('--headless');
  } else {
    const uiPort = options.uiPort ?? (await freePort(ip));
    args.push('--ui-port', String(uiPort));
    uiUrl = `http://${ip}:${uiPort}`;
  }
  if (options.dbFile) {
    mkdirSync(path.dirname(path.resolve(options.dbFile)), { recursive: true });
    args.push('--db-filename', options.dbFile);
  }
  args.push(...dynamicConfigArgs(options));

  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderrTail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString('utf8')).slice(-4_000);
  });
  const address = `${ip}:${port}`;
  try {
    await waitUntilServing(address, child, 60_000);
  } catch (error) {
    child.kill('SIGKILL');
    const message = `${(error as Error).message}\n${stderrTail}`;
    throw /address already in use/.test(stderrTail) ? new PortTakenWhileStarting(message) : new Error(message);
  }
  return {
    address,
    uiUrl,
    origin: binary,
    stop: () => stopChild(child),
  };
}

function dynamicConfigArgs(options: DevServerOptions): string[] {
  const dynamicConfig = { 'frontend.enableServerVersionCheck': false, ...SERVER_DYNAMIC_CONFIG, ...options.dynamicConfig };
  return Object.entries(dynamicConfig).flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${JSON.stringify(value)}`]);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Last resort where no binary can be found or built: the SDK downloads the CLI (needs internet). */
async function startWithSdkDownload(options: DevServerOptions, port: number, log: (line: string) => void, cause: Error): Promise<DevServer> {
  log(`${cause.message}\nfalling back to the Temporal SDK's download of the CLI`);
  let testing: typeof import('@temporalio/testing');
  try {
    testing = await import('@temporalio/testing');
  } catch {
    throw cause;
  }
  const env = await testing.TestWorkflowEnvironment.createLocal({
    server: {
      ip: options.ip ?? '127.0.0.1',
      port,
      ui: !options.headless,
      uiPort: options.uiPort,
      dbFilename: options.dbFile,
      searchAttributes: SEARCH_ATTRIBUTES.map((sa) => ({ name: sa.name, type: sa.cliType.toUpperCase() }) as never),
      extraArgs: dynamicConfigArgs(options),
    },
  });
  return {
    address: env.address,
    uiUrl: options.headless ? null : `http://${options.ip ?? '127.0.0.1'}:${options.uiPort ?? port + 1000}`,
    origin: 'downloaded by @temporalio/testing',
    stop: () => env.teardown(),
  };
}
