import type { ImportPhase, Progress } from './progress';
import type { BatchResult, ImportStatus, RetryCounts } from './report';

/** Counters an import carries across continue-as-new: numbers only, so the payload never grows. */
export interface ImportTotals {
  rows: { imported: number; rejected: number; skipped: number; superseded?: number };
  batches: { done: number; succeeded: number; failed: number };
  requests: number;
  retries: RetryCounts;
  possibleDuplicates: number;
  /** Optional: totals carried by a run from before warnings were counted have none. */
  warnings?: number;
}

export function emptyTotals(): ImportTotals {
  return {
    rows: { imported: 0, rejected: 0, skipped: 0, superseded: 0 },
    batches: { done: 0, succeeded: 0, failed: 0 },
    requests: 0,
    retries: {},
    possibleDuplicates: 0,
    warnings: 0,
  };
}

export function addBatchResult(totals: ImportTotals, result: BatchResult): void {
  addRowCounts(totals.rows, result.rows);
  totals.batches.done += 1;
  if (result.status === 'succeeded') totals.batches.succeeded += 1;
  else totals.batches.failed += 1;
  totals.requests += result.requests;
  for (const [cause, n] of Object.entries(result.retries) as Array<[keyof RetryCounts, number]>) {
    totals.retries[cause] = (totals.retries[cause] ?? 0) + n;
  }
  totals.possibleDuplicates += result.possibleDuplicates;
  totals.warnings = (totals.warnings ?? 0) + (result.warnings ?? 0);
}

/** A batch's row counts added to an import's (or to what a re-run takes over). */
export function addRowCounts(into: ImportTotals['rows'], rows: BatchResult['rows']): void {
  into.imported += rows.imported;
  into.rejected += rows.rejected;
  into.skipped += rows.skipped;
  // Totals carried by a run from before superseded rows were counted have none.
  into.superseded = (into.superseded ?? 0) + (rows.superseded ?? 0);
}

/** Rows counted one way or another: of an import's totals, or of the batches a re-run took over. */
export function rowsDone(totals: Pick<ImportTotals, 'rows'>): number {
  return totals.rows.imported + totals.rows.rejected + totals.rows.skipped;
}

/** How an import that ran to its end is reported. */
export function finalStatus(totals: ImportTotals): ImportStatus {
  // Failed when failed batches left nothing imported. Not "no batch succeeded": a lone batch that
  // imported half its rows before a task failed made a one-batch import 'failed' (exit 3) where
  // the same rows in two batches ended completed_with_rejections (exit 1).
  if (totals.batches.failed > 0 && totals.rows.imported === 0) return 'failed';
  if (totals.rows.rejected > 0 || totals.batches.failed > 0) return 'completed_with_rejections';
  return 'completed';
}

export interface ProgressInput {
  importId: string;
  phase: ImportPhase;
  totals: ImportTotals;
  totalRows: number | null;
  batchSize: number;
  inFlightRows: number;
  inFlightBatches: number;
  /** 0-based indexes of the batches waiting for an operator. */
  stuckBatches: readonly number[];
  concurrency: number;
  startedAt: string;
  now: number;
  /** Rows a re-run took over from the runs before: done, but not by it, so not in its rate. */
  rowsTakenOver?: number;
  dryRun?: boolean;
  /** The rows done each time a batch ended (rememberDone): the rate is of the recent ones. */
  recent?: readonly DonePoint[];
}

/**
 * How far back the rate looks. The whole import's average stretched the ETA for the rest of an
 * import after a pause or a worker's outage (a minute lost made a 100-second rest read 864 s).
 */
export const RATE_WINDOW_MS = 30_000;

/** The rows an import had done at a moment (ms since the epoch). */
export interface DonePoint {
  at: number;
  done: number;
}

/** Adds a point, keeping only the newest one at least a window older than it and those after it: all the rate needs. */
export function rememberDone(points: DonePoint[], point: DonePoint): void {
  points.push(point);
  while (points.length > 1 && (points[1] as DonePoint).at <= point.at - RATE_WINDOW_MS) points.shift();
}

/**
 * The newest point at least a window before the newest one; undefined while the import is younger.
 * Counted back from the last batch end, not from now: batches that end far apart (long tasks, or a
 * window of them ending together) would otherwise leave no point in the window, and the rate at 0
 * between two ends. Measured on to now, it falls while nothing ends, as an outage should make it.
 */
