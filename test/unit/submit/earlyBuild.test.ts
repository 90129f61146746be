import { mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import type { ActivityDeps } from '../../../activities/deps';
import { ReportPaths } from '../../../activities/reports/reportPaths';
import { LocalFileSource, planBatches } from '../../../activities/source';
import { createSourceActivities, type InspectSourceInput, type InspectSourceResult } from '../../../activities/sourceActivities';
import type { BuiltBatch } from '../../../activities/submit/buildBatch';
import { buildBeforeInspectionEnds, buildFromSource, confirmEarlyBuild } from '../../../activities/submit/buildFromSource';
import { PreparedBatches } from '../../../activities/submit/preparedBatches';
import type { XtremepushClient } from '../../../activities/xtremepush/client';
import type { ImportJob } from '../../../common/batch';
import type { BatchPlan } from '../../../common/plan';
import { tempFolder } from '../dedupe/support';

const BATCH_SIZE = 10;

/** A CSV of `rows` rows; `repeat` maps a row to the earlier row whose identity it takes again. */
function csv(rows: number, repeat: Record<number, number> = {}, tag = 'a'): string {
  const lines = ['user_id,first_name'];
  for (let row = 1; row <= rows; row++) lines.push(`u${String(repeat[row] ?? row).padStart(3, '0')},${tag}-${String(row).padStart(3, '0')}`);
  return `${lines.join('\n')}\n`;
}

/** A worker's folders and its inspection activity, with batch builds counted by kind. */
function workerWith(file: string, content: string) {
  const root = tempFolder();
  const dataDir = path.join(root, 'data');
  const reportDir = path.join(root, 'reports');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(path.join(dataDir, file), content);
  const folders = { dataDir, reportDir };
  const builds = { submit: [] as number[], early: [] as number[] };
  const prepared = new PreparedBatches({
    build: (job, batch) => (builds.submit.push(batch.index), buildFromSource(folders, job, batch)),
    early: {
      build: (job, batch) => (builds.early.push(batch.index), buildBeforeInspectionEnds(folders, job, batch)),
      confirm: (job, builtWith, batch, built) => confirmEarlyBuild(folders, job, builtWith, batch, built),
    },
  });
  const deps: ActivityDeps = { dataDir, reportDir, buildThreads: 0, xtremepush: {} as XtremepushClient };
  const activities = createSourceActivities(deps, prepared);
  const inspect = (extra: Partial<InspectSourceInput> = {}): Promise<InspectSourceResult> => {
    const input: InspectSourceInput = { importId: 'early-test', source: { kind: 'file', path: file }, format: 'csv', ...extra };
    return new MockActivityEnvironment().run(() => activities.inspectSource(input));
  };
  return { folders, builds, prepared, inspect, path: path.join(dataDir, file) };
}

async function planOf(file: string, result: InspectSourceResult): Promise<BatchPlan[]> {
  const page = await planBatches(new LocalFileSource(file), { format: 'csv', layout: result.layout, cursor: null, batchSize: BATCH_SIZE, maxBatches: 100 });
  return page.batches;
}

/** The job as the workflow hands it to a submit: through a JSON payload. */
const jobWith = (result: InspectSourceResult, file: string): ImportJob =>
  JSON.parse(JSON.stringify({ importId: 'early-test', source: { kind: 'file', path: file }, format: 'csv', layout: result.layout, dryRun: false })) as ImportJob;

/** Waits until the early builds have been queued (the inspection does not wait for them). */
async function untilQueued(prepared: PreparedBatches, count: number): Promise<void> {
  for (let i = 0; i < 200 && prepared.size < count; i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(prepared.size).toBe(count);
}

const content = (built: BuiltBatch) => ({ parts: built.parts, rejects: built.rejects, superseded: built.superseded, warnings: built.warnings, total: built.total });

describe('the first window, built while the inspection reads', () => {
  it('is built once, early, and each submit takes exactly what it would have built itself', async () => {
    const worker = workerWith('plain.csv', csv(60));
    const result = await worker.inspect({ firstWindow: { batchSize: BATCH_SIZE, batches: 3, dryRun: false } });
    await untilQueued(worker.prepared, 3);
    const job = jobWith(result, 'plain.csv');
    const batches = await planOf(worker.path, result);
    for (const batch of batches.slice(0, 3)) {
      const taken = await worker.prepared.take(job, batch);
      expect(content(taken)).toEqual(content(await buildFromSource(worker.folders, job, batch)));
      expect(taken.total).toBe(BATCH_SIZE);
    }
    expect(worker.builds.early).toEqual([0, 1, 2]);
    expect(worker.builds.submit).toEqual([]);
  });

  it('is not built without a first window (a retry), and its batches are built by their submits', async () => {
    const worker = workerWith('retry.csv', csv(30));
    const result = await worker.inspect();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(worker.prepared.size).toBe(0);
    const [first] = await planOf(worker.path, result);
    await worker.prepared.take(jobWith(result, 'retry.csv'), first as BatchPlan);
    expect(worker.builds).toEqual({ submit: [0], early: [] });
  });

  it('is let go when the inspection fails after the first rows (a quote left open at the end)', async () => {
    const worker = workerWith('open-quote.csv', `${csv(60)}u999,"never closed\n`);
    await expect(worker.inspect({ firstWindow: { batchSize: BATCH_SIZE, batches: 3, dryRun: false } })).rejects.toThrow(/quote/i);
    expect(worker.builds.early.length).toBeGreaterThan(0);
    expect(worker.prepared.size).toBe(0);
  });

  it('a batch with a row that a later row supersedes is built again, without that row', async () => {
    // Row 5 (batch 0) takes row 2's identity; row 25 (batch 2) takes row 3's: rows 2 and 3 are superseded.
    const worker = workerWith('dups.csv', csv(30, { 5: 2, 25: 3 }));
    const result = await worker.inspect({ firstWindow: { batchSize: BATCH_SIZE, batches: 3, dryRun: false } });
    expect(result.supersededRows).toBe(2);
    await untilQueued(worker.prepared, 3);
    const job = jobWith(result, 'dups.csv');
    const batches = await planOf(worker.path, result);
    const superseded: number[] = [];
    for (const batch of batches) superseded.push((await worker.prepared.take(job, batch)).superseded);
    expect(superseded).toEqual([2, 0, 0]);
    expect(worker.builds.submit).toEqual([0]);
    expect(worker.builds.early).toEqual([0, 1, 2]);
  });

  it('a batch whose rejected row left earlier rows of its identity out is built again, its reason saying so', async () => {
    // Row 15 (batch 1) takes row 2's identity with a bad email: row 2 is superseded, row 15 rejected.
    const lines = ['user_id,email,email_subscription'];
    for (let row = 1; row <= 30; row++) lines.push(row === 15 ? 'u002,not-an-email,yes' : `u${String(row).padStart(3, '0')},u${row}@example.com,yes`);
    const worker = workerWith('rejected-last.csv', `${lines.join('\n')}\n`);
    const result = await worker.inspect({ firstWindow: { batchSize: BATCH_SIZE, batches: 3, dryRun: false } });
    await untilQueued(worker.prepared, 3);
    const job = jobWith(result, 'rejected-last.csv');
    const [first, second] = await planOf(worker.path, result);
    await worker.prepared.take(job, first as BatchPlan);
    const built = await worker.prepared.take(job, second as BatchPlan);
    expect(built.rejects.map((reject) => [reject.row, reject.reason.includes('earlier rows of this user_id were left out for this one')])).toEqual([[15, true]]);
    // Both built early: batch 0 again without row 2, batch 1 again with the note in its reject.
    expect(worker.builds.early).toEqual([0, 1, 2]);
    expect(worker.builds.submit).toEqual([0, 1]);
  });

  it('a batch whose bytes are not those the inspection read is not confirmed', async () => {
    const worker = workerWith('rewritten.csv', csv(30));
    // A whole second: the time put back below is then exactly the one inspected.
    utimesSync(worker.path, 4_000_000, 4_000_000);
    const before = await worker.inspect();
    const [first] = await planOf(worker.path, before);
    const batch = first as BatchPlan;
    const early = await buildBeforeInspectionEnds(worker.folders, jobWith(before, 'rewritten.csv'), batch);
    expect(await confirmEarlyBuild(worker.folders, jobWith(before, 'rewritten.csv'), jobWith(before, 'rewritten.csv'), batch, early)).toBe(true);

    // Rewritten in place between the early build and the inspection's read: same size, same rows, its time put back.
    writeFileSync(worker.path, csv(30, {}, 'b'));
    utimesSync(worker.path, 4_000_000, 4_000_000);
    const after = await worker.inspect();
    expect(after.layout.fingerprint.size).toBe(before.layout.fingerprint.size);
    expect(after.layout.fingerprint.version).toBe(before.layout.fingerprint.version);
    expect(await confirmEarlyBuild(worker.folders, jobWith(after, 'rewritten.csv'), jobWith(before, 'rewritten.csv'), batch, early)).toBe(false);

    // No digests (an inspection that wrote none), or a built batch that is not an early one: never confirmed.
    const again = await buildBeforeInspectionEnds(worker.folders, jobWith(after, 'rewritten.csv'), batch);
    expect(await confirmEarlyBuild(worker.folders, jobWith(after, 'rewritten.csv'), jobWith(after, 'rewritten.csv'), batch, again)).toBe(true);
    const { readDigests: _digests, ...plain } = again;
    expect(await confirmEarlyBuild(worker.folders, jobWith(after, 'rewritten.csv'), jobWith(after, 'rewritten.csv'), batch, plain)).toBe(false);
    rmSync(new ReportPaths(worker.folders.reportDir, 'early-test').sourceDigests);
    expect(await confirmEarlyBuild(worker.folders, jobWith(after, 'rewritten.csv'), jobWith(after, 'rewritten.csv'), batch, again)).toBe(false);
  });

  it('a batch built with another layout is not confirmed', async () => {
    const worker = workerWith('layout.csv', csv(20));
    const result = await worker.inspect();
    const [first] = await planOf(worker.path, result);
    const batch = first as BatchPlan;
    const job = jobWith(result, 'layout.csv');
    const early = await buildBeforeInspectionEnds(worker.folders, job, batch);
    const unhashed = { ...job, layout: { ...job.layout, fingerprint: { ...job.layout.fingerprint, sha256: '' } } };
    expect(await confirmEarlyBuild(worker.folders, job, unhashed, batch, early)).toBe(true);
    const otherHeader = { ...job, layout: { ...job.layout, header: ['user_id', 'last_name'] } };
    expect(await confirmEarlyBuild(worker.folders, job, otherHeader, batch, early)).toBe(false);
    const otherTime = { ...job, layout: { ...job.layout, fingerprint: { ...job.layout.fingerprint, version: '1' } } };
    expect(await confirmEarlyBuild(worker.folders, job, otherTime, batch, early)).toBe(false);
  });
});

describe('the first plan page, planned while the inspection reads', () => {
  const window = { batchSize: BATCH_SIZE, batches: 3, dryRun: false };

  it('is the page planBatches answers from the start with the inspected layout', async () => {
    const worker = workerWith('page.csv', csv(100));
    const result = await worker.inspect({ firstWindow: { ...window, pageBatches: 7 } });
    const page = await planBatches(new LocalFileSource(worker.path), { format: 'csv', layout: result.layout, cursor: null, batchSize: BATCH_SIZE, maxBatches: 7 });
    expect(result.firstPage).toEqual(page);
    expect(result.firstPage?.batches.map((b) => b.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(result.firstPage?.next).toMatchObject({ row: 71, nextBatchIndex: 7 });
    // Only the window is built early; the rest of the page is planned, not built.
    await untilQueued(worker.prepared, 3);
  });

  it('stops about pageBytes past the window, and reaches the end of a short file', async () => {
    const worker = workerWith('bytes.csv', csv(100));
    const perBatch = (await planOf(worker.path, await worker.inspect()))[0] as BatchPlan;
    const batchBytes = perBatch.endByte - perBatch.startByte;
    const capped = await worker.inspect({ firstWindow: { ...window, pageBatches: 9, pageBytes: Math.floor(batchBytes * 5.5) } });
    expect(capped.firstPage?.batches).toHaveLength(5);
    // A page cap smaller than the window still returns the window, which is planned anyway.
    const small = await worker.inspect({ firstWindow: { ...window, pageBatches: 9, pageBytes: batchBytes } });
    expect(small.firstPage?.batches).toHaveLength(3);
    const short = workerWith('short.csv', csv(25));
    const whole = await short.inspect({ firstWindow: { ...window, pageBatches: 9 } });
    expect(whole.firstPage).toEqual({ batches: await planOf(short.path, whole), next: null });
    expect(whole.firstPage?.batches.map((b) => b.rowCount)).toEqual([10, 10, 5]);
  });

  it('is not planned unless asked for (an older workflow) or without a first window (a retry)', async () => {
    const worker = workerWith('unasked.csv', csv(40));
    expect((await worker.inspect({ firstWindow: window })).firstPage).toBeUndefined();
    expect((await worker.inspect()).firstPage).toBeUndefined();
  });
});

