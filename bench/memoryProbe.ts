import { appendFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { isMainThread, threadId } from 'node:worker_threads';

/**
 * Loaded into worker processes with `node --require dist/bench/memoryProbe.js` when
 * XP_BENCH_MEMORY_PROBE_DIR is set: every thread (the main one, where activities run, and
 * the workflow thread) appends its V8 heap size once a second, so a peak RSS can be split into
 * heaps and the rest (native code, the Rust core, buffers). Nothing of the worker changes.
 */
const PROBE_ENV = 'XP_BENCH_MEMORY_PROBE_DIR';

export interface HeapPeaks {
  /** Peak heap size (committed) per thread: `main`, `thread-1`, … in MB. */
  heapTotalMB: Record<string, number>;
  /** Peak heap in use per thread, in MB. */
  heapUsedMB: Record<string, number>;
}

/** Flags and environment that load the probe into a worker. */
export function memoryProbeSetup(dir: string): { nodeFlags: string[]; env: Record<string, string> } {
  return { nodeFlags: ['--require', path.join(__dirname, 'memoryProbe.js')], env: { [PROBE_ENV]: dir } };
}

/** Peaks per thread from the files the probe wrote in `dir` for process `pid`. */
export function readHeapPeaks(dir: string, pid: number): HeapPeaks {
  const peaks: HeapPeaks = { heapTotalMB: {}, heapUsedMB: {} };
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.startsWith(`${pid}-`));
  } catch {
    return peaks;
  }
  for (const file of files) {
    const thread = Number(/-(\d+)\.jsonl$/.exec(file)?.[1] ?? 0);
    const name = thread === 0 ? 'main' : `thread-${thread}`;
    for (const line of readFileSync(path.join(dir, file), 'utf8').split('\n').filter(Boolean)) {
      const sample = JSON.parse(line) as { heapTotal: number; heapUsed: number };
      peaks.heapTotalMB[name] = Math.max(peaks.heapTotalMB[name] ?? 0, sample.heapTotal);
      peaks.heapUsedMB[name] = Math.max(peaks.heapUsedMB[name] ?? 0, sample.heapUsed);
    }
  }
  return peaks;
}

function startProbe(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${process.pid}-${isMainThread ? 0 : threadId}.jsonl`);
  const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
  const sample = () => {
    const heap = getHeapStatistics();
    appendFileSync(file, `${JSON.stringify({ at: Date.now(), heapTotal: mb(heap.total_heap_size), heapUsed: mb(heap.used_heap_size) })}\n`);
  };
  sample();
  setInterval(sample, 1_000).unref();
}

const dir = process.env[PROBE_ENV];
if (dir) startProbe(dir);
