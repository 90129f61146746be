import type { RetryCause, RetryCounts } from '../../common/report';
import { failedAttemptIn, type FailedAttemptMark } from '../takeovers';

/**
 * What a submit attempt has done so far, kept in heartbeat details so that the next attempt (after
 * a retry or a worker crash) skips requests that already have an answer. Keys and task IDs only:
 * heartbeat details are visible in Temporal, so no row value and no API message goes here.
 */
export interface SubmitProgress extends FailedAttemptMark {
  /** Request key → task ID ('' for a request applied synchronously). */
  posted: Record<string, string>;
  /** Keys the API answered 400 about their content; they are split, never sent again whole. */
  rejected: string[];
  /** Keys whose last attempt ended with an unknown outcome: sending them again may duplicate. */
  unknown: string[];
  /** Keys of `unknown` sent again whose outcome was lost again: counted in possibleDuplicates already. */
  duplicated?: string[];
  retries: RetryCounts;
  possibleDuplicates: number;
  /**
   * When this attempt began waiting out 429s (ms since the epoch), until a request is answered:
   * such waits fail nothing, so without it `status` showed only "no change" for minutes. Not carried
   * to the next attempt.
   */
  rateLimitedSince?: number;
}

export function emptyProgress(): SubmitProgress {
  return { posted: {}, rejected: [], unknown: [], retries: {}, possibleDuplicates: 0 };
}

export function restoreProgress(details: unknown): SubmitProgress {
  if (details === null || typeof details !== 'object') return emptyProgress();
  const d = details as Partial<SubmitProgress>;
  const failedAttempt = failedAttemptIn(d);
  return {
    posted: { ...(d.posted ?? {}) },
    rejected: [...(d.rejected ?? [])],
    unknown: [...(d.unknown ?? [])],
    ...(d.duplicated?.length ? { duplicated: [...d.duplicated] } : {}),
    retries: { ...(d.retries ?? {}) },
    possibleDuplicates: d.possibleDuplicates ?? 0,
    ...(failedAttempt === undefined ? {} : { failedAttempt }),
  };
}

/**
 * A request whose outcome is unknown was sent again (possibleDuplicates counts the requests that
 * may have gone in twice, once each): `answered` when this send's answer came, so the key's outcome
 * is known now; otherwise it stays unknown, and is counted all the same: a run may end here.
 */
export function countResend(progress: SubmitProgress, key: string, answered: boolean): void {
  if (!progress.unknown.includes(key)) {
    if (!answered) progress.unknown.push(key);
    return;
  }
  const duplicated = progress.duplicated ?? [];
  if (answered) {
    progress.unknown = progress.unknown.filter((k) => k !== key);
    if (!duplicated.includes(key)) progress.possibleDuplicates++;
    return;
  }
  if (duplicated.includes(key)) return;
  progress.duplicated = [...duplicated, key];
  progress.possibleDuplicates++;
}

/**
 * How many single rows the API may refuse in a batch before the batch stops, while it has accepted
 * no request of it (see RowsRefusedError). A batch with some bad rows has good ones accepted
 * between them long before this many.
 */
export const REFUSED_ROWS_BEFORE_STOP = 64;

/** Keys of the single rows the API refused (a refused request of more rows was split, not refused for good). */
export function refusedRowKeys(rejected: readonly string[]): string[] {
  return rejected.filter((key) => {
    const { start, end } = parseRequestKey(key);
    return end - start === 1;
  });
}

/** The single rows the API refused in this batch, while it accepted none of its requests (0 once it accepted one). */
export function rowsRefusedWithNoneAccepted(progress: SubmitProgress): number {
  return Object.keys(progress.posted).length > 0 ? 0 : refusedRowKeys(progress.rejected).length;
}

export function countRetry(progress: SubmitProgress, cause: RetryCause): void {
  progress.retries[cause] = (progress.retries[cause] ?? 0) + 1;
}

/** A request is a slice of a part; the key names it the same way on every attempt. */
export function requestKey(part: number, start: number, end: number): string {
  return `${part}:${start}-${end}`;
}

export function parseRequestKey(key: string): { part: number; start: number; end: number } {
  const match = /^(\d+):(\d+)-(\d+)$/.exec(key);
  if (!match) throw new Error(`malformed request key ${key}`);
  return { part: Number(match[1]), start: Number(match[2]), end: Number(match[3]) };
}

/**
 * The keys a part's request (of `partRows` rows) was split through to reach `key`, halving as the
 * submit does after a 400, so a re-run can walk down to a request an earlier run sent. Undefined
 * when `key` is not one of the part's halves.
 */
export function splitPath(key: string, partRows: number): string[] | undefined {
  const { part, start, end } = parseRequestKey(key);
  const path: string[] = [];
  let [from, to] = [0, partRows];
  while (from !== start || to !== end) {
    const middle = from + Math.floor((to - from) / 2);
    if (to - from <= 1 || start < from || end > to || (start < middle && end > middle)) return undefined;
    path.push(requestKey(part, from, to));
    if (end <= middle) to = middle;
    else from = middle;
  }
  return path;
}
