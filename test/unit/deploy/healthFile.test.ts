import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkHealthFile, startHealthFile } from '../../../workers/healthFile';
import { run, writeCompiledHealthFile } from './support';

const folder = mkdtempSync(path.join(tmpdir(), 'xp-import-health-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

let count = 0;
const freshPath = () => path.join(folder, `worker-${++count}.health`);

/** Polls until `condition` holds; fails with `what` after a generous deadline (not a speed test). */
async function eventually(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('checkHealthFile', () => {
  const now = 1_800_000_000_000;

  it('is true for a beat within the allowed age, and at the limit', () => {
    const file = freshPath();
    writeFileSync(file, `${now - 5_000}\n`);
    expect(checkHealthFile(file, 30_000, now)).toBe(true);
    expect(checkHealthFile(file, 5_000, now)).toBe(true);
  });

  it('is false for a stale beat', () => {
    const file = freshPath();
    writeFileSync(file, `${now - 30_001}\n`);
    expect(checkHealthFile(file, 30_000, now)).toBe(false);
  });

  it('is false for a beat too far in the future (a clock that jumped)', () => {
    const file = freshPath();
    writeFileSync(file, `${now + 60_000}\n`);
    expect(checkHealthFile(file, 30_000, now)).toBe(false);
  });

  it.each([
    ['a missing file', null],
    ['an empty file', ''],
    ['text that is no time', 'healthy\n'],
  ])('is false for %s', (_label, content) => {
    const file = freshPath();
    if (content !== null) writeFileSync(file, content);
    expect(checkHealthFile(file, 30_000, now)).toBe(false);
  });

  it('is false, not an exception, when given a folder', () => {
    expect(checkHealthFile(folder, 30_000)).toBe(false);
  });
});

describe('startHealthFile', () => {
  it('writes a beat at once while healthy', () => {
    const file = freshPath();
    const health = startHealthFile(file, () => true);
    try {
      expect(checkHealthFile(file, 1_000)).toBe(true);
    } finally {
      health.stop();
    }
  });

  it('writes nothing while unhealthy', () => {
    const file = freshPath();
    const health = startHealthFile(file, () => false, 5);
    health.stop();
    expect(existsSync(file)).toBe(false);
  });

  it('keeps beating, and stops beating while unhealthy', async () => {
    const file = freshPath();
    let healthy = true;
    const health = startHealthFile(file, () => healthy, 20);
    try {
      writeFileSync(file, '1\n');
      await eventually(() => checkHealthFile(file, 1_000), 'a new beat replaces the stale one');
      healthy = false;
      writeFileSync(file, '1\n');
      // Several intervals later the stale value is still there: no beat while unhealthy.
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(readFileSync(file, 'utf8')).toBe('1\n');
      healthy = true;
      await eventually(() => checkHealthFile(file, 1_000), 'beats resume once healthy again');
    } finally {
      health.stop();
    }
  });

  it('on stop, removes the file and writes no more', async () => {
    const file = freshPath();
    const health = startHealthFile(file, () => true, 10);
    health.stop();
    expect(existsSync(file)).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(existsSync(file)).toBe(false);
  });

  it('leaves no partial files behind', async () => {
    const dir = mkdtempSync(path.join(folder, 'atomic-'));
    const file = path.join(dir, 'worker.health');
    const health = startHealthFile(file, () => true, 5);
    await new Promise((resolve) => setTimeout(resolve, 50));
    health.stop();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('never keeps a finished process alive', async () => {
    const app = path.join(folder, 'app');
    writeCompiledHealthFile(app);
    const file = freshPath();
    // The process starts beats and never stops them; it must still exit when its work is done.
    const script = `require('./dist/workers/healthFile.js').startHealthFile(${JSON.stringify(file)}, () => true, 50)`;
    const result = await run(['node', '-e', script], { cwd: app, env: { PATH: process.env.PATH ?? '' }, timeoutMs: 20_000 });
    expect(result.code).toBe(0);
    expect(checkHealthFile(file, 20_000)).toBe(true);
  });
});
