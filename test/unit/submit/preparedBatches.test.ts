import { describe, expect, it } from 'vitest';
import type { ImportJob } from '../../../common/batch';
import type { BatchPlan } from '../../../common/plan';
import type { BuiltBatch } from '../../../activities/submit/buildBatch';
import { PreparedBatches } from '../../../activities/submit/preparedBatches';

const job = { importId: 'prepared-test', layout: { fingerprint: { size: 1_000 } } } as unknown as ImportJob;
const batchAt = (index: number): BatchPlan => ({ index, firstRow: index * 10 + 1, firstLine: index * 10 + 2, rowCount: 10, startByte: index * 100, endByte: index * 100 + 100 });
const builtFor = (batch: BatchPlan, attempt: number): BuiltBatch => ({ parts: [], rejects: [], superseded: attempt, warnings: 0, total: batch.rowCount });

/** A build that finishes when the test says so, and records what it was asked for. */
function controlledBuild() {
  const calls: number[] = [];
  const finishers: Array<(fail?: boolean) => void> = [];
  const build = (_job: ImportJob, batch: BatchPlan) =>
    new Promise<BuiltBatch>((resolve, reject) => {
      calls.push(batch.index);
      const attempt = calls.length;
      finishers.push((fail) => (fail ? reject(new Error('source unreadable')) : resolve(builtFor(batch, attempt))));
    });
  return { build, calls, finish: (i: number, fail?: boolean) => finishers[i]?.(fail) };
}
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('batches built ahead', () => {
  it('a batch prepared ahead is handed to its submit without a second build', async () => {
    const { build, calls, finish } = controlledBuild();
    const prepared = new PreparedBatches({ build });
    prepared.prepareAhead(job, batchAt(3));
    expect(calls).toEqual([3]);
    const taken = prepared.take(job, batchAt(3));
    finish(0);
    expect((await taken).superseded).toBe(1);
    expect(calls).toEqual([3]);
    expect(prepared.size).toBe(0);
  });

  it('builds ahead one at a time; a batch taken before its turn is built by its submit and skipped by the queue', async () => {
    const { build, calls, finish } = controlledBuild();
    const prepared = new PreparedBatches({ build });
    prepared.prepareAhead(job, batchAt(1));
    prepared.prepareAhead(job, batchAt(2));
    prepared.prepareAhead(job, batchAt(3));
    expect(calls).toEqual([1]);
    const second = prepared.take(job, batchAt(2)); // still queued: built now, by the submit
    expect(calls).toEqual([1, 2]);
    finish(1);
    expect((await second).superseded).toBe(2);
    finish(0);
    await settle();
    expect(calls).toEqual([1, 2, 3]); // 2 was not built twice
  });

  it('a failed build ahead is retried by the submit, whose own error is the one that counts', async () => {
    const { build, calls, finish } = controlledBuild();
    const prepared = new PreparedBatches({ build });
    prepared.prepareAhead(job, batchAt(5));
    finish(0, true);
    const taken = prepared.take(job, batchAt(5));
    await settle();
    expect(calls).toEqual([5, 5]);
    finish(1, true);
    await expect(taken).rejects.toThrow('source unreadable');
  });

  it('a batch of another import or another byte range is not mistaken for a prepared one', async () => {
    const { build, calls, finish } = controlledBuild();
    const prepared = new PreparedBatches({ build });
    prepared.prepareAhead(job, batchAt(4));
    const other = prepared.take({ ...job, importId: 'another' }, batchAt(4));
    const moved = prepared.take(job, { ...batchAt(4), endByte: 450 });
    expect(calls).toEqual([4, 4, 4]);
    finish(1);
    finish(2);
    expect((await other).superseded).toBe(2);
    expect((await moved).superseded).toBe(3);
    expect(prepared.size).toBe(1);
  });

  it('batches nobody takes are let go: after a minute, and beyond 16', () => {
    let now = 0;
    const { build } = controlledBuild();
    const prepared = new PreparedBatches({ build, now: () => now });
    for (let i = 0; i < 20; i++) prepared.prepareAhead(job, batchAt(i));
    expect(prepared.size).toBe(16);
    now = 61_000;
    prepared.prepareAhead(job, batchAt(99));
    expect(prepared.size).toBe(1);
  });
});
