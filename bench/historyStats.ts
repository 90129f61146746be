import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { BatchTimelineBuilder, type BatchTimeline } from './batchTimeline';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** Temporal warns about payloads over 256 KB and fails workflows over 2 MB; our bound is the warning. */
export const PAYLOAD_LIMIT_BYTES = 256 * 1024;
/** Our bound for one run's history: far below Temporal's 51,200-event limit, so replay stays quick. */
export const RUN_EVENTS_LIMIT = 10_240;
/** Our bound for the parent's cost per batch, summed over all its runs. */
export const PARENT_EVENTS_PER_BATCH_LIMIT = 10;

/** What the histories of one import (every run of the parent, every batch workflow) weigh. */
export interface HistoryStats {
  parentRuns: number;
  /** Events of every parent run, in run order. */
  parentEventsByRun: number[];
  parentEvents: number;
  batchWorkflows: number;
  /** parentEvents ÷ batches: what one batch costs the parent's histories. */
  parentEventsPerBatch: number;
  largestRun: { workflowId: string; runId: string; events: number };
  /** The largest Payloads (all payloads of one field, e.g. an activity's input) in any event of any history. */
  largestPayload: { workflowId: string; eventType: string; bytes: number };
  /** Events per batch workflow: the largest, and the average. */
  batchEventsMax: number;
  batchEventsMean: number;
  /** ActivityTaskStarted events per worker identity, over every history: which workers did the work. */
  activityStartsByIdentity: Record<string, number>;
  /** Where each batch's time went, from event timestamps. */
  timeline: BatchTimeline;
}

export interface FetchedHistory {
  workflowId: string;
  runId: string;
  events: HistoryEvent[];
}

/**
 * Fetches the history of every run of an import and of every batch workflow it started (found
 * through the parent's child-started events, so no visibility query per batch), and measures them.
 */
export async function measureImportHistories(client: Client, importId: string, batches: number, concurrency: number, parallel = 16): Promise<HistoryStats> {
  const stats = new StatsBuilder();
  const children: Array<{ workflowId: string; runId: string }> = [];
  for (const runId of await parentRuns(client, importId)) {
    const events = await fetchEvents(client, importId, runId);
    stats.addParent({ workflowId: importId, runId, events });
    for (const event of events) {
      const started = event.childWorkflowExecutionStartedEventAttributes?.workflowExecution;
      if (started?.workflowId && started.runId) children.push({ workflowId: started.workflowId, runId: started.runId });
    }
  }
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < children.length) {
        const child = children[next++] as { workflowId: string; runId: string };
        stats.addBatch({ ...child, events: await fetchEvents(client, child.workflowId, child.runId) });
      }
    }),
  );
  return stats.build(batches, concurrency);
}

/** Runs of the parent in start order (an import that continued as new has several). */
async function parentRuns(client: Client, importId: string): Promise<string[]> {
  const runs: Array<{ runId: string; startTime: number }> = [];
  for await (const execution of client.workflow.list({ query: `WorkflowId = '${importId}'` })) {
    runs.push({ runId: execution.runId, startTime: execution.startTime.getTime() });
  }
  return runs.sort((a, b) => a.startTime - b.startTime).map((r) => r.runId);
}

async function fetchEvents(client: Client, workflowId: string, runId: string): Promise<HistoryEvent[]> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  return history.events ?? [];
}

class StatsBuilder {
  private readonly parent: number[] = [];
  private largestRun = { workflowId: '', runId: '', events: 0 };
  private largestPayload = { workflowId: '', eventType: '', bytes: 0 };
  private readonly batchEvents: number[] = [];
  private readonly identities: Record<string, number> = {};
  private readonly timeline = new BatchTimelineBuilder();

  addParent(history: FetchedHistory): void {
    this.parent.push(history.events.length);
    this.timeline.addParent(history.events);
    this.addAny(history);
  }

  addBatch(history: FetchedHistory): void {
    this.batchEvents.push(history.events.length);
    this.timeline.addBatch(history.workflowId, history.events);
    this.addAny(history);
  }

  build(batches: number, concurrency: number): HistoryStats {
    const parentEvents = this.parent.reduce((a, b) => a + b, 0);
    const batchTotal = this.batchEvents.reduce((a, b) => a + b, 0);
    return {
      parentRuns: this.parent.length,
      parentEventsByRun: this.parent,
      parentEvents,
      batchWorkflows: this.batchEvents.length,
      parentEventsPerBatch: batches > 0 ? parentEvents / batches : 0,
      largestRun: this.largestRun,
      largestPayload: this.largestPayload,
      batchEventsMax: Math.max(0, ...this.batchEvents),
      batchEventsMean: this.batchEvents.length > 0 ? batchTotal / this.batchEvents.length : 0,
      activityStartsByIdentity: this.identities,
      timeline: this.timeline.build(concurrency),
    };
  }

  private addAny({ workflowId, runId, events }: FetchedHistory): void {
    if (events.length > this.largestRun.events) this.largestRun = { workflowId, runId, events: events.length };
    for (const event of events) {
      const bytes = largestPayloadBytes(event);
      if (bytes > this.largestPayload.bytes) this.largestPayload = { workflowId, eventType: eventTypeName(event), bytes };
      const identity = event.activityTaskStartedEventAttributes?.identity;
      if (identity) this.identities[identity] = (this.identities[identity] ?? 0) + 1;
    }
  }
}

interface PayloadLike {
  metadata?: Record<string, Uint8Array> | null;
  data?: Uint8Array | null;
}

function payloadBytes(payload: PayloadLike): number {
  let bytes = payload.data?.length ?? 0;
  for (const [key, value] of Object.entries(payload.metadata ?? {})) bytes += key.length + (value?.length ?? 0);
  return bytes;
}

function isPayload(value: object): value is PayloadLike {
  return 'data' in value && 'metadata' in value;
}

/**
 * The largest payload group in an event: a `Payloads` message (all of an input or a result) counts
 * as one, as Temporal's size check does; a lone `Payload` (memo, search attribute) counts alone.
 */
export function largestPayloadBytes(event: HistoryEvent): number {
  let largest = 0;
  const visit = (value: unknown): void => {
    if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return;
    if (Array.isArray(value)) {
      value.forEach(visit);
      return;
    }
    if (isPayload(value)) {
      largest = Math.max(largest, payloadBytes(value));
      return;
    }
    const payloads = (value as { payloads?: unknown }).payloads;
    if (Array.isArray(payloads)) {
      largest = Math.max(largest, (payloads as PayloadLike[]).reduce((n, p) => n + payloadBytes(p), 0));
    }
    for (const child of Object.values(value)) visit(child);
  };
  visit(event);
  return largest;
}

function eventTypeName(event: HistoryEvent): string {
  const attributes = Object.keys(event).find((key) => key.endsWith('EventAttributes') && (event as Record<string, unknown>)[key]);
  return attributes ? attributes.replace(/EventAttributes$/, '') : String(event.eventType);
}
