import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ADMIN_PREFIX, serveAdmin } from './adminRoute';
import { serveApi } from './apiRoute';
import { parseSettings, SandboxOptionsSchema, type FaultConfigInput, type SandboxOptionsInput } from './options';
import type { RequestLogEntry } from './requestJournal';
import { SandboxState, type SandboxStats } from './sandboxState';
import type { TaskRecord } from './taskBoard';

/** A running sandbox. Every reader returns a copy, safe to keep. */
export interface Sandbox {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  /** Replaces the fault settings (fields not given take their defaults) and restarts the random streams. */
  configure(faults: FaultConfigInput): void;
  /** Clears store, tasks, counters and request log; keeps the fault settings. */
  reset(): void;
  /** `user_id:<v>` or `device_id:<v>` → merged attributes (empty in 'count' store mode). */
  profiles(): Map<string, Record<string, unknown>>;
  stats(): SandboxStats;
  requestLog(): RequestLogEntry[];
  tasks(): TaskRecord[];
  close(): Promise<void>;
}

/** Starts a sandbox; throws SandboxConfigError on invalid options. */
export async function startSandbox(input: SandboxOptionsInput = {}): Promise<Sandbox> {
  const options = parseSettings(SandboxOptionsSchema, input);
  const state = new SandboxState(options);
  const server = createServer({ noDelay: true }, (req, res) => route(state, req, res));
  // Longer than clients' usual keep-alive, so the server is not the side that closes an idle socket.
  server.keepAliveTimeout = 30_000;
  await listen(server, options.port, options.host);
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    configure: (faults) => state.configure(faults),
    reset: () => state.reset(),
    profiles: () => state.store.snapshot(),
    stats: () => state.stats(),
    requestLog: () => state.journal.entries(),
    tasks: () => state.tasks.all(),
    close: () => (closing ??= shutDown(server, state)),
  };
}

function route(state: SandboxState, req: IncomingMessage, res: ServerResponse): void {
  const path = (req.url ?? '/').split('?', 1)[0]!;
  const serving = path.startsWith(ADMIN_PREFIX) ? serveAdmin(state, req, res, path) : serveApi(state, req, res, path);
  // Both routes answer their own errors; this only guards against a bug leaving a socket open.
  serving.catch(() => res.destroy());
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function shutDown(server: Server, state: SandboxState): Promise<void> {
  state.shutdown();
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}
