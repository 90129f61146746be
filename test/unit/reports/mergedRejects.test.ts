import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeRejectPart, type RejectedRow } from '../../../activities/reports/rejectParts';
import { ReportPaths } from '../../../activities/reports/reportPaths';
import { createReportActivities, type WriteReportInput } from '../../../activities/reports/writeReport';
import { emptyTotals } from '../../../common/totals';

const root = mkdtempSync(path.join(tmpdir(), 'merged-rejects-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const BATCHES = 60;
const BATCH_ROWS = 100;

function reject(row: number, reason: string): RejectedRow {
  return { row, line: row + 1, column: 'email', reason, cells: [`u${row}`, reason] };
}

function reportInput(importId: string, rejected: number): WriteReportInput {
  const totals = emptyTotals();
  totals.rows.rejected = rejected;
  totals.rows.imported = BATCHES * BATCH_ROWS - rejected;
  totals.batches = { done: BATCHES, succeeded: BATCHES, failed: 0 };
  return {
    importId,
    source: { kind: 'file', path: 'merged-people.csv' },
    format: 'csv',
    dryRun: false,
    status: 'completed_with_rejections',
    totalRows: BATCHES * BATCH_ROWS,
    totalBatches: BATCHES,
    totals,
    header: ['user_id', 'email'],
    fingerprint: null,
    takenOver: null,
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:01:00.000Z',
  };
}

describe('the rejects file of many batches, their parts read a few at a time', () => {
  it('holds every rejected row once, in row order, whatever order the parts were read in', async () => {
    const importId = 'merged-many';
    const paths = new ReportPaths(root, importId);
    const expected: number[] = [];
    for (let batch = 0; batch < BATCHES; batch++) {
      const first = batch * BATCH_ROWS + 1;
      // Parts of very different sizes (large ones early), so that reads end out of order; written
      // out of row order, as a part of rows rejected by validation and then by the API can be.
      const validation = Array.from({ length: batch % 7 === 0 ? BATCH_ROWS - 10 : batch % 3 }, (_, i) => reject(first + 2 * (i % 45) + (i >= 45 ? 1 : 0), 'not an email'));
      const byApi = batch % 4 === 1 ? [reject(first + BATCH_ROWS - 1, 'refused by the API'), reject(first, 'refused by the API')] : [];
      if (validation.length > 0) await writeRejectPart(paths.validationRejects(batch), [...validation].reverse());
      if (byApi.length > 0) await writeRejectPart(paths.apiRejects(batch), byApi);
      expected.push(...new Set([...validation, ...byApi].map((r) => r.row)));
    }
    expected.sort((a, b) => a - b);

    const report = await createReportActivities(root).writeReport(reportInput(importId, expected.length));

    expect(report.rejectsFile).toBe(paths.rejects('csv'));
    const lines = readFileSync(paths.rejects('csv'), 'utf8').split('\r\n').filter((line) => line !== '');
    const rows = lines.slice(1).map((line) => Number(line.split(',')[0]));
    expect(rows).toEqual(expected);
    // A row in both parts of its batch is written once, as validation rejected it.
    expect(lines.filter((line) => line.startsWith(`${BATCH_ROWS + 1},`))).toEqual([expect.stringContaining('not an email')]);
  });
});
