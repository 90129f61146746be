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

  it('a batch its submit has taken already is not built ahead afterwards', async () => {
    const { build, calls, finish } = controlledBuild();
    const prepared = new PreparedBatches({ build });
    const taken = prepared.take(job, batchAt(9)); // the submit came first: it builds the batch itself
    prepared.prepareAhead(job, batchAt(9)); // the batch before it asks late for the same batch
    prepared.prepareAhead(job, batchAt(10));
    expect(calls).toEqual([9, 10]);
    finish(0);
    expect((await taken).superseded).toBe(1);
    expect(prepared.size).toBe(1);
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
    expect(calls).toEqual([4, 4]); // the second submit's build waits for the first's
    finish(1);
    await settle();
    expect(calls).toEqual([4, 4, 4]);
    finish(2);
    expect((await other).superseded).toBe(2);
    expect((await moved).superseded).toBe(3);
    expect(prepared.size).toBe(1);
  });

  it('submits that find nothing prepared are built one at a time, in the order they asked', async () => {
    const { build, calls, finish } = controlledBuild();
    const prepared = new PreparedBatches({ build });
    const taken = [1, 2, 3].map((i) => prepared.take(job, batchAt(i)));
    // Side by side, all three would be ready only when the last was; in turn, the first is ready after one build.
    expect(calls).toEqual([1]);
    finish(0);
    expect((await taken[0])?.total).toBe(10);
    expect(calls).toEqual([1, 2]);
    finish(1, true);
    await expect(taken[1]).rejects.toThrow('source unreadable');
    await settle();
    expect(calls).toEqual([1, 2, 3]); // a failed build does not hold up the next
    finish(2);
    expect((await taken[2])?.superseded).toBe(3);
  });

  it('while the main thread builds for one submit, an idle build thread takes the next; a thread that fails hands its batch to the main thread', async () => {
    const main = controlledBuild();
    const thread = controlledBuild();
    const prepared = new PreparedBatches({ build: main.build, buildAhead: thread.build, parallel: 1 });
    const first = prepared.take(job, batchAt(1));
    const second = prepared.take(job, batchAt(2));
    const third = prepared.take(job, batchAt(3));
    expect(main.calls).toEqual([1]);
    expect(thread.calls).toEqual([2]);
    thread.finish(0, true);
    await settle();
    // The thread is free again: the third submit goes to it; the second waits for the main thread.
    expect(thread.calls).toEqual([2, 3]);
    main.finish(0);
    await first;
    await settle();
    expect(main.calls).toEqual([1, 2]);
    main.finish(1);
    expect((await second).total).toBe(10);
    thread.finish(1);
    expect((await third).total).toBe(10);
  });

  it('a builder that frees serves the submits waiting for rows before any batch queued to build ahead', async () => {
    const main = controlledBuild();
    const thread = controlledBuild();
    const prepared = new PreparedBatches({ build: main.build, buildAhead: thread.build, parallel: 1 });
    // An import's first window: every submit finds nothing prepared, and each asks for the batch after it.
    const taken = [0, 1, 2, 3].map((i) => prepared.take(job, batchAt(i)));
    [4, 5, 6, 7].forEach((i) => prepared.prepareAhead(job, batchAt(i)));
    expect(main.calls).toEqual([0]);
    expect(thread.calls).toEqual([1]);
    thread.finish(0);
    await taken[1];
    await settle();
    expect(thread.calls).toEqual([1, 2]); // not 4: batch 2's submit is waiting now
    main.finish(0);
    await taken[0];
    await settle();
    expect(main.calls).toEqual([0, 3]);
    thread.finish(1);
    await taken[2];
    await settle();
    expect(thread.calls).toEqual([1, 2, 4]); // nobody waits: the builds ahead begin
    main.finish(1);
    expect((await taken[3])?.total).toBe(10);
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

describe('batches built during the inspection', () => {
  const earlyPrepared = (confirm: (built: BuiltBatch) => Promise<boolean>) => {
    const submit = controlledBuild();
    const early = controlledBuild();
    const prepared = new PreparedBatches({ build: submit.build, early: { build: early.build, confirm: (_job, _builtWith, _batch, built) => confirm(built) } });
    return { prepared, submit, early };
  };

  it('a batch built early and confirmed goes to its submit without a second build', async () => {
    const seen: BuiltBatch[] = [];
    const { prepared, submit, early } = earlyPrepared((built) => (seen.push(built), Promise.resolve(true)));
    prepared.prepareEarly(job, batchAt(0));
    early.finish(0);
    const taken = await prepared.take(job, batchAt(0));
    expect(seen).toEqual([taken]);
    expect(early.calls).toEqual([0]);
    expect(submit.calls).toEqual([]);
  });

  it('one the confirmation refuses, or that cannot be confirmed, is built again by its submit', async () => {
    for (const confirm of [() => Promise.resolve(false), () => Promise.reject(new Error('superseded rows unreadable'))]) {
      const { prepared, submit, early } = earlyPrepared(confirm);
      prepared.prepareEarly(job, batchAt(1));
      early.finish(0);
      const taken = prepared.take(job, batchAt(1));
      await settle();
      expect(submit.calls).toEqual([1]);
      submit.finish(0);
      expect((await taken).superseded).toBe(1);
    }
  });

  it('nothing is built early where no early build was given (no build threads)', () => {
    const { build, calls } = controlledBuild();
    const prepared = new PreparedBatches({ build });
    prepared.prepareEarly(job, batchAt(2));
    expect(prepared.size).toBe(0);
    expect(calls).toEqual([]);
  });

  it('a first-window batch whose early build has not begun waits for the build thread, not the main thread', async () => {
    const main = controlledBuild();
    const thread = controlledBuild();
    const early = controlledBuild();
    const prepared = new PreparedBatches({
      build: main.build,
      buildAhead: thread.build,
      early: { build: early.build, confirm: () => Promise.resolve(true) },
      parallel: 1,
    });
    prepared.prepareEarly(job, batchAt(0));
    prepared.prepareEarly(job, batchAt(1));
    expect(early.calls).toEqual([0]); // one thread: batch 1 waits its turn
    const second = prepared.take(job, batchAt(1));
    await settle();
    expect(main.calls).toEqual([]);
    early.finish(0);
    await settle();
    // The thread, once free, builds it for its submit (the inspection is over: an ordinary build).
    expect(thread.calls).toEqual([1]);
    expect(early.calls).toEqual([0]);
    thread.finish(0);
    expect((await second).total).toBe(10);
    expect(main.calls).toEqual([]);
    // A batch never queued early (nothing prepared) still goes to the main thread first.
    const other = prepared.take(job, batchAt(5));
    await settle();
    expect(main.calls).toEqual([5]);
    main.finish(0);
    await other;
  });
});
