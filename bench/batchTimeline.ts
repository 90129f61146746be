import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { AwaitTaskResult, SubmitBatchResult } from '../common/batch';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/**
 * Where a batch's time goes, read from event timestamps of the parent's and the batch's
 * histories. Means over batches, in milliseconds:
 * - `startToSubmit`: the parent starts the child → the submit activity's (last) attempt starts
 *   (child start, its first workflow task, activity dispatch);
 * - `submit`: read + validate + map + POST import/profile, inside the activity, then its watch of
 *   the task (until the answer of the look that saw it end, or until its last look);
 * - `submitToWait`: the submit result reaches the batch workflow → the wait activity is scheduled
 *   (0 when the submit saw the task end: there is no wait);
 * - `wait`: the wait activity, from scheduled to completed (0 when there is none);
 * - `waitToParent`: the submit or the wait ends → the parent records the child's completion;
 * - `refill`: the parent records a completion → it starts the next batch (0 when a batch was
 *   already waiting for a free slot);
 * - `polls`: attempts of awaitImportTask per batch (the first attempt makes the dense looks itself);
 * - `seenBySubmit`: the share of batches whose tasks all ended within the submit's watch;
 * - `taskSeenMs`: from the post to the start of the look that saw the task end (the task's time
 *   as the importer knew it, give or take a look).
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

export function eventTimeMs(event: HistoryEvent): number {
  const time = event.eventTime;
  if (!time) return Number.NaN;
  return Number(time.seconds ?? 0) * 1000 + (time.nanos ?? 0) / 1e6;
}

/** Collects timings while histories are fetched; keeps numbers per batch, never events. */
export class BatchTimelineBuilder {
  private readonly initiated = new Map<string, number>();
  private readonly completed = new Map<string, number>();
  private readonly batches = new Map<string, BatchTimes>();
  private importStart = Number.POSITIVE_INFINITY;
  private importEnd = 0;

  addParent(events: HistoryEvent[]): void {
    const first = events[0];
    if (first) this.importStart = Math.min(this.importStart, eventTimeMs(first));
    const last = events.at(-1);
    if (last?.workflowExecutionCompletedEventAttributes || last?.workflowExecutionFailedEventAttributes) this.importEnd = eventTimeMs(last);
    for (const event of events) {
      const start = event.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId;
      if (start) this.initiated.set(start, eventTimeMs(event));
      const done = event.childWorkflowExecutionCompletedEventAttributes?.workflowExecution?.workflowId;
      if (done) this.completed.set(done, eventTimeMs(event));
    }
  }

  addBatch(workflowId: string, events: HistoryEvent[]): void {
    const scheduled = new Map<string, { type: string; at: number }>();
    const times: Partial<Record<string, number>> = {};
    const results: Partial<Record<string, unknown>> = {};
    let polls = 0;
    for (const event of events) {
      const at = eventTimeMs(event);
      const s = event.activityTaskScheduledEventAttributes;
      if (s) scheduled.set(String(event.eventId), { type: s.activityType?.name ?? '', at });
      const started = event.activityTaskStartedEventAttributes;
      const startedOf = started && scheduled.get(String(started.scheduledEventId));
      if (startedOf) {
        times[`${startedOf.type}:started`] ??= at;
        if (startedOf.type === 'awaitImportTask') polls += started.attempt ?? 1;
      }
      const completed = event.activityTaskCompletedEventAttributes;
      const completedOf = completed && scheduled.get(String(completed.scheduledEventId));
      if (completedOf) {
        times[`${completedOf.type}:scheduled`] ??= completedOf.at;
        times[`${completedOf.type}:completed`] ??= at;
        const payload = completed.result?.payloads?.[0];
        if (payload) results[completedOf.type] ??= defaultPayloadConverter.fromPayload(payload);
      }
    }
    const initiated = this.initiated.get(workflowId);
    const submitStarted = times['submitBatch:started'];
    const submitCompleted = times['submitBatch:completed'];
    const waitScheduled = times['awaitImportTask:scheduled'];
    const waitCompleted = times['awaitImportTask:completed'];
    if (initiated === undefined || submitStarted === undefined || submitCompleted === undefined) return;
    const submitted = results.submitBatch as SubmitBatchResult | undefined;
    const waited = results.awaitImportTask as AwaitTaskResult | undefined;
    const seenBySubmit = waitCompleted === undefined;
    if (!seenBySubmit && waitScheduled === undefined) return;
    const seenInSubmit = Math.max(...(submitted?.taskOutcomes ?? []).map((o) => o.waitedMs));
    this.batches.set(workflowId, {
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
    const mean = (pick: (t: BatchTimes, id: string) => number | undefined) => {
      const values = all.map(([id, t]) => pick(t, id)).filter((v): v is number => v !== undefined && Number.isFinite(v));
      return values.length > 0 ? Math.round(values.reduce((a, b) => a + b, 0) / values.length) : 0;
    };
    const starts = [...this.initiated.values()].sort((a, b) => a - b);
    const ends = [...this.completed.values()];
    let held = 0;
    for (const [id, end] of this.completed) held += end - (this.initiated.get(id) ?? end);
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
        waitToParent: mean((t, id) => {
          const done = this.completed.get(id);
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
