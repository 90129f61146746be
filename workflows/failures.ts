import { ActivityFailure, ApplicationFailure, isCancellation } from '@temporalio/workflow';
import { CANCELLED_FAILURE_CODE, FATAL_FAILURE_TYPES } from '../common/batchIds';
import type { BatchResult, FailureSummary } from '../common/report';

/** The innermost ApplicationFailure of a chain (activity → child workflow → ...), if any. */
export function rootApplicationFailure(error: unknown): ApplicationFailure | undefined {
  let current: unknown = error;
  while (current instanceof Error) {
    if (current instanceof ApplicationFailure) return current;
    current = current.cause;
  }
  return undefined;
}

/** Failures that retrying batches cannot fix: the import stops at once. */
export function isFatal(error: unknown): boolean {
  const type = rootApplicationFailure(error)?.type;
  return type !== undefined && type !== null && (FATAL_FAILURE_TYPES as readonly string[]).includes(type);
}

/**
 * A batch that reports a failure no retry fixes (its submit or a look failed for good, and it kept
 * what it had done) ends the import as if the failure had been thrown: the error to end it with.
 */
export function fatalFailureOf(result: BatchResult): ApplicationFailure | undefined {
  const { failure } = result;
  if (result.status !== 'failed' || failure === undefined || !(FATAL_FAILURE_TYPES as readonly string[]).includes(failure.code)) return undefined;
  return failureFrom(failure);
}

/** A failure reported in a result or a signal, as the error it was: not retried. */
export function failureFrom(summary: FailureSummary): ApplicationFailure {
  return ApplicationFailure.create({ type: summary.code, message: summary.message, nonRetryable: true });
}

/** A code and a message fit for history and reports (activities never put row values in messages). */
export function describeFailure(error: unknown): FailureSummary {
  const app = rootApplicationFailure(error);
  if (app) return { code: app.type ?? 'ApplicationFailure', message: app.message };
  if (isCancellation(error)) return { code: CANCELLED_FAILURE_CODE, message: 'cancelled' };
  return { code: error instanceof Error ? error.name : 'Error', message: error instanceof Error ? error.message : String(error) };
}

/**
 * The activity ended because the workflow cancelled it: cancelled outright, or cancelled during an
 * attempt that then failed, which the server does not retry once a cancel is asked for.
 */
export function endedByCancel(error: unknown): boolean {
  return isCancellation(error) || (error instanceof ActivityFailure && error.retryState === 'CANCEL_REQUESTED');
}
