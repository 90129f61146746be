import { describe, expect, it } from 'vitest';
import type { BatchResult } from '../../../common/report';
import { addBatchResult, emptyTotals, finalStatus } from '../../../common/totals';

function batch(index: number, status: BatchResult['status'], rows: { imported: number; rejected?: number; skipped?: number }): BatchResult {
  const counts = { imported: rows.imported, rejected: rows.rejected ?? 0, skipped: rows.skipped ?? 0 };
  return { index, firstRow: 1 + index * 300, status, rows: { total: counts.imported + counts.rejected + counts.skipped, ...counts }, requests: 1, taskIds: [], retries: {}, possibleDuplicates: 0 };
}

function statusOf(...batches: BatchResult[]) {
  const totals = emptyTotals();
  for (const b of batches) addBatchResult(totals, b);
  return finalStatus(totals);
}

describe('how an import that ran to its end is reported', () => {
  it('does not depend on how the same rows were cut into batches', () => {
    // QA: 300 rows, one task failing; in one batch the import was 'failed' (exit 3), in two 'completed_with_rejections' (exit 1).
    expect(statusOf(batch(0, 'failed', { imported: 150, skipped: 150 }))).toBe('completed_with_rejections');
    expect(statusOf(batch(0, 'succeeded', { imported: 150 }), batch(1, 'failed', { imported: 0, skipped: 150 }))).toBe('completed_with_rejections');
  });

  it('is failed when failed batches left nothing imported, completed when every row was', () => {
    expect(statusOf(batch(0, 'failed', { imported: 0, skipped: 300 }), batch(1, 'failed', { imported: 0, skipped: 300 }))).toBe('failed');
    expect(statusOf(batch(0, 'succeeded', { imported: 300 }))).toBe('completed');
    expect(statusOf(batch(0, 'succeeded', { imported: 299, rejected: 1 }))).toBe('completed_with_rejections');
  });

  it('adds up the warnings of results that have them, and of old results that do not', () => {
    const totals = emptyTotals();
    addBatchResult(totals, { ...batch(0, 'succeeded', { imported: 10 }), warnings: 3 });
    addBatchResult(totals, batch(1, 'succeeded', { imported: 10 }));
    expect(totals.warnings).toBe(3);
  });
});
