import { describe, expect, it } from 'vitest';
import { formatProgressLine } from '../../../common/progressLine';
import { computeProgress, emptyTotals, type ProgressInput } from '../../../common/totals';

describe('the progress of an import', () => {
  const totals = emptyTotals();
  totals.rows.imported = 400;
  const input: ProgressInput = {
    importId: 'eta',
    phase: 'importing',
    totals,
    totalRows: 1_000,
    batchSize: 100,
    inFlightRows: 100,
    inFlightBatches: 1,
    stuckBatches: [],
    concurrency: 2,
    startedAt: '2026-11-29T00:00:00.000Z',
    now: Date.parse('2026-11-29T00:00:04.000Z'),
  };

  it('gives an ETA at the rate so far while it imports', () => {
    const progress = computeProgress(input);
    expect(progress.rowsPerSecond).toBe(100);
    expect(progress.etaSeconds).toBe(6);
    expect(formatProgressLine(progress)).toMatch(/100 rows\/s, ETA 6s$/);
  });

  it('gives none unless it imports: paused or pausing nothing new starts, cancelling the rest is never sent', () => {
    for (const phase of ['paused', 'pausing', 'cancelling', 'finishing', 'inspecting'] as const) {
      const progress = computeProgress({ ...input, phase });
      expect(progress.etaSeconds).toBeNull();
      expect(formatProgressLine(progress)).not.toContain('ETA');
    }
  });

  it('of a re-run: its rate and ETA are of the rows it did, not of those it took over from the runs before', () => {
    const rerun = { ...input, rowsTakenOver: 400 };
    expect(computeProgress(rerun)).toMatchObject({ rowsPerSecond: 0, etaSeconds: null });
    const later = emptyTotals();
    later.rows.imported = 600;
    expect(computeProgress({ ...rerun, totals: later })).toMatchObject({ rowsPerSecond: 50, etaSeconds: 8 });
  });
});
