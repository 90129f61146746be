import path from 'node:path';
import { connectImportClient } from '../client/connect';
import { startImport, waitForReport } from '../client/imports';
import { createProgressView } from '../client/cli/progressView';
import { formatReport } from '../client/cli/reportView';
import { exitCodeForReport } from '../common/report';
import { startDevStack } from './devStack';
import { writeSampleFile } from './sampleData';

/**
 * `npm run demo`: the local stack, a generated sample of profiles, one import through it, the
 * report and where to look in the Temporal UI. Nothing leaves this machine.
 */
export async function runDemo(rows = 50_000, keep = false): Promise<number> {
  const dbFile = '.data/demo/temporal.db';
  const stack = await startDevStack({ dataDir: '.data/demo/data', reportDir: '.data/demo/reports', dbFile, quiet: true });
  try {
    const file = path.join(stack.dataDir, `profiles-${rows}.csv`);
    await writeSampleFile(file, { rows, seed: Date.now() % 100_000 });
    process.stderr.write(`generated ${rows.toLocaleString('en-US')} sample profiles in ${path.relative(process.cwd(), file)}\n`);
    const ctx = await connectImportClient({ TEMPORAL_ADDRESS: stack.server.address, TEMPORAL_NAMESPACE: 'default', XP_IMPORT_TASK_QUEUE: 'xp-import' });
    try {
      const started = await startImport(ctx, { source: path.basename(file), importId: `demo-${Date.now()}`, concurrency: 4 });
      const view = createProgressView();
      const report = await waitForReport(ctx, started.importId, (p) => view.update(p), 500);
      view.stop();
      process.stdout.write(`${formatReport(report)}\n`);
      const stored = stack.sandbox.profiles().size;
      process.stdout.write(`\nsandbox now holds ${stored.toLocaleString('en-US')} profiles\n`);
      if (stack.server.uiUrl) {
        process.stdout.write(`Temporal UI: ${stack.server.uiUrl}/namespaces/default/workflows/${encodeURIComponent(started.importId)}\n`);
      }
      if (keep) {
        process.stdout.write('the stack stays up until Ctrl-C\n');
        await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
      } else {
        process.stdout.write(
          `to browse it later: xp-import server --db-file ${dbFile}   (or run the demo with --keep)\n`,
        );
      }
      return exitCodeForReport(report);
    } finally {
      await ctx.close();
    }
  } finally {
    await stack.stop();
  }
}
