import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { AwaitTaskResult, SubmitBatchResult } from '../common/batch';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/**
 * Where a batch's time goes, read from event timestamps of the parent's histories and the batch
 * workflows'. A batch starts as the import's own submit activity and becomes a batch workflow only
 * when a task outlasts the submit's watch (in histories from before that, every batch is a batch
 * workflow that submits itself). Means over batches, in milliseconds:
 * - `startToSubmit`: the batch is started (its submit scheduled, or its workflow initiated) → the
 *   submit activity's (last) attempt starts;
 * - `submit`: read + validate + map + POST import/profile, inside the activity, then its watch of
 *   the task (until the answer of the look that saw it end, or until its last look);
 * - `submitToWait`: the submit result is recorded → the wait activity is scheduled (0 when the
 *   submit saw the task end: there is no wait);
 * - `wait`: the wait activity, from scheduled to completed (0 when there is none);
 * - `waitToParent`: the submit or the wait ends → the parent records the batch's end (0 for a
 *   submit in the parent: its completion is that record);
 * - `refill`: the parent records a batch's end → it starts the next batch (0 when a batch was
 *   already waiting for a free slot);
 * - `polls`: attempts of awaitImportTask per batch (the first attempt makes the dense looks itself);
 * - `seenBySubmit`: the share of batches whose tasks all ended within the submit's watch;
 * - `taskSeenMs`: from the post to the start of the look that saw the task end, or for looks
 *   without a hint midway from the last one that saw it running (the task's time as the importer
 *   knew it, give or take a look).
 * `occupancy` is the share of the window (concurrency × span) that batches held.
 */
export interface BatchTimeline {
  batches: number;
  meanMs: { startToSubmit: number; submit: number; submitToWait: number; wait: number; waitToParent: number; refill: number };
  polls: number;
  seenBySubmit: number;
  taskSeenMs: number;
  occupancy: number;
  /** The import's start → its first batch starts (inspection, access check, first plan page). */
  firstBatchAfterMs: number;
  /** The last batch's completion → the import's end (last results flush, report). */
  tailMs: number;
}

interface BatchTimes {
  startToSubmit: number;
  submit: number;
  submitToWait: number;
  wait: number;
  polls: number;
  waitEnd: number;
  seenBySubmit: boolean;
  taskSeenMs: number | undefined;
}

/** The activities of one history that a timeline reads: when each type was scheduled, started, completed, and its first result. */
interface ActivityTimes {
  at: Partial<Record<string, number>>;
  results: Partial<Record<string, unknown>>;
  polls: number;
}

export function eventTimeMs(event: HistoryEvent): number {
  const time = event.eventTime;
  if (!time) return Number.NaN;
  return Number(time.seconds ?? 0) * 1000 + (time.nanos ?? 0) / 1e6;
}

/** The batch index of a batch workflow ID (`<import id>/batch-<n>`). */
function batchIndexOf(workflowId: string): number | undefined {
  const match = /\/batch-(\d+)$/.exec(workflowId);
  return match ? Number(match[1]) - 1 : undefined;
}

/** Collects timings while histories are fetched; keeps numbers per batch, never events. */
export class BatchTimelineBuilder {
  /** By batch index: when the parent started the batch, and when it recorded the batch's end. */
  private readonly initiated = new Map<number, number>();
  private readonly completed = new Map<number, number>();
  /** Submits the parent ran itself, by batch index, for batches that went on as a workflow. */
  private readonly parentSubmits = new Map<number, ActivityTimes>();
  private readonly batches = new Map<number, BatchTimes>();
  private importStart = Number.POSITIVE_INFINITY;
  private importEnd = 0;

  addParent(events: HistoryEvent[]): void {
    const first = events[0];
    if (first) this.importStart = Math.min(this.importStart, eventTimeMs(first));
    const last = events.at(-1);
    if (last?.workflowExecutionCompletedEventAttributes || last?.workflowExecutionFailedEventAttributes) this.importEnd = eventTimeMs(last);
    const submits = new Map<string, { index: number; times: ActivityTimes }>();
    for (const event of events) {
      const at = eventTimeMs(event);
      const child = batchIndexOf(event.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId ?? '');
      if (child !== undefined && !this.initiated.has(child)) this.initiated.set(child, at);
      const done = batchIndexOf(event.childWorkflowExecutionCompletedEventAttributes?.workflowExecution?.workflowId ?? '');
      if (done !== undefined) this.completed.set(done, at);
      const scheduled = event.activityTaskScheduledEventAttributes;
      if (scheduled?.activityType?.name === 'submitBatch') {
        const payload = scheduled.input?.payloads?.[0];
        const index = payload ? defaultPayloadConverter.fromPayload<{ batch: { index: number } }>(payload).batch.index : -1;
        this.initiated.set(index, at);
        submits.set(String(event.eventId), { index, times: { at: { 'submitBatch:scheduled': at }, results: {}, polls: 0 } });
      }
      const started = event.activityTaskStartedEventAttributes;
      const startedOf = started && submits.get(String(started.scheduledEventId));
      if (startedOf) startedOf.times.at['submitBatch:started'] ??= at;
      const completed = event.activityTaskCompletedEventAttributes;
      const completedOf = completed && submits.get(String(completed.scheduledEventId));
      if (completedOf) {
        completedOf.times.at['submitBatch:completed'] = at;
        const payload = completed.result?.payloads?.[0];
        if (payload) completedOf.times.results.submitBatch = defaultPayloadConverter.fromPayload(payload);
        // Its end unless a batch workflow took over (that one's completion, read later, replaces it).
        if (!this.completed.has(completedOf.index)) this.completed.set(completedOf.index, at);
        this.parentSubmits.set(completedOf.index, completedOf.times);
        this.addTimes(completedOf.index, completedOf.times);
      }
    }
  }

