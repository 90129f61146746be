import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { BatchResult, ImportReport } from '../../common/report';

/**
 * Invariant 3 over every import a test left in its report folder, checked as the test stack
 * stops: the report alone cannot show an under-count, since rows of batches that never started
 * are added as skipped to make its counts add up. So:
 * - every batch result recorded adds up (imported + rejected + skipped = its rows);
 * - a report that is the last word on its import (no result recorded after it) counts as many
 *   rejected rows as its rejects file lists.
 * Returns what is wrong, one line each (empty when all holds).
 */
export function reportFolderProblems(reportDir: string): string[] {
  if (!existsSync(reportDir)) return [];
  const problems: string[] = [];
  for (const importId of readdirSync(reportDir)) {
    const root = path.join(reportDir, importId);
    const recorded = resultsOf(path.join(root, 'results'));
    for (const { result } of recorded) {
      const { total, imported, rejected, skipped } = result.rows;
      if (imported + rejected + skipped !== total) {
        problems.push(`${importId}, batch ${result.index + 1} (${result.status}): ${imported} imported + ${rejected} rejected + ${skipped} skipped != ${total} rows`);
      }
    }
    const reportFile = path.join(root, 'report.json');
    if (!existsSync(reportFile)) continue;
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as ImportReport;
    if (recorded.some(({ recordedAt }) => recordedAt > report.finishedAt)) continue; // a re-run is under way
    const listed = report.rejectsFile && existsSync(report.rejectsFile) ? rejectsListed(report.rejectsFile, report.format) : 0;
    if (listed !== report.rows.rejected) problems.push(`${importId} (${report.status}): the report counts ${report.rows.rejected} rejected rows, its rejects file lists ${listed}`);
  }
  return problems;
}

function resultsOf(dir: string): Array<{ recordedAt: string; result: BatchResult }> {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .flatMap((name) => {
      const file = JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as { recordedAt: string; results: BatchResult[] };
      return file.results.map((result) => ({ recordedAt: file.recordedAt, result }));
    });
}

/** Rows in a rejects file: NDJSON lines, or CSV records after the header (cells may hold quoted newlines). */
function rejectsListed(file: string, format: string): number {
  const text = readFileSync(file, 'utf8');
  if (format === 'ndjson') return text.split('\n').filter((line) => line.trim() !== '').length;
  let records = 0;
  let quoted = false;
  let empty = true;
  for (const char of text) {
    if (char === '"') quoted = !quoted;
    if (char === '\n' && !quoted) {
      if (!empty) records++;
      empty = true;
    } else if (char !== '\r') empty = false;
  }
  if (!empty) records++;
  return Math.max(records - 1, 0);
}
