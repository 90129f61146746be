import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';

/**
 * A liveness signal for container healthchecks that needs no port: while the worker is healthy it
 * rewrites a file with the current time; the healthcheck (a separate, short-lived process) calls
 * the file stale when the time in it is too old. A worker whose event loop hangs, or that stopped
 * polling, stops rewriting the file, so the container turns unhealthy without the worker having to
 * notice anything itself.
 */
export interface HealthFile {
  /** Stops the beats and removes the file, so a worker shutting down reads as unhealthy at once. */
  stop(): void;
}

export function startHealthFile(file: string, isHealthy: () => boolean, everyMs = 10_000): HealthFile {
  const beat = (): void => {
    try {
      if (isHealthy()) writeTimestamp(file, Date.now());
    } catch {
      // A beat that cannot be written (full or read-only disk) is left out on purpose: the file
      // goes stale and the healthcheck reports exactly that, which is the signal we want.
    }
  };
  beat();
  const timer = setInterval(beat, everyMs);
  // The beats must never be what keeps a finished worker process alive.
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      rmSync(file, { force: true });
    },
  };
}

/**
 * True when the file holds a time at most `maxAgeMs` old. A missing, unreadable or garbled file is
 * unhealthy, and so is a time further than `maxAgeMs` in the future (a clock that jumped).
 */
export function checkHealthFile(file: string, maxAgeMs: number, now = Date.now()): boolean {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return false;
  }
  const beatAt = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(beatAt)) return false;
  return Math.abs(now - beatAt) <= maxAgeMs;
}

/** Write, then rename: a healthcheck reading at the same moment sees the old beat or the new, never half of one. */
function writeTimestamp(file: string, at: number): void {
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, `${at}\n`);
  renameSync(partial, file);
}
