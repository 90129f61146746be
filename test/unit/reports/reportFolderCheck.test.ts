import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { reportFolderProblems } from '../../support/reportFolderCheck';

/** The check every test stack runs as it stops: it must see what it is there to see. */
describe('the report folder check of the test stack', () => {
  let root: string | undefined;
  afterEach(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  function folder(results: Array<{ imported: number; rejected: number; skipped: number }>, reportRejected: number, rejectsCsv: string | null, recordedAt = '2026-01-01T00:00:00.000Z') {
    root = mkdtempSync(path.join(os.tmpdir(), 'xp-import-folder-check-'));
    const dir = path.join(root, 'imp');
    mkdirSync(path.join(dir, 'results'), { recursive: true });
    const batches = results.map((rows, index) => ({ index, status: 'failed', rows: { total: 2, ...rows } }));
    writeFileSync(path.join(dir, 'results', 'run-1.json'), JSON.stringify({ recordedAt, results: batches }));
    const rejectsFile = rejectsCsv === null ? null : path.join(dir, 'rejects.csv');
    if (rejectsFile && rejectsCsv !== null) writeFileSync(rejectsFile, rejectsCsv);
    writeFileSync(path.join(dir, 'report.json'), JSON.stringify({ status: 'failed', format: 'csv', rows: { rejected: reportRejected }, rejectsFile, finishedAt: '2026-01-01T00:00:01.000Z' }));
    return root;
  }

  it('passes a folder whose batches add up and whose rejects file lists what the report counts (a quoted newline is one row)', () => {
    expect(reportFolderProblems(folder([{ imported: 1, rejected: 1, skipped: 0 }], 1, 'xp_import_row,note\n2,"two\nlines"\n'))).toEqual([]);
  });

  it('names a batch whose rows do not add up, and a report that counts other rejects than its file lists', () => {
    const problems = reportFolderProblems(folder([{ imported: 0, rejected: 0, skipped: 1 }], 0, 'xp_import_row\n2\n'));
    expect(problems).toEqual(['imp, batch 1 (failed): 0 imported + 0 rejected + 1 skipped != 2 rows', 'imp (failed): the report counts 0 rejected rows, its rejects file lists 1']);
  });

  it('leaves the rejects alone while a re-run is under way (results recorded after the report)', () => {
    expect(reportFolderProblems(folder([{ imported: 2, rejected: 0, skipped: 0 }], 0, 'xp_import_row\n2\n', '2026-01-01T00:00:02.000Z'))).toEqual([]);
  });
});
