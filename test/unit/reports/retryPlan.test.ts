import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { appendRejectPart, writeRejectPart } from '../../../activities/reports/rejectParts';
import { ReportPaths } from '../../../activities/reports/reportPaths';
import { createReportActivities } from '../../../activities/reports/writeReport';
import type { BatchResult } from '../../../common/report';
import type { Fingerprint } from '../../../common/source';
import { emptyTotals } from '../../../common/totals';

const fingerprint: Fingerprint = { size: 100, version: 'v1', sha256: 'a'.repeat(64) };
const importId = 'retry-plan-parts';

function batchResult(index: number, status: BatchResult['status']): BatchResult {
  return {
    index,
    firstRow: index * 2 + 1,
    status,
    rows: { total: 2, imported: status === 'succeeded' ? 1 : 0, rejected: 1, skipped: status === 'succeeded' ? 0 : 1 },
    requests: 1,
    taskIds: [],
    retries: {},
    possibleDuplicates: 0,
  };
}

describe('the plan of a re-run', () => {
  let root: string | undefined;
  afterEach(() => {
    if (root) rmSync(root, { recursive: true, force: true });
    root = undefined;
  });

  it('removes the reject parts of the batches it sends again, and keeps those of the batches that succeeded', async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'xp-import-retry-plan-'));
    const reports = createReportActivities(root);
    const paths = new ReportPaths(root, importId);
    // Batch 1 succeeded, batch 2 failed, batch 3 never started; each left a validation part, and batch 2 an API part.
    await reports.recordBatchResults({ importId, name: 'run-1', recordedAt: new Date().toISOString(), results: [batchResult(0, 'succeeded'), batchResult(1, 'failed')] });
    const rejected = (row: number) => ({ row, line: row + 1, column: null, reason: 'invalid', cells: [`u${row}`] });
    for (const index of [0, 1, 2]) await writeRejectPart(paths.validationRejects(index), [rejected(index * 2 + 1)]);
    await appendRejectPart(paths.apiRejects(1), [rejected(4)]);
    const totals = emptyTotals();
    await reports.writeReport({
      importId,
      source: { kind: 'file', path: 'f.csv' },
      format: 'csv',
      dryRun: false,
      status: 'failed',
      totalRows: 6,
      totalBatches: 3,
      totals,
      header: ['user_id'],
      fingerprint,
      takenOver: null,
      startedAt: new Date().toISOString(),
      finishedAt: new Date().toISOString(),
    });
    expect(readdirSync(paths.rejectParts).sort()).toEqual(['batch-0000001.part', 'batch-0000002-api.part', 'batch-0000002.part', 'batch-0000003.part']);

    const plan = await reports.loadRetryPlan({ importId, fingerprint, totalBatches: 3 });
    expect(plan.redo).toEqual([[1, 2]]);
    // A submit whose first attempt fails before it writes can no longer leave the earlier run's rejects behind.
    expect(readdirSync(paths.rejectParts)).toEqual(['batch-0000001.part']);
    expect(existsSync(paths.apiRejects(1))).toBe(false);
    expect(plan.takenOver.rows).toMatchObject({ imported: 1, rejected: 1 });
  });
});
