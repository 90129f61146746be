import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { postedBySubmit, remainsOfSubmit, removeFinishedJournals, SubmitJournal } from '../../../activities/submit/submitJournal';
import { emptyProgress, type SubmitProgress } from '../../../activities/submit/submitProgress';

describe('SubmitJournal', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'journal-'));
    file = path.join(dir, 'posted', 'batch-0000001.json');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const progress = (p: Partial<SubmitProgress> = {}): SubmitProgress => ({ ...emptyProgress(), ...p });

  it('an attempt that died mid-request leaves that request unknown to the next attempt, and its answered ones posted', async () => {
    const first = progress();
    const journal = await SubmitJournal.open(file, 'run-1/3', first);
    await journal.sending('0:0-100', first);
    first.posted['0:0-100'] = 'task-7';
    await journal.settled(first);
    await journal.sending('0:100-200', first);
    // Killed here: the heartbeat details the server kept say nothing was posted.

    const next = progress();
    await SubmitJournal.open(file, 'run-1/3', next);
    expect(next.posted).toEqual({ '0:0-100': 'task-7' });
    expect(next.unknown).toEqual(['0:100-200']);
  });

  it('merges with heartbeat details: keeps what either knows, counters at their highest', async () => {
    const written = progress({ posted: { a: '1' }, rejected: ['r1'], retries: { rate_limited: 2 }, possibleDuplicates: 1 });
    await (await SubmitJournal.open(file, 'run-1/3', progress())).settled(written);

    const fromHeartbeat = progress({ posted: { b: '2' }, rejected: ['r2'], unknown: ['a', 'u'], retries: { rate_limited: 1, server_error: 4 } });
    await SubmitJournal.open(file, 'run-1/3', fromHeartbeat);
    expect(fromHeartbeat.posted).toEqual({ a: '1', b: '2' });
    expect([...fromHeartbeat.rejected].sort()).toEqual(['r1', 'r2']);
    // 'a' has an answer now: it is no longer in doubt.
    expect(fromHeartbeat.unknown).toEqual(['u']);
    expect(fromHeartbeat.retries).toEqual({ rate_limited: 2, server_error: 4 });
    expect(fromHeartbeat.possibleDuplicates).toBe(1);
  });

  it("another submit's journal (a resubmit, a later run) is ignored, then replaced", async () => {
    const old = progress({ posted: { a: '1' } });
    await (await SubmitJournal.open(file, 'run-1/3', old)).sending('b', old);

    const fresh = progress();
    const journal = await SubmitJournal.open(file, 'run-2/3', fresh);
    expect(fresh).toEqual(emptyProgress());
    await journal.settled(fresh);
    expect(await postedBySubmit(file, 'run-1')).toEqual([]);
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ owner: 'run-2/3', sending: [] });
  });

  it('postedBySubmit gives the run’s posted requests with their rows, and reads the file of the version before the journal', async () => {
    const p = progress({ posted: { '0:0-100': 'task-1', '1:0-5': '' } });
    await (await SubmitJournal.open(file, 'run-1/3', p)).settled(p);
    expect(await postedBySubmit(file, 'run-1')).toEqual([
      { key: '0:0-100', rows: 100, taskId: 'task-1' },
      { key: '1:0-5', rows: 5 },
    ]);

    await writeFile(file, JSON.stringify({ '0:0-40': 'task-9' }));
    expect(await postedBySubmit(file, 'run-1')).toEqual([{ key: '0:0-40', rows: 40, taskId: 'task-9' }]);
    await writeFile(file, '{"0:0-4');
    expect(await postedBySubmit(file, 'run-1')).toEqual([]);
    expect(await postedBySubmit(path.join(dir, 'none.json'), 'run-1')).toEqual([]);
  });

  it('a torn or foreign file is no journal: the heartbeat details stand alone', async () => {
    await SubmitJournal.open(file, 'run-1/3', progress()).then((j) => j.settled(progress()));
    await writeFile(file, '{"owner":"run-1/3","progress":{"posted":{"a":"1"}},"sen');
    const p = progress({ posted: { b: '2' } });
    await SubmitJournal.open(file, 'run-1/3', p);
    expect(p.posted).toEqual({ b: '2' });
  });

  it('a finished journal resumes the next attempt of the same submit (its result was lost on the way), and is no remains of a cancelled one', async () => {
    const p = progress();
    const journal = await SubmitJournal.open(file, 'run-1/3', p);
    void journal.sending('a', p);
    p.posted.a = 'task-9';
    await journal.finished(p);
    expect(await readdir(path.dirname(file))).toEqual(['batch-0000001.json']);

    // Before, the journal was removed here, and an attempt after a lost completion posted 'a' again, uncounted.
    const next = progress();
    await SubmitJournal.open(file, 'run-1/3', next);
    expect(next.posted).toEqual({ a: 'task-9' });
    expect(next.unknown).toEqual([]);
    // The batch's later submits read their own journals: a finished one is nothing of theirs.
    expect(await postedBySubmit(file, 'run-1')).toEqual([]);
    expect((await remainsOfSubmit(file, 'run-1')).requests).toEqual([]);
  });

  it('the report step removes the journals of submits that returned, and keeps any other (a submit still running, or one that died)', async () => {
    const done = progress({ posted: { a: '1' } });
    await (await SubmitJournal.open(file, 'run-1/3', done)).finished(done);
    const running = path.join(path.dirname(file), 'batch-0000002.json');
    await (await SubmitJournal.open(running, 'run-1/4', progress())).sending('b', progress());
    await writeFile(path.join(path.dirname(file), 'notes.txt'), 'not a journal');
    await removeFinishedJournals(path.dirname(file));
    expect((await readdir(path.dirname(file))).sort()).toEqual(['batch-0000002.json', 'notes.txt']);
    await removeFinishedJournals(path.join(dir, 'no-such-folder'));
  });
});
