import { describe, expect, it } from 'vitest';
import { formatReport } from '../../../client/cli/reportView';
import type { ImportReport } from '../../../common/report';

function report(rows: ImportReport['rows']): ImportReport {
  return {
    importId: 'r',
    status: 'completed',
    source: 'customers.csv',
    format: 'csv',
    dryRun: false,
    rows,
    batches: { total: Math.ceil(rows.total / 10_000), succeeded: Math.ceil(rows.total / 10_000), failed: 0 },
    requests: Math.ceil(rows.total / 10_000),
    taskIds: [],
    taskIdsTotal: 0,
    retries: {},
    possibleDuplicates: 0,
    warnings: 0,
    failedBatches: [],
    rejectsFile: null,
    reportFile: '/reports/r/report.json',
    fingerprint: null,
    takenOver: null,
    startedAt: '2026-11-29T00:00:00.000Z',
    finishedAt: '2026-11-29T00:00:01.000Z',
    durationMs: 1_000,
    rowsPerSecond: rows.imported,
  };
}

describe('the report for people', () => {
  it('says how many blank lines the source had, which are not rows, so a count of its lines does not look like rows lost', () => {
    expect(formatReport({ ...report({ total: 5, imported: 5, rejected: 0, skipped: 0 }), blankLines: 2 })).toContain('  note      2 blank lines in the source, which are not rows: not counted');
    expect(formatReport({ ...report({ total: 5, imported: 5, rejected: 0, skipped: 0 }), blankLines: 1 })).toContain('  note      1 blank line in the source');
    expect(formatReport({ ...report({ total: 5, imported: 5, rejected: 0, skipped: 0 }), blankLines: 0 })).not.toContain('blank line');
    expect(formatReport(report({ total: 5, imported: 5, rejected: 0, skipped: 0 }))).not.toContain('blank line');
  });

  it('tells skipped rows a later row superseded from rows not sent, so that "skipped" does not read as rows lost', () => {
    expect(formatReport(report({ total: 1_000, imported: 990, rejected: 0, skipped: 10, superseded: 10 }))).toContain(
      'rows      1,000 total: 990 imported, 0 rejected, 10 skipped (10 superseded by a later row of the same profile)\n',
    );
    expect(formatReport(report({ total: 1_000, imported: 500, rejected: 0, skipped: 500, superseded: 10 }))).toContain(
      '500 skipped (10 superseded by a later row of the same profile, 490 not sent)\n',
    );
    // Nothing superseded, or a report from before they were counted: nothing to tell apart.
    expect(formatReport(report({ total: 1_000, imported: 500, rejected: 0, skipped: 500, superseded: 0 }))).toContain('500 skipped\n');
    expect(formatReport(report({ total: 1_000, imported: 500, rejected: 0, skipped: 500 }))).toContain('500 skipped\n');
  });

  it('says when the source had no data rows at all (a header-only file)', () => {
    expect(formatReport(report({ total: 0, imported: 0, rejected: 0, skipped: 0 }))).toContain('the source has no data rows (a header only, or blank lines): nothing was sent');
  });

  it('counts the batches a cancel stopped before they started, and says retry sends them (before: 60 total: 6 succeeded, 0 failed)', () => {
    const cancelled = { ...report({ total: 600, imported: 60, rejected: 0, skipped: 540 }), status: 'cancelled' as const, batches: { total: 60, succeeded: 6, failed: 0 } };
    const text = formatReport(cancelled);
    expect(text).toContain('  batches   60 total: 6 succeeded, 0 failed, 54 not run');
    expect(text).toContain('  next      xp-import retry r   (sends the batches not run again)');
    expect(formatReport({ ...cancelled, batches: { total: 60, succeeded: 6, failed: 2 } })).toContain('(sends the failed batches and those not run again)');
  });

  it('says rows were not counted when the import stopped before reading the source (before: 0 total)', () => {
    const stopped = { ...report({ total: 0, imported: 0, rejected: 0, skipped: 0 }), status: 'failed' as const, failure: { code: 'AuthenticationError', message: 'wrong token' } };
    const text = formatReport(stopped);
    expect(text).toContain('  rows      not counted: the import stopped (see failure) before it had counted them');
    // A re-run sends it all (retry no longer takes 0 of 0 batches for every batch succeeded).
    expect(text).toContain('  next      xp-import retry r   (once the failure is fixed: nothing was sent)');
    expect(text).not.toContain('0 total: 0 imported');
    const read: ImportReport = { ...stopped, fingerprint: { size: 10, version: '1', sha256: 'ab' } };
    expect(formatReport(read)).toContain('  rows      0 total');
  });

  it("a re-run's line says it redid only what the API had not taken (before: 'sent the rest again', when it had posted nothing)", () => {
    const rerun: ImportReport = { ...report({ total: 4_000, imported: 4_000, rejected: 0, skipped: 0 }), takenOver: { fromRunId: 'run-1', batches: 2, rows: { imported: 2_000, rejected: 0, skipped: 0 } } };
    const text = formatReport(rerun);
    expect(text).toContain('  re-run    of run run-1: kept 2 batches (2,000 rows imported) and redid the others, posting only what the API had not taken');
    expect(text).not.toContain('sent the rest again');
  });

  it('says nothing of the kind when there were rows', () => {
    expect(formatReport(report({ total: 5, imported: 5, rejected: 0, skipped: 0 }))).not.toContain('no data rows');
  });

  it('counts the values sent with a warning, and names nothing when there were none', () => {
    const base = report({ total: 5, imported: 5, rejected: 0, skipped: 0 });
    expect(formatReport({ ...base, warnings: 2 })).toContain('warnings  2 values sent as they are but longer than Xtremepush keeps; `xp-import validate` lists them');
    expect(formatReport(base)).not.toContain('warnings');
  });

  it('a dry run says what would have been imported and sent, never that it was', () => {
    const text = formatReport({ ...report({ total: 5, imported: 4, rejected: 1, skipped: 0 }), dryRun: true });
    expect(text).toContain('rows      5 total: 4 would be imported, 1 rejected, 0 skipped');
    expect(text).toContain('requests  1 would be sent');
    expect(text).not.toMatch(/\d imported|async tasks/);
  });

  it('points a failed import to retry, but one whose file changed to a new import (retry would refuse it)', () => {
    const failed = { ...report({ total: 20_000, imported: 10_000, rejected: 0, skipped: 10_000 }), status: 'failed' as const, batches: { total: 2, succeeded: 1, failed: 1 } };
    expect(formatReport(failed)).toContain('next      xp-import retry r');
    const changed = formatReport({ ...failed, failure: { code: 'SourceChangedError', message: 'customers.csv changed since it was inspected' } });
    expect(changed).toContain('next      xp-import start customers.csv --id <new id>   (the file changed: import the new version)');
    expect(changed).not.toContain('xp-import retry');
    // A re-run that lost its report folder failed on its input: retry refuses it, so it is not the way on.
    const input = formatReport({ ...failed, failure: { code: 'InvalidInputError', message: 'a re-run needs the report folder of the first run' } });
    expect(input).toContain('next      fix what the failure says, then xp-import start customers.csv --id <new id>   (a re-run would fail the same way)');
    expect(input).not.toContain('xp-import retry');
  });
});
