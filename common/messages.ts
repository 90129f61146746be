import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Progress } from './progress';
import type { BatchResult, FailureSummary } from './report';

/**
 * Queries, updates and signals, defined once and shared by name between the workflows, the
 * client API and the CLI.
 */
export const progressQuery = defineQuery<Progress>('progress');

export const pauseUpdate = defineUpdate<Progress>('pause');
export const resumeUpdate = defineUpdate<Progress>('resume');
export const setConcurrencyUpdate = defineUpdate<Progress, [number]>('setConcurrency');

/** How a cancellation treats batches already sent: wait for them, or stop waiting at once. */
export type CancelMode = 'finish-in-flight' | 'abandon';
export const cancelModeSignal = defineSignal<[CancelMode]>('cancelMode');
/** The import to a batch workflow on a plain cancel: post nothing more; what was posted is still waited for. */
export const stopSendingSignal = defineSignal('stopSending');

/**
 * The import to a batch workflow as one of its runs hands on to the next while the batch still
 * runs (a long or stuck task): report your end to the import by `batchEnded`, since the run that
 * started you will not be there to see it.
 */
export const handOverSignal = defineSignal('handOver');
/** A handed-over batch workflow's end, sent to the import by workflow ID (so it reaches the newest run). */
export type BatchEnded = { index: number; result: BatchResult } | { index: number; failure: FailureSummary; cancelled: boolean };
export const batchEndedSignal = defineSignal<[BatchEnded]>('batchEnded');

/** A batch child tells the import (by workflow ID, so it reaches the newest run) that a task looks stuck. */
export const batchStuckSignal = defineSignal<[{ index: number; stuck: boolean }]>('batchStuck');

/** An operator's decision about a stuck batch, sent to the batch workflow. */
export const STUCK_RESOLUTIONS = ['resubmit', 'abandon'] as const;
export type StuckResolution = (typeof STUCK_RESOLUTIONS)[number];
export const resolveStuckBatchUpdate = defineUpdate<string, [StuckResolution]>('resolveStuckBatch');
