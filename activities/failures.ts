import { ApplicationFailure } from '@temporalio/common';
import { contentFreeJsonMessage } from './source/recordParsers';
import { XtremepushError } from './xtremepush/errors';

/**
 * Errors that stop an import at once because retrying cannot fix them: the input or the setup is
 * wrong. Their names become ApplicationFailure types (see FATAL_FAILURE_TYPES in common/batchIds.ts).
 */
export class InputError extends Error {
  override name = 'InvalidInputError';
}

export class SourceAccessError extends Error {
  override name = 'SourceAccessError';
}

/** The shortest delay a failure asks for before its next attempt. */
export const MIN_RETRY_DELAY_MS = 100;

const FATAL_NAMES = new Set(['SourceAccessError', 'SourceChangedError', 'SourceFormatError', 'MappingError', 'InvalidInputError']);

/**
 * Turns any error into the failure Temporal records: the type is the error class's name, the
 * message is ours (never a row value or a token), retryability comes from the error itself.
 */
export function toApplicationFailure(error: unknown, retryDelayMs?: number): ApplicationFailure {
  if (error instanceof ApplicationFailure) return error;
  // A delay of 0 (a 429 with `Retry-After: 0`) was no retry at all: the batch failed on its first 429.
  const nextRetryDelayMs = retryDelayMs === undefined ? undefined : Math.max(retryDelayMs, MIN_RETRY_DELAY_MS);
  if (error instanceof XtremepushError) {
    return ApplicationFailure.create({
      type: error.name,
      message: error.message,
      nonRetryable: !error.retryable,
      nextRetryDelay: error.retryable ? nextRetryDelayMs : undefined,
      details: [{ status: error.status ?? null, kind: error.kind }],
    });
  }
  if (error instanceof Error && FATAL_NAMES.has(error.name)) {
    return ApplicationFailure.create({ type: error.name, message: error.message, nonRetryable: true });
  }
  const disk = diskProblem(error);
  if (disk !== undefined) return ApplicationFailure.create({ type: 'DiskError', message: disk, nextRetryDelay: nextRetryDelayMs });
  // JSON.parse quotes what it could not read, which may be a row's cells: never passed on.
  const message = error instanceof SyntaxError ? contentFreeJsonMessage(error.message) : error instanceof Error ? error.message : String(error);
  return ApplicationFailure.create({ type: error instanceof Error ? error.name : 'Error', message, nextRetryDelay: nextRetryDelayMs });
}

/** What an operator can do about a file the worker could not write (the report folder, a spill file). */
const DISK_PROBLEMS: Record<string, string> = {
  ENOSPC: 'its disk is full: free space there',
  EDQUOT: 'the disk quota is used up: free space or raise the quota',
  EROFS: 'its file system is read-only: mount it writable',
  EACCES: "the worker's user lacks the permission: give it the folder",
  EPERM: "the worker's user lacks the permission: give it the folder",
};

/** A file system error said in words with its path, or undefined for any other error. Still retried: space can come back. */
function diskProblem(error: unknown): string | undefined {
  const { code, path: file, syscall } = error as NodeJS.ErrnoException;
  const problem = code === undefined ? undefined : DISK_PROBLEMS[code];
  if (problem === undefined || file === undefined) return undefined;
  return `cannot ${syscall ?? 'write'} ${file} (${code}): ${problem}; the step is tried again`;
}

/**
 * Wraps an activity so that whatever it throws reaches Temporal as a well-formed failure. An
 * ApplicationFailure the activity built itself (with its own retry delay) passes through as is.
 */
export function reportingFailures<A extends unknown[], R>(activity: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A) => {
    try {
      return await activity(...args);
    } catch (error) {
      throw toApplicationFailure(error);
    }
  };
}
