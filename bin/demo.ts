import path from 'node:path';
import { connectImportClient, loadTemporalEnv, type ImportClientContext } from '../client/connect';
import { startImport, waitForReport } from '../client/imports';
import { createProgressView } from '../client/cli/progressView';
import { formatReport } from '../client/cli/reportView';
import { ExitCode, exitCodeForReport } from '../common/report';
import { DEFAULT_FRONTEND_PORT, defaultUiPort } from '../workers/devServer';
import { startDevStack, type DevStack } from './devStack';
import { writeSampleFile } from './sampleData';

const DB_FILE = '.data/demo/temporal.db';

/**
 * `npm run demo`: the local stack, a generated sample of profiles, one import through it, the
 * report and where to look in the Temporal UI. Nothing leaves this machine.
 */
export async function runDemo(rows = 50_000, keep = false, ports: { port: number; uiPort: number } = { port: DEFAULT_FRONTEND_PORT, uiPort: defaultUiPort(DEFAULT_FRONTEND_PORT) }): Promise<number> {
  // Like `dev`: SIGINT or SIGTERM stops the stack, so that its Temporal server child does not outlive the demo.
  const stop = untilStopSignal();
  let stack: DevStack | undefined;
  let ctx: ImportClientContext | undefined;
  try {
    stack = await startDevStack({ dataDir: '.data/demo/data', reportDir: '.data/demo/reports', dbFile: DB_FILE, quiet: true, ...ports });
    // The client uses the queue and namespace the stack's worker took, whatever the shell has set.
    const env = loadTemporalEnv(stack.env);
    ctx = await connectImportClient(env);
    const imported = await Promise.race([importSample(stack, ctx, rows), stop.signalled.then(() => undefined)]);
    // Stopped before the report: the import did not finish here.
    if (imported === undefined) return ExitCode.failed;
    const page = `namespaces/${env.TEMPORAL_NAMESPACE}/workflows/${encodeURIComponent(imported.importId)}`;
    if (keep && stack.server.uiUrl) {
      process.stdout.write(`Temporal UI: ${stack.server.uiUrl}/${page}\nthe stack stays up until Ctrl-C\n`);
      await stop.signalled;
    } else {
      // The stack's own server stops with the demo: the address to give is the one `server` will serve.
      const portFlags = ports.port === DEFAULT_FRONTEND_PORT ? '' : ` --port ${ports.port}${ports.uiPort === defaultUiPort(ports.port) ? '' : ` --ui-port ${ports.uiPort}`}`;
      process.stdout.write(`Temporal UI, once \`xp-import server --db-file ${DB_FILE}${portFlags}\` runs: http://localhost:${ports.uiPort}/${page}   (or run the demo with --keep)\n`);
    }
    return imported.code;
  } finally {
    stop.dispose();
    await ctx?.close();
    await stack?.stop();
  }
}

async function importSample(stack: DevStack, ctx: ImportClientContext, rows: number): Promise<{ importId: string; code: number }> {
  const file = path.join(stack.dataDir, `profiles-${rows}.csv`);
  await writeSampleFile(file, { rows, seed: Date.now() % 100_000 });
  process.stderr.write(`generated ${rows.toLocaleString('en-US')} sample profiles in ${path.relative(process.cwd(), file)}\n`);
  const started = await startImport(ctx, { source: path.basename(file), importId: `demo-${Date.now()}`, concurrency: 4 });
  const view = createProgressView();
  const report = await waitForReport(ctx, started.importId, (p) => view.update(p), 500).finally(() => view.stop());
  process.stdout.write(`${formatReport(report)}\n`);
  const stored = stack.sandbox.profiles().size;
  process.stdout.write(`\nsandbox now holds ${stored.toLocaleString('en-US')} profiles\n`);
  return { importId: started.importId, code: exitCodeForReport(report) };
}

/** Resolves on the first SIGINT or SIGTERM; `dispose` hands both signals back to Node. */
function untilStopSignal(): { signalled: Promise<void>; dispose(): void } {
  let stop = (): void => undefined;
  const signalled = new Promise<void>((resolve) => (stop = resolve));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return {
    signalled,
    dispose() {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    },
  };
}
