import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_SANDBOX_TOKEN, startSandbox, type Sandbox } from '../sandbox';
import { Runtime } from '@temporalio/worker';
import { DEFAULT_NAMESPACE, DEFAULT_TASK_QUEUE } from '../common/limits';
import { loadWorkerConfig } from '../workers/config';
import { JsonLinesLogger } from '../workers/logger';
import { asPortInUse, startDevServer, type DevServer } from '../workers/devServer';
import { createImportWorker, type ImportWorker } from '../workers/importWorker';

export interface DevStack {
  server: DevServer;
  sandbox: Sandbox;
  worker: ImportWorker;
  /** The environment a client (or another worker) needs to use this stack. */
  env: Record<string, string>;
  dataDir: string;
  reportDir: string;
  stop(): Promise<void>;
}

export interface DevStackOptions {
  port?: number;
  uiPort?: number;
  sandboxPort?: number;
  dbFile?: string;
  headless?: boolean;
  dataDir?: string;
  reportDir?: string;
  /** Log only warnings and errors (the demo); the dev stack logs INFO as JSON lines. */
  quiet?: boolean;
}

/**
 * What `xp-import dev` prints once it runs: where everything is, and the lines to paste into
 * another terminal so that the CLI there talks to this stack (on any port) and sees its files.
 */
export function devBanner(
  stack: Pick<DevStack, 'env' | 'dataDir' | 'reportDir'> & { uiUrl: string | null | undefined; sandboxUrl: string },
  shell: NodeJS.ProcessEnv = {},
): string {
  // The worker takes XP_IMPORT_TASK_QUEUE from the environment `dev` runs in: the CLI must use it too.
  const queue = stack.env.XP_IMPORT_TASK_QUEUE ?? DEFAULT_TASK_QUEUE;
  // The stack ignores the shell's other TEMPORAL_* (another namespace, TLS, an API key); a CLI in a
  // shell set up the same way would not: they are to be unset there.
  const ignored = Object.keys(shell).filter((name) => name.startsWith('TEMPORAL_') && name !== 'TEMPORAL_ADDRESS').sort();
  return [
    `Temporal ${stack.env.TEMPORAL_ADDRESS} (UI ${stack.uiUrl ?? 'off'}), sandbox ${stack.sandboxUrl}, worker on task queue ${queue}`,
    `data folder: ${stack.dataDir}    reports: ${stack.reportDir}`,
    'in another terminal:',
    ...(ignored.length > 0 ? [`  unset ${ignored.join(' ')}`] : []),
    `  export TEMPORAL_ADDRESS=${stack.env.TEMPORAL_ADDRESS} XP_IMPORT_DATA_DIR=${shellQuote(stack.dataDir)}${queue === DEFAULT_TASK_QUEUE ? '' : ` XP_IMPORT_TASK_QUEUE=${shellQuote(queue)}`}`,
    '  xp-import start <file in the data folder> --wait',
    '',
  ].join('\n');
}

function shellQuote(text: string): string {
  return /^[\w./:-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}

/**
 * The environment without the settings the stack gives itself: TEMPORAL_* name the cluster a shell
 * is set up for (another namespace, TLS files), not the stack's own server, whose worker would then
 * not start; XTREMEPUSH_* name the real API and its credentials (exported as the README's "Using
 * it" says), where the stack's worker talks to its own sandbox with the sandbox's token.
 */
function withoutStackSettings(source: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(source).filter(([name]) => !name.startsWith('TEMPORAL_') && !name.startsWith('XTREMEPUSH_')));
}

/** A Temporal dev server, the sandbox and a worker in this process: the embedded local setup. */
export async function startDevStack(options: DevStackOptions = {}): Promise<DevStack> {
  const dataDir = path.resolve(options.dataDir ?? process.env.XP_IMPORT_DATA_DIR ?? '.data/dev/data');
  const reportDir = path.resolve(options.reportDir ?? process.env.XP_IMPORT_REPORT_DIR ?? '.data/dev/reports');
  mkdirSync(dataDir, { recursive: true });
  mkdirSync(reportDir, { recursive: true });
  Runtime.install({ logger: new JsonLinesLogger(options.quiet ? 'WARN' : 'INFO'), shutdownSignals: [] });
  const server = await startDevServer({ port: options.port, uiPort: options.uiPort, dbFile: options.dbFile, headless: options.headless });
  const apptoken = DEFAULT_SANDBOX_TOKEN;
  let sandbox: Sandbox | undefined;
  try {
    sandbox = await startSandbox({ port: options.sandboxPort ?? 0, apptoken }).catch((error: unknown) => {
      throw asPortInUse(error, '--sandbox-port');
    });
    const env: Record<string, string> = {
      TEMPORAL_ADDRESS: server.address,
      // The stack's own server has only the default namespace, no TLS and no API key.
      TEMPORAL_NAMESPACE: DEFAULT_NAMESPACE,
      XTREMEPUSH_API_URL: sandbox.url,
      XP_IMPORT_DATA_DIR: dataDir,
      XP_IMPORT_REPORT_DIR: reportDir,
    };
    const config = loadWorkerConfig({ ...withoutStackSettings(process.env), ...env, XTREMEPUSH_APPTOKEN: apptoken });
    env.XP_IMPORT_TASK_QUEUE = config.env.XP_IMPORT_TASK_QUEUE;
    const worker = await createImportWorker(config);
    const running = worker.worker.run();
    const stack: DevStack = {
      server,
      sandbox,
      worker,
      env,
      dataDir,
      reportDir,
      async stop() {
        await worker.shutdown();
        await running.catch(() => undefined);
        await worker.xtremepush.close();
        await worker.connection.close();
        await sandbox?.close();
        await server.stop();
      },
    };
    return stack;
  } catch (error) {
    await sandbox?.close();
    await server.stop();
    throw error;
  }
}