function rateAnchor(points: readonly DonePoint[] | undefined): DonePoint | undefined {
  const newest = points?.[points.length - 1];
  if (points === undefined || newest === undefined) return undefined;
  let anchor: DonePoint | undefined;
  for (const point of points) if (point.at <= newest.at - RATE_WINDOW_MS) anchor = point;
  return anchor;
}

export function computeProgress(p: ProgressInput): Progress {
  const done = rowsDone(p.totals);
  // The rate of about the last RATE_WINDOW_MS (from the newest batch end before it); the whole run's while it is younger.
  const anchor = rateAnchor(p.recent);
  const since = anchor?.at ?? Date.parse(p.startedAt);
  const elapsedSeconds = Math.max((p.now - since) / 1000, 0.001);
  const rowsPerSecond = Math.max(done - (anchor?.done ?? p.rowsTakenOver ?? 0), 0) / elapsedSeconds;
  const remaining = p.totalRows === null ? null : Math.max(p.totalRows - done, 0);
  return {
    importId: p.importId,
    phase: p.phase,
    rows: { total: p.totalRows, done, ...p.totals.rows, inFlight: p.inFlightRows },
    batches: {
      total: p.totalRows === null ? null : Math.ceil(p.totalRows / p.batchSize),
      ...p.totals.batches,
      inFlight: p.inFlightBatches,
      stuck: p.stuckBatches.length,
      stuckBatches: [...p.stuckBatches].sort((a, b) => a - b).slice(0, 100).map((i) => i + 1),
    },
    concurrency: p.concurrency,
    ...(p.dryRun ? { dryRun: true as const } : {}),
    // A tenth is all a rate says: `status --json` showed 4.237288135593221.
    rowsPerSecond: Math.round(rowsPerSecond * 10) / 10,
    // Only while it imports: paused or pausing, nothing new starts until it is resumed (an ETA would
    // guess when); cancelling, the rest is never sent; inspecting or finishing, there is no rate yet or
    // no rest; waiting for an operator to resolve stuck batches, its end is theirs to say.
    etaSeconds: p.phase !== 'importing' || remaining === null || rowsPerSecond === 0 || waitsForOperator(p) ? null : remaining / rowsPerSecond,
    startedAt: p.startedAt,
    ...(anchor ? { rateSince: new Date(anchor.at).toISOString() } : {}),
    updatedAt: new Date(p.now).toISOString(),
  };
}

/**
 * Nothing moves until `resolve` is run: every batch in flight is stuck, and none is left to start
 * or the stuck ones hold every slot. The rate falls as it waits, and its ETA would grow without end.
 */
function waitsForOperator(p: ProgressInput): boolean {
  const stuck = p.stuckBatches.length;
  if (stuck === 0 || stuck < p.inFlightBatches || p.totalRows === null) return false;
  const toStart = Math.ceil(p.totalRows / p.batchSize) - p.totals.batches.done - p.inFlightBatches;
  return toStart <= 0 || stuck >= p.concurrency;
}

/**
 * The progress as of `now`. A workflow's clock stands still between its activations, so while
 * nothing happens (a stuck task, a storm of 429s waited out) its rate and ETA stay what they were
 * when it last woke, and an ETA passes without a word. The same rows over the longer time.
 */
export function progressAsOf(progress: Progress, now: number): Progress {
  const then = Date.parse(progress.updatedAt);
  const started = Date.parse(progress.rateSince ?? progress.startedAt);
  if (!(now > then)) return progress;
  const rowsPerSecond = (progress.rowsPerSecond * Math.max(then - started, 1)) / Math.max(now - started, 1);
  const remaining = progress.rows.total === null ? null : Math.max(progress.rows.total - progress.rows.done, 0);
  return {
    ...progress,
    rowsPerSecond: Math.round(rowsPerSecond * 10) / 10,
    etaSeconds: progress.etaSeconds === null || remaining === null || rowsPerSecond === 0 ? null : remaining / rowsPerSecond,
    updatedAt: new Date(now).toISOString(),
    unchangedSeconds: Math.floor((now - then) / 1000),
  };
}
