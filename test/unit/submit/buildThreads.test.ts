import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportJob } from '../../../common/batch';
import type { BatchPlan } from '../../../common/plan';
import { inspectWithIdentityIndex } from '../../../activities/dedupe';
import { buildBeforeInspectionEnds, buildFromSource, type EarlyBuiltBatch } from '../../../activities/submit/buildFromSource';
import { ReportPaths } from '../../../activities/reports/reportPaths';
import { planBatches } from '../../../activities/source';
import { openSource } from '../../../activities/sourceAccess';
import { writeSampleFile } from '../../../bin/sampleData';
import { failureOf } from '../../support/rejection';

/** Threads run compiled code only: the thread pool is loaded from the build (`npm run build`), as a worker runs it. */
type BuildThreadsModule = typeof import('../../../activities/submit/buildThreads');
const compiled = path.resolve(__dirname, '../../../dist/activities/submit/buildThreads.js');

describe('build threads', () => {
  let dir: string;
  let folders: { dataDir: string; reportDir: string };
  let job: ImportJob;
  let batches: BatchPlan[];
  let BuildThreads: BuildThreadsModule['BuildThreads'];

  beforeAll(async () => {
    ({ BuildThreads } = (await import(compiled)) as BuildThreadsModule);
    dir = await mkdtemp(path.join(os.tmpdir(), 'xp-build-threads-'));
    folders = { dataDir: path.join(dir, 'data'), reportDir: path.join(dir, 'reports') };
    const file = path.join(folders.dataDir, 'profiles.csv');
    await writeSampleFile(file, { rows: 2_500, seed: 7 });
    // Later copies of five rows (their first rows become superseded) and a row the mapping rejects.
    const lines = (await readFile(file, 'utf8')).split('\n');
    await appendFile(file, `${lines.slice(1, 6).join('\n')}\nu99999999,not-an-email,1,353851007919,1,Ann,{}\n`);
    const source = { kind: 'file' as const, path: 'profiles.csv' };
    const inspection = await inspectWithIdentityIndex(await openSource(folders.dataDir, source), {
      format: 'csv',
      supersededFile: new ReportPaths(folders.reportDir, 'threads').superseded,
    });
    job = { importId: 'threads', source, format: 'csv', layout: inspection.layout, dryRun: false };
    const page = await planBatches(await openSource(folders.dataDir, source), { format: 'csv', layout: inspection.layout, cursor: null, batchSize: 1_000, maxBatches: 10 });
    batches = page.batches;
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a batch built on a thread is exactly the batch the main thread builds: rows, superseded rows and rejects', async () => {
    const threads = new BuildThreads(2, folders);
    expect(batches).toHaveLength(3);
    const onThreads = await Promise.all(batches.map((batch) => threads.build(job, batch)));
    const onMain = await Promise.all(batches.map((batch) => buildFromSource(folders, job, batch)));
    expect(onThreads).toEqual(onMain);
    expect(onThreads.reduce((n, b) => n + b.superseded, 0)).toBe(5);
    expect(onThreads.reduce((n, b) => n + b.rejects.length, 0)).toBe(1);
    expect(onThreads.reduce((n, b) => n + b.parts.reduce((m, p) => m + p.rows.length, 0), 0)).toBe(2_500);
  });

  it('a batch built early on a thread is the early build the main thread makes, with the digests of what it read', async () => {
    const threads = new BuildThreads(1, folders);
    const batch = batches[0] as BatchPlan;
    const onThread = (await threads.build(job, batch, true)) as EarlyBuiltBatch;
    const onMain = await buildBeforeInspectionEnds(folders, job, batch);
    expect(onThread).toEqual({ ...onMain, readDigests: { ...onMain.readDigests, digests: new Uint8Array(onMain.readDigests.digests) } });
    // Early means before the identity index: the five rows later copies supersede are still in.
    expect(onThread.superseded).toBe(0);
    expect((await buildFromSource(folders, job, batch)).superseded).toBe(5);
    expect(onThread.readDigests.digests.length).toBeGreaterThan(0);
  });

  it('startAll starts every thread before any build, so the first builds do not wait for a start-up', async () => {
    const threads = new BuildThreads(2, folders);
    expect(threads.running).toBe(0);
    threads.startAll();
    expect(threads.running).toBe(2);
    const built = await Promise.all(batches.slice(0, 2).map((batch) => threads.build(job, batch)));
    expect(built.map((b) => b.total)).toEqual([1_000, 1_000]);
    expect(threads.running).toBe(2);
  });

  it('a build that fails on a thread rejects with the reason, and the thread goes on building', async () => {
    const threads = new BuildThreads(1, folders);
    const missing = { ...job, source: { kind: 'file' as const, path: 'gone.csv' } };
    const failed = await failureOf(threads.build(missing, batches[0] as BatchPlan));
    expect(failed.name).toBe('BuildThreadError');
    expect(failed.message).toContain('gone.csv');
    const built = await threads.build(job, batches[0] as BatchPlan);
    expect(built.total).toBe(1_000);
  });
});
