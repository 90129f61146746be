import { randomUUID } from 'node:crypto';
import { readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RequestSlice } from '../../common/batch';
import { aheadInOrder } from '../aheadInOrder';
import { makePrivateFolder, PRIVATE_FILE_MODE } from '../wholeFiles';
import { parseRequestKey, refusedRowKeys, restoreProgress, type SubmitProgress } from './submitProgress';

/**
 * A submit's progress on local disk, written before each POST goes out and after each answer.
 *
 * Heartbeat details alone cannot say what a killed attempt did: the SDK sends them to the server
 * up to 80% of the heartbeat timeout apart (12 s here), so an answer received just before a crash
 * is usually lost with it, and a request still in flight never reaches them at all. The next
 * attempt then sent such a request again without counting it as a possible duplicate. With the
 * journal, an attempt on a worker that shares the report folder reuses the task IDs of answered
 * requests (nothing is sent twice) and counts a request that was in flight as a possible duplicate
 * when it sends it again.
 *
 * Keys, task IDs and counters only, as in heartbeat details: never a row value.
 */
interface JournalFile {
  /** `runId/activityId` of the submit that wrote it: a later run of the same batch starts afresh. */
  owner: string;
  progress: SubmitProgress;
  /** Requests sent with no answer yet: if an attempt dies now, the API may apply them. */
  sending: string[];
  /** The submit returned: its result, which says the same, may still not have reached Temporal. */
  finished?: true;
}

export class SubmitJournal {
  private writes: Promise<void> = Promise.resolve();
  private folderMade: Promise<unknown> | undefined;
  private readonly writerId = randomUUID();

  private constructor(
    private readonly file: string,
    private readonly owner: string,
  ) {}

  /**
   * Opens the journal of one submit (`owner`: its workflow run and activity ID) and merges what an
   * earlier attempt wrote into `progress` (from heartbeat details). Either source may be behind the
   * other (attempts on workers that do not share the folder), so the merge keeps what either knows.
   */
  static async open(file: string, owner: string, progress: SubmitProgress): Promise<SubmitJournal> {
    const saved = await readJournal(file);
    if (saved !== undefined && saved.owner === owner) mergeInto(progress, saved);
    return new SubmitJournal(file, owner);
  }

  /** Before a POST: from here until its answer, the request's outcome is unknown. */
  sending(key: string, progress: SubmitProgress): Promise<void> {
    return this.write(progress, [key]);
  }

  /** After an answer or a failed request, with progress already updated. */
  settled(progress: SubmitProgress): Promise<void> {
    return this.write(progress, []);
  }

  /**
   * As the submit returns. Its result can be lost on the way to Temporal (the server restarting):
   * the server then starts another attempt, which must find every request answered, not start
   * afresh and post them all again, uncounted (an operator drill saw exactly that when the journal
   * was removed here). A finished journal is read by the next attempt of this submit only: a
   * cancelled batch's remains (remainsOfSubmit) are of a submit that did not return. The next
   * submit of the batch replaces it, and the report step removes what is left.
   */
  finished(progress: SubmitProgress): Promise<void> {
    return this.write(progress, [], true);
  }

  private write(progress: SubmitProgress, sending: string[], finished = false): Promise<void> {
    const content: JournalFile = { owner: this.owner, progress, sending, ...(finished ? { finished: true as const } : {}) };
    const text = `${JSON.stringify(content)}\n`;
    // A rename replaces the file whole: a kill mid-write leaves the previous journal, never half of one.
    // Named for this writer: a stale attempt on another host (same pid, shared folder) cannot tear it.
    const temporary = `${this.file}.${this.writerId}.tmp`;
    this.writes = this.writes.then(async () => {
      // Once per journal: each write is on the way of a POST.
      this.folderMade ??= makePrivateFolder(path.dirname(this.file));
      await this.folderMade;
      await writeFile(temporary, text, { mode: PRIVATE_FILE_MODE });
      await rename(temporary, this.file);
    });
    return this.writes;
  }
}

/**
 * The requests the latest submit of this batch's run had posted (keys and task IDs), for a batch
 * cancelled while that submit waited for its next attempt. The server answers such a cancellation
 * at once, without the submit's heartbeat details.
 */
export async function postedBySubmit(file: string, runId: string): Promise<RequestSlice[]> {
  const text = await readText(file);
  if (text === undefined) return [];
  const saved = parseJournal(text);
  let posted: Record<string, string>;
  if (saved !== undefined) posted = saved.owner.startsWith(`${runId}/`) && !saved.finished ? saved.progress.posted : {};
  // Written by a version before the journal: key → task ID, saved only when an attempt failed.
  else posted = legacyPosted(text);
  return Object.entries(posted).map(([key, taskId]) => {
    const { start, end } = parseRequestKey(key);
    return { key, rows: end - start, ...(taskId === '' ? {} : { taskId }) };
  });
}

