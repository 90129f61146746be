// A plain Node script that drives a whole import through xp-import's client API, as a service
// or a cron job would. Run it after `npm run build`, with a worker up:
//   TEMPORAL_ADDRESS=localhost:7233 node examples/import-from-a-service.js customers.csv
const { connectImportClient } = require('../dist/client/connect');
const { startImport, waitForReport } = require('../dist/client/imports');
const { exitCodeForClientError } = require('../dist/client/importErrors');
const { ExitCode, exitCodeForReport } = require('../dist/common/report');

async function main() {
  const source = process.argv[2];
  if (!source) {
    console.error('usage: node examples/import-from-a-service.js <file inside XP_IMPORT_DATA_DIR>');
    process.exitCode = ExitCode.usage;
    return;
  }
  const ctx = await connectImportClient(); // TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, XP_IMPORT_TASK_QUEUE
  try {
    const { importId, alreadyRunning } = await startImport(ctx, { source, batchSize: 10000, concurrency: 4 });
    console.error(`${alreadyRunning ? 'following' : 'started'} import ${importId}`);
    const report = await waitForReport(ctx, importId, (p) => console.error(`${p.rows.done}/${p.rows.total ?? '?'} rows`));
    console.log(JSON.stringify(report));
    // 0 completed, 1 completed with rejections, 2 a bad file or mapping, 3 failed or cancelled: as the CLI.
    process.exitCode = exitCodeForReport(report);
  } finally {
    await ctx.close();
  }
}

main().catch((error) => {
  console.error(error.message);
  // As the CLI: 2 for what the caller must fix (DESIGN.md's CLI contract), 3 for a failure.
  process.exitCode = exitCodeForClientError(error) ?? ExitCode.failed;
});
