import { SingleBar } from 'cli-progress';
import type { Progress } from '../../common/progress';
import { formatCount, formatProgressLine, formatRetrying, formatSourceRead, formatStuck, phaseName } from '../../common/progressLine';

export interface ProgressView {
  update(progress: Progress): void;
  stop(): void;
}

const NEW_STATE_EVERY_MS = 5_000;
const SAME_STATE_AGAIN_MS = 30_000;

/** A progress bar on a terminal; one plain line per change (at most every 5 s) otherwise. */
export function createProgressView(stream: NodeJS.WriteStream = process.stderr): ProgressView {
  if (stream.isTTY) {
    const bar = new SingleBar({
      stream,
      // The counts as the plain lines write them (11,500/300,000; ? while the total is not known), not the bar's raw value/total.
      format: '{bar} {percentage}% | {doneText}/{totalText} rows | {rate} rows/s | ETA {etaText} | {detail}',
      hideCursor: true,
    });
    let started = false;
    return {
      update(p) {
        const total = p.rows.total ?? 0;
        const payload = {
          doneText: formatCount(p.rows.done),
          totalText: formatCount(p.rows.total),
          rate: formatCount(Math.round(p.rowsPerSecond)),
          // The import's own estimate (from the workflow), not the bar's guess from redraw timing.
          etaText: p.etaSeconds === null ? '?' : `${Math.ceil(p.etaSeconds)}s`,
          detail:
            (p.phase === 'inspecting' && p.inspection !== undefined
              ? `inspecting, ${formatSourceRead(p.inspection)}`
              : `${phaseName(p)}, ${formatCount(p.rows.rejected)} rejected, ${p.batches.inFlight} in flight${p.batches.stuck ? `, ${formatStuck(p.batches)}` : ''}`) +
            (p.retrying === undefined ? '' : `; ${formatRetrying(p.retrying)}`),
        };
        if (!started) {
          bar.start(Math.max(total, 1), p.rows.done, payload);
          started = true;
        }
        bar.setTotal(Math.max(total, 1));
        bar.update(p.rows.done, payload);
      },
      stop() {
        if (started) bar.stop();
      },
    };
  }
  let lastState = '';
  let lastPhase: Progress['phase'] | undefined;
  let lastAt = 0;
  return {
    update(p) {
      // The rate and the quiet's length change every second while nothing else does (paused, a
      // stuck task): a line each second said nothing new. A new state is written, at most every
      // 5 s within a phase; the same state again after 30 s, to show the import is still watched.
      const state = formatProgressLine({ ...p, rowsPerSecond: 0, etaSeconds: null, unchangedSeconds: 0 });
      const now = Date.now();
      if (state === lastState && now - lastAt < SAME_STATE_AGAIN_MS) return;
      if (p.phase === lastPhase && now - lastAt < NEW_STATE_EVERY_MS) return;
      lastState = state;
      lastPhase = p.phase;
      lastAt = now;
      stream.write(`${new Date(now).toISOString()} ${formatProgressLine(p)}\n`);
    },
    stop() {},
  };
}
