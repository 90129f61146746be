import { batchesNotRun, rerunFailsAgain, type ImportReport } from '../../common/report';

const n = (value: number) => value.toLocaleString('en-US');

/**
 * Which skipped rows were left out by design and which were not sent: "skipped" alone reads as rows
 * lost. Reports from before superseded rows were counted say nothing more.
 */
function skippedWhy(rows: ImportReport['rows']): string {
  const superseded = rows.superseded ?? 0;
  if (rows.skipped === 0 || superseded === 0) return '';
  const notSent = rows.skipped - superseded;
  return ` (${n(superseded)} superseded by a later row of the same profile${notSent > 0 ? `, ${n(notSent)} not sent` : ''})`;
}

/** The report for people: what happened, where the details are, and what to do next. */
export function formatReport(report: ImportReport): string {
  // Stopped before the source was read (a wrong token, a source out of reach): its rows were never counted, not 0.
  const unread = report.failure !== undefined && report.fingerprint === null && report.rows.total === 0;
  const notRun = batchesNotRun(report.batches);
  const lines = [
    `import ${report.importId}: ${report.status}${report.dryRun ? ' (dry run: nothing was sent)' : ''}`,
    `  source    ${report.source} (${report.format})`,
    unread
      ? '  rows      not counted: the import stopped (see failure) before it had counted them'
      : `  rows      ${n(report.rows.total)} total: ${n(report.rows.imported)} ${report.dryRun ? 'would be imported' : 'imported'}, ${n(report.rows.rejected)} rejected, ${n(report.rows.skipped)} skipped${skippedWhy(report.rows)}`,
    `  batches   ${n(report.batches.total)} total: ${n(report.batches.succeeded)} succeeded, ${n(report.batches.failed)} failed${notRun > 0 ? `, ${n(notRun)} not run` : ''}`,
    report.dryRun
      ? `  requests  ${n(report.requests)} would be sent`
      : `  requests  ${n(report.requests)} (${n(report.taskIdsTotal)} async tasks)${report.possibleDuplicates ? `, ${report.possibleDuplicates} possibly sent twice` : ''}`,
  ];
  if (report.warnings > 0) lines.push(`  warnings  ${n(report.warnings)} values sent as they are but longer than Xtremepush keeps; \`xp-import validate\` lists them`);
  // A header-only file is a valid, empty import; said once, so an export that came out empty is noticed.
  if (report.rows.total === 0 && report.failure === undefined) lines.push('  note      the source has no data rows (a header only, or blank lines): nothing was sent');
  // Said, so that a count of the file's lines does not look like rows lost.
  else if ((report.blankLines ?? 0) > 0) lines.push(`  note      ${n(report.blankLines ?? 0)} blank line${report.blankLines === 1 ? '' : 's'} in the source, which are not rows: not counted`);
  if (report.takenOver) {
    lines.push(`  re-run    of run ${report.takenOver.fromRunId}: kept ${n(report.takenOver.batches)} batches (${n(report.takenOver.rows.imported)} rows imported) and redid the others, posting only what the API had not taken (tasks it had were looked at, not posted again)`);
  }
  const retries = Object.entries(report.retries).filter(([, count]) => (count ?? 0) > 0);
  if (retries.length > 0) lines.push(`  retries   ${retries.map(([cause, count]) => `${cause} ${count}`).join(', ')}`);
  lines.push(`  time      ${(report.durationMs / 1000).toFixed(1)} s, ${n(Math.round(report.rowsPerSecond))} rows/s`);
  if (report.rejectsFile) lines.push(`  rejects   ${report.rejectsFile}`);
  if (report.reportFile) lines.push(`  report    ${report.reportFile}`);
  if (report.failure) lines.push(`  failure   ${report.failure.code}: ${report.failure.message}`);
  for (const batch of report.failedBatches.slice(0, 10)) {
    lines.push(`  batch ${batch.batch} (rows ${batch.rows}) ${batch.status}${batch.failure ? `: ${batch.failure.message}` : ''}`);
  }
  if (report.failedBatches.length > 10) lines.push(`  ... ${report.failedBatches.length - 10} more failed batches in ${report.reportFile ?? 'report.json'}`);
  // A re-run refuses a source that changed: for that one, the way on is a new import.
  if (report.failure?.code === 'SourceChangedError') lines.push(`  next      xp-import start ${report.source} --id <new id>   (the file changed: import the new version)`);
  // retry refuses these too: it would read the same file with the same mapping and fail the same way.
  else if (rerunFailsAgain(report)) lines.push(`  next      fix what the failure says, then xp-import start ${report.source} --id <new id>   (a re-run would fail the same way)`);
  else if (unread && !report.dryRun) lines.push(`  next      xp-import retry ${report.importId}   (once the failure is fixed: nothing was sent)`);
  else if (report.batches.failed > 0 || (notRun > 0 && !report.dryRun)) {
    lines.push(`  next      xp-import retry ${report.importId}   (sends the ${report.batches.failed > 0 ? 'failed batches' : 'batches not run'}${report.batches.failed > 0 && notRun > 0 ? ' and those not run' : ''} again)`);
  }
  return lines.join('\n');
}