  addBatch(workflowId: string, events: HistoryEvent[]): void {
    const index = batchIndexOf(workflowId);
    if (index === undefined) return;
    const own = activityTimes(events);
    const submit = own.at['submitBatch:completed'] === undefined ? this.parentSubmits.get(index) : undefined;
    this.addTimes(index, submit ? { at: { ...submit.at, ...own.at }, results: { ...submit.results, ...own.results }, polls: own.polls } : own);
  }

  private addTimes(index: number, { at, results, polls }: ActivityTimes): void {
    const initiated = this.initiated.get(index);
    const submitStarted = at['submitBatch:started'];
    const submitCompleted = at['submitBatch:completed'];
    const waitScheduled = at['awaitImportTask:scheduled'];
    const waitCompleted = at['awaitImportTask:completed'];
    if (initiated === undefined || submitStarted === undefined || submitCompleted === undefined) return;
    const submitted = results.submitBatch as SubmitBatchResult | undefined;
    const waited = results.awaitImportTask as AwaitTaskResult | undefined;
    const seenBySubmit = waitCompleted === undefined;
    if (!seenBySubmit && waitScheduled === undefined) return;
    const seenInSubmit = Math.max(...(submitted?.taskOutcomes ?? []).map((o) => o.waitedMs));
    this.batches.set(index, {
      startToSubmit: submitStarted - initiated,
      submit: submitCompleted - submitStarted,
      submitToWait: seenBySubmit ? 0 : (waitScheduled as number) - submitCompleted,
      wait: seenBySubmit ? 0 : waitCompleted - (waitScheduled as number),
      polls,
      waitEnd: waitCompleted ?? submitCompleted,
      seenBySubmit,
      taskSeenMs: seenBySubmit ? (Number.isFinite(seenInSubmit) ? seenInSubmit : undefined) : waited && (submitted?.watchedMs ?? 0) + waited.waitedMs,
    });
  }

  build(concurrency: number): BatchTimeline {
    const all = [...this.batches.entries()];
    const mean = (pick: (t: BatchTimes, index: number) => number | undefined) => {
      const values = all.map(([index, t]) => pick(t, index)).filter((v): v is number => v !== undefined && Number.isFinite(v));
      return values.length > 0 ? Math.round(values.reduce((a, b) => a + b, 0) / values.length) : 0;
    };
    const starts = [...this.initiated.values()].sort((a, b) => a - b);
    const ends = [...this.completed.values()];
    let held = 0;
    for (const [index, end] of this.completed) held += end - (this.initiated.get(index) ?? end);
    const span = ends.length > 0 && starts.length > 0 ? Math.max(...ends) - (starts[0] as number) : 0;
    // Each completion frees a slot; the next start after it (if any) refills one.
    const refills = ends
      .map((end) => {
        const next = firstAtOrAfter(starts, end);
        return next === undefined ? undefined : next - end;
      })
      .filter((v): v is number => v !== undefined);
    return {
      batches: all.length,
      meanMs: {
        startToSubmit: mean((t) => t.startToSubmit),
        submit: mean((t) => t.submit),
        submitToWait: mean((t) => t.submitToWait),
        wait: mean((t) => t.wait),
        waitToParent: mean((t, index) => {
          const done = this.completed.get(index);
          return done === undefined ? undefined : done - t.waitEnd;
        }),
        refill: refills.length > 0 ? Math.round(refills.reduce((a, b) => a + b, 0) / refills.length) : 0,
      },
      polls: all.length > 0 ? all.reduce((n, [, t]) => n + t.polls, 0) / all.length : 0,
      seenBySubmit: all.length > 0 ? all.filter(([, t]) => t.seenBySubmit).length / all.length : 0,
      taskSeenMs: mean((t) => t.taskSeenMs),
      occupancy: span > 0 ? held / (concurrency * span) : 0,
      firstBatchAfterMs: starts.length > 0 ? Math.round((starts[0] as number) - this.importStart) : 0,
      tailMs: ends.length > 0 && this.importEnd > 0 ? Math.round(this.importEnd - Math.max(...ends)) : 0,
    };
  }
}

/** When each activity type of one history was first scheduled, started and completed, its first result, and the wait's attempts. */
function activityTimes(events: HistoryEvent[]): ActivityTimes {
  const scheduled = new Map<string, { type: string; at: number }>();
  const times: ActivityTimes = { at: {}, results: {}, polls: 0 };
  for (const event of events) {
    const at = eventTimeMs(event);
    const s = event.activityTaskScheduledEventAttributes;
    if (s) scheduled.set(String(event.eventId), { type: s.activityType?.name ?? '', at });
    const started = event.activityTaskStartedEventAttributes;
    const startedOf = started && scheduled.get(String(started.scheduledEventId));
    if (startedOf) {
      times.at[`${startedOf.type}:started`] ??= at;
      if (startedOf.type === 'awaitImportTask') times.polls += started.attempt ?? 1;
    }
    const completed = event.activityTaskCompletedEventAttributes;
    const completedOf = completed && scheduled.get(String(completed.scheduledEventId));
    if (completedOf) {
      times.at[`${completedOf.type}:scheduled`] ??= completedOf.at;
      times.at[`${completedOf.type}:completed`] ??= at;
      const payload = completed.result?.payloads?.[0];
      if (payload) times.results[completedOf.type] ??= defaultPayloadConverter.fromPayload(payload);
    }
  }
  return times;
}

/** The first value >= `at` in an ascending array (binary search: imports have thousands of batches). */
function firstAtOrAfter(sorted: number[], at: number): number | undefined {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((sorted[middle] as number) < at) low = middle + 1;
    else high = middle;
  }
  return sorted[low];
}
