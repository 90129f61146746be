import { describe, expect, it } from 'vitest';
import { formatProgressLine } from '../../../common/progressLine';
import { computeProgress, emptyTotals, progressAsOf, rememberDone, type DonePoint, type ProgressInput } from '../../../common/totals';

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

  it('writes every count the same way, with thousands separators', () => {
    const big = emptyTotals();
    big.rows.imported = 11_500;
    big.rows.rejected = 1_200;
    big.batches.done = 1_270;
    const line = formatProgressLine(computeProgress({ ...input, totals: big, totalRows: 3_000_000, batchSize: 10, now: Date.parse('2026-11-29T00:00:01.000Z') }));
    expect(line).toMatch(/^importing: 12,700\/3,000,000 rows \(11,500 imported, 1,200 rejected, 0 skipped\), batches 1,270\/300,000 \(1 in flight\), 12,700 rows\/s, ETA \d+s$/);
  });

  it('gives its rate to a tenth of a row a second', () => {
    expect(computeProgress({ ...input, now: Date.parse('2026-11-29T00:00:03.000Z') }).rowsPerSecond).toBe(133.3);
  });

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

  it('is the rate of the last half minute: after a worker was down for 40 s, the ETA is right again once it has run as long (before: the whole import\'s average)', () => {
    const start = Date.parse(input.startedAt);
    const points: DonePoint[] = [];
    const at = (seconds: number, done: number) => rememberDone(points, { at: start + seconds * 1000, done });
    // 100 rows a second for 60 s, nothing for 40 s (the worker down), then 100 a second again for 40 s.
    for (let t = 1; t <= 60; t++) at(t, t * 100);
    for (let t = 101; t <= 140; t++) at(t, 6_000 + (t - 100) * 100);
    // Only what the window needs is kept.
    expect(points.length).toBeLessThanOrEqual(32);
    const totalsNow = emptyTotals();
    totalsNow.rows.imported = 10_000;
    const now = start + 140_000;
    const progress = computeProgress({ ...input, totals: totalsNow, totalRows: 20_000, recent: points, now });
    expect(progress.rowsPerSecond).toBe(100);
    expect(progress.etaSeconds).toBe(100);
    expect(progress.rateSince).toBe(new Date(start + 110_000).toISOString());
    // The whole import's average: 10,000 rows in 140 s, 71.4 rows/s and an ETA of 140 s.
    expect(computeProgress({ ...input, totals: totalsNow, totalRows: 20_000, now }).rowsPerSecond).toBe(71.4);
    // Nothing done for 45 s more: the same rows over the longer time (not 0, which batches ending far apart would show between two ends).
    const stalled = computeProgress({ ...input, totals: totalsNow, totalRows: 20_000, recent: points, now: now + 45_000 });
    expect(stalled).toMatchObject({ rowsPerSecond: 40, etaSeconds: 250 });
    // Brought to a later moment, the rate is of the rows since its start, not since the import's.
    expect(progressAsOf(progress, now + 10_000).rowsPerSecond).toBe(75);
  });

  it('has a rate between two ends of batches that end together, far apart (long tasks): not 0 once the last end is 30 s old', () => {
    const start = Date.parse(input.startedAt);
    const points: DonePoint[] = [];
    // Four batches of 100 rows ending together every 45 s.
    for (const t of [45, 90, 135]) for (let k = 1; k <= 4; k++) rememberDone(points, { at: start + t * 1000, done: (t / 45 - 1) * 400 + k * 100 });
    const totalsNow = emptyTotals();
    totalsNow.rows.imported = 1_200;
    // 35 s after the last end: measured from the end 45 s before it.
    const progress = computeProgress({ ...input, totals: totalsNow, totalRows: 4_000, recent: points, now: start + 170_000 });
    expect(progress.rowsPerSecond).toBe(5);
    expect(progress.etaSeconds).toBe(560);
  });

  it('brought to the time it is asked: the same rows over the longer time, and how long nothing has changed', () => {
    // Computed at 4 s (the workflow's last activation); asked at 20 s, with nothing done since.
    const asked = progressAsOf(computeProgress(input), Date.parse('2026-11-29T00:00:20.000Z'));
    // Before, 100 rows/s and ETA 6s, 14 s after that ETA had passed.
    expect(asked.rowsPerSecond).toBe(20);
    expect(asked.etaSeconds).toBe(30);
    expect(asked.unchangedSeconds).toBe(16);
    expect(asked.updatedAt).toBe('2026-11-29T00:00:20.000Z');
    expect(formatProgressLine(asked)).toMatch(/20 rows\/s, ETA 30s, no change for 16s$/);
    // A moment's quiet is not worth a word.
    expect(formatProgressLine(progressAsOf(computeProgress(input), Date.parse('2026-11-29T00:00:09.000Z')))).toMatch(/ETA \d+s$/);
  });
  it('gives none while it waits for an operator: stuck batches are all it has in flight and nothing else can start (before: an ETA that grew without end)', () => {
    const at = (done: number, inFlight: number, stuck: number[], concurrency = 2) => {
      const t = emptyTotals();
      t.rows.imported = done * 100;
      t.batches.done = done;
      return computeProgress({ ...input, totals: t, inFlightBatches: inFlight, inFlightRows: inFlight * 100, stuckBatches: stuck, concurrency });
    };
    // The last batch stuck, nothing left to start.
    const last = at(9, 1, [9]);
    expect(last.etaSeconds).toBeNull();
    expect(formatProgressLine(last)).toMatch(/1 stuck: batch 10\), \d+ rows\/s$/);
    expect(progressAsOf(last, input.now + 60_000).etaSeconds).toBeNull();
    // Both slots held by stuck batches, batches left to start.
    expect(at(4, 2, [4, 5]).etaSeconds).toBeNull();
    // One slot stuck, one free: the rest still moves.
    expect(at(4, 1, [4]).etaSeconds).toBe(6);
    // A stuck batch beside one that runs: the one that runs moves.
    expect(at(8, 2, [8]).etaSeconds).toBe(1);
  });
});
