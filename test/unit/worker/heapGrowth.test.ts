import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWorkerConfig } from '../../../workers/config';

/** The worker's own module as it runs it, from the build (`npm test` builds first). */
const COMPILED = path.resolve(__dirname, '../../../dist/workers/heapGrowth.js');

/**
 * The peak heap of a child process that holds about 40 MB and churns through batches of garbage,
 * eight held at a time like a window of batches; with the worker's setting applied after start-up
 * when `percent` is given.
 */
function peakHeapMb(percent?: number): number {
  const script = `
    ${percent === undefined ? '' : `require(${JSON.stringify(COMPILED)}).applyHeapGrowingPercent(${percent});`}
    const { getHeapStatistics } = require('node:v8');
    const live = []; for (let i = 0; i < 400000; i++) live.push({ s: 'x' + i, n: i });
    const window = []; let peak = 0;
    for (let round = 0; round < 200; round++) {
      const batch = []; for (let i = 0; i < 20000; i++) batch.push(['a' + i, 'b' + round, { k: i }]);
      window.push(batch); if (window.length > 8) window.shift();
      peak = Math.max(peak, getHeapStatistics().total_heap_size);
    }
    process.stdout.write(String(Math.round(peak / 1048576)));`;
  const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(run.stderr);
  return Number(run.stdout);
}

describe('the worker heap growing factor', () => {
  it('set after start-up, it holds a churning heap well below where V8 alone lets it grow', () => {
    const alone = peakHeapMb();
    const tight = peakHeapMb(50);
    expect(tight).toBeGreaterThan(40);
    expect(tight).toBeLessThan(alone * 0.8);
  }, 60_000);

  it('is 50% unless configured; 0 leaves V8 alone; nonsense is refused by name', () => {
    const base = { TEMPORAL_ADDRESS: 'localhost:7233', XTREMEPUSH_APPTOKEN: 'token' };
    expect(loadWorkerConfig(base).env.XP_IMPORT_HEAP_GROWING_PERCENT).toBe(50);
    expect(loadWorkerConfig({ ...base, XP_IMPORT_HEAP_GROWING_PERCENT: '0' }).env.XP_IMPORT_HEAP_GROWING_PERCENT).toBe(0);
    expect(() => loadWorkerConfig({ ...base, XP_IMPORT_HEAP_GROWING_PERCENT: '-5' })).toThrow(/XP_IMPORT_HEAP_GROWING_PERCENT/);
    expect(() => loadWorkerConfig({ ...base, XP_IMPORT_HEAP_GROWING_PERCENT: 'lots' })).toThrow(/XP_IMPORT_HEAP_GROWING_PERCENT/);
  });
});