/** What the latest submit of this batch's run had done when it stopped: its posts, and what it cannot know. */
export interface SubmitRemains {
  requests: RequestSlice[];
  /** Requests sent whose answer was lost (or still in flight): the API may have applied them. */
  unknownKeys: string[];
  /** Keys of single rows the API refused (their reasons are in the batch's rejects part). */
  rejectedRowKeys: string[];
  retries: SubmitProgress['retries'];
  possibleDuplicates: number;
}

/** As postedBySubmit, with the requests whose outcome is unknown and the rows the API refused. */
export async function remainsOfSubmit(file: string, runId: string): Promise<SubmitRemains> {
  const requests = await postedBySubmit(file, runId);
  const saved = await readJournal(file);
  if (saved === undefined || !saved.owner.startsWith(`${runId}/`) || saved.finished) return { requests, unknownKeys: [], rejectedRowKeys: [], retries: {}, possibleDuplicates: 0 };
  const { posted, rejected, unknown, retries, possibleDuplicates } = saved.progress;
  const unknownKeys = [...new Set([...unknown, ...saved.sending])].filter((key) => posted[key] === undefined && !rejected.includes(key));
  return { requests, unknownKeys, rejectedRowKeys: refusedRowKeys(rejected), retries, possibleDuplicates };
}

/**
 * Removes the journals of submits that returned (the report step: every result is in). A journal
 * not marked finished may be a submit still running, or the only word of one that died: it stays.
 * Best effort: what is left is a few small files.
 */
export async function removeFinishedJournals(folder: string): Promise<void> {
  const names = await readdir(folder).catch(() => [] as string[]);
  const removeIfFinished = async (name: string) => {
    const file = path.join(folder, name);
    const saved = await readJournal(file).catch(() => undefined);
    // unlink, not rm: rm looks at the path first, one more trip to the file system per journal.
    if (saved?.finished) await unlink(file).catch(() => undefined);
  };
  // One after another, the 10,000 journals of a 10,000-batch import took 3–5 s; sixteen at a time, about 1 s.
  for await (const _removed of aheadInOrder(names.filter((n) => n.endsWith('.json')), JOURNALS_AT_ONCE, removeIfFinished)) {
    // nothing to collect: each call has removed its file or left it
  }
}

/** Journals read (and removed) at once by removeFinishedJournals: enough to keep libuv's four file threads busy. */
const JOURNALS_AT_ONCE = 16;

async function readJournal(file: string): Promise<JournalFile | undefined> {
  const text = await readText(file);
  return text === undefined ? undefined : parseJournal(text);
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Undefined for what is not a whole journal: heartbeat details alone then, as before the journal. */
function parseJournal(text: string): JournalFile | undefined {
  try {
    const parsed = JSON.parse(text) as Partial<JournalFile>;
    if (typeof parsed.owner !== 'string' || !Array.isArray(parsed.sending)) return undefined;
    const sending = parsed.sending.filter((k) => typeof k === 'string');
    return { owner: parsed.owner, progress: restoreProgress(parsed.progress), sending, ...(parsed.finished === true ? { finished: true as const } : {}) };
  } catch {
    return undefined;
  }
}

function legacyPosted(text: string): Record<string, string> {
  try {
    const parsed = JSON.parse(text) as unknown;
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, string>) : {};
  } catch {
    return {};
  }
}

function mergeInto(progress: SubmitProgress, saved: JournalFile): void {
  Object.assign(progress.posted, { ...saved.progress.posted, ...progress.posted });
  const union = (a: string[], b: string[]) => [...new Set([...a, ...b])];
  progress.rejected = union(progress.rejected, saved.progress.rejected);
  // A request in flight when the attempt died may have been applied: sending it again may duplicate it.
  progress.unknown = union(union(progress.unknown, saved.progress.unknown), saved.sending).filter(
    (key) => progress.posted[key] === undefined && !progress.rejected.includes(key),
  );
  for (const [cause, count] of Object.entries(saved.progress.retries) as Array<[keyof SubmitProgress['retries'], number]>) {
    progress.retries[cause] = Math.max(progress.retries[cause] ?? 0, count);
  }
  const duplicated = union(progress.duplicated ?? [], saved.progress.duplicated ?? []);
  if (duplicated.length > 0) progress.duplicated = duplicated;
  progress.possibleDuplicates = Math.max(progress.possibleDuplicates, saved.progress.possibleDuplicates);
  const failedAttempt = Math.max(progress.failedAttempt ?? 0, saved.progress.failedAttempt ?? 0);
  if (failedAttempt > 0) progress.failedAttempt = failedAttempt;
}
