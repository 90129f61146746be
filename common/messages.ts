import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Progress } from './progress';

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

/** A batch child tells the import (by workflow ID, so it reaches the newest run) that a task looks stuck. */
export const batchStuckSignal = defineSignal<[{ index: number; stuck: boolean }]>('batchStuck');

/** An operator's decision about a stuck batch, sent to the batch workflow. */
export type StuckResolution = 'resubmit' | 'abandon';
export const resolveStuckBatchUpdate = defineUpdate<string, [StuckResolution]>('resolveStuckBatch');
