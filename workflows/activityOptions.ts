import { ActivityCancellationType, proxyActivities } from '@temporalio/workflow';
import type { ImportActivities } from '../activities';
import { FATAL_FAILURE_TYPES, type REPORT_FOLDER_ACTIVITIES } from '../common/batchIds';

/**
 * Activity proxies with the timeouts that make the durability promises true. Heartbeat timeouts
 * are short so that a batch held by a killed worker moves to another worker within ~30 s.
 */
const nonRetryableErrorTypes = [...FATAL_FAILURE_TYPES, 'RequestRejectedError', 'InvalidInputError'];

/**
 * Reading and planning the source: long streaming passes that heartbeat as they go. Ten attempts
 * by default: about two and a half minutes for a source that cannot be reached.
 */
export function sourceActivities(maxAttempts: number) {
  return proxyActivities<Pick<ImportActivities, 'inspectSource' | 'planBatches' | 'checkXtremepushAccess'>>({
    startToCloseTimeout: '2 hours',
    heartbeatTimeout: '20 seconds',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: maxAttempts, nonRetryableErrorTypes },
  });
}

/**
 * Reading and writing the report folder: local I/O, heartbeating as it goes (REPORT_FOLDER_ACTIVITIES,
 * activities/index.ts), so that one on a worker killed meanwhile is tried again on another within
 * the heartbeat timeout, not after the 5 minutes it may take on a big import.
 */
export const reportActivities = proxyActivities<Pick<ImportActivities, (typeof REPORT_FOLDER_ACTIVITIES)[number]>>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '15 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 20, nonRetryableErrorTypes },
});

/**
 * Posting a batch. The activity chooses each retry's delay itself (Retry-After on 429, exponential
 * backoff with jitter otherwise) through `nextRetryDelay`; the policy here only caps attempts.
 *
 * `waitForCancel`: a cancelled batch waits for its submit to answer. The submit then stops posting
 * and returns what it did post, so an abandoned batch's report lists requests the API may still
 * apply; without waiting, the batch would end as soon as the cancel was asked for, knowing nothing.
 */
export function submitActivities(maxAttempts: number, waitForCancel: boolean) {
  return proxyActivities<Pick<ImportActivities, 'submitBatch'>>({
    ...(waitForCancel ? { cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED } : {}),
    startToCloseTimeout: '10 minutes',
    // It heartbeats every few seconds while a request runs: a killed worker's batch moves on within ~15 s.
    heartbeatTimeout: '15 seconds',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: maxAttempts, nonRetryableErrorTypes },
  });
}

/**
 * Waiting for a task: the first attempt looks at Task Info up to DENSE_POLLS times, later attempts
 * once, and a task still running is a benign failure whose `nextRetryDelay` paces the polling. Retries add no history events. The
 * schedule-to-close timeout is the watchdog that reports a task stuck instead of polling forever.
 */
export function awaitTaskActivities(stuckAfterMs: number) {
  return proxyActivities<Pick<ImportActivities, 'awaitImportTask'>>({
    // The first attempt's wait for its hint (5 s at most), its dense looks (about 2 s) and a last
    // Task Info call (10 s request timeout): a poll held by a killed worker is retried within 20 s.
    startToCloseTimeout: '20 seconds',
    scheduleToCloseTimeout: stuckAfterMs,
    retry: { initialInterval: '250 milliseconds', backoffCoefficient: 1.5, maximumInterval: '15 seconds', nonRetryableErrorTypes },
  });
}

/**
 * Looking at a task already reported stuck: one look per attempt (`everyMs` apart, set by the
 * activity), with no watchdog: the batch cancels it when an operator decides.
 */
export const stuckTaskActivities = proxyActivities<Pick<ImportActivities, 'awaitImportTask'>>({
  startToCloseTimeout: '20 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 minutes', nonRetryableErrorTypes },
});
