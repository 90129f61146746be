import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** Every run of a workflow ID (an import that continued as new has several). */
export async function runsOf(client: Client, workflowId: string): Promise<string[]> {
  const runs: string[] = [];
  for await (const execution of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push(execution.runId);
  return runs;
}

/** The events of every run of the import and of every batch workflow it started. */
type History = temporal.api.history.v1.IHistory;

export async function importHistories(client: Client, importId: string): Promise<Array<{ workflowId: string; runId: string; events: HistoryEvent[]; history: History }>> {
  const histories: Array<{ workflowId: string; runId: string; events: HistoryEvent[]; history: History }> = [];
  const ids = new Set<string>([importId]);
  for (const runId of await runsOf(client, importId)) {
    const history = await client.workflow.getHandle(importId, runId).fetchHistory();
    const events = history.events ?? [];
    histories.push({ workflowId: importId, runId, events, history });
    for (const event of events) {
      const child = event.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId;
      if (child) ids.add(child);
    }
  }
  for (const workflowId of [...ids].filter((id) => id !== importId)) {
    for (const runId of await runsOf(client, workflowId)) {
      const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
      histories.push({ workflowId, runId, events: history.events ?? [], history });
    }
  }
  return histories;
}

/** Inputs and results of the completed activities of one type, in history order. */
export function completedActivities(events: HistoryEvent[], activityType: string): Array<{ input: unknown; result: unknown }> {
  const inputs = new Map<string, unknown>();
  const out: Array<{ input: unknown; result: unknown }> = [];
  for (const event of events) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name === activityType) {
      const payload = scheduled.input?.payloads?.[0];
      inputs.set(String(event.eventId), payload ? defaultPayloadConverter.fromPayload(payload) : undefined);
    }
    const completed = event.activityTaskCompletedEventAttributes;
    if (completed && inputs.has(String(completed.scheduledEventId))) {
      const payload = completed.result?.payloads?.[0];
      out.push({ input: inputs.get(String(completed.scheduledEventId)), result: payload ? defaultPayloadConverter.fromPayload(payload) : undefined });
    }
  }
  return out;
}

/** All text of a history as JSON with payloads decoded, for searching for secrets and personal data. */
export function historyText(events: HistoryEvent[]): string {
  return JSON.stringify(events, (_key, value: unknown) => {
    if (value && typeof value === 'object' && 'data' in value && 'metadata' in value) {
      const payload = value as { data?: Uint8Array | null };
      return payload.data ? Buffer.from(payload.data).toString('utf8') : null;
    }
    if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
    return value;
  });
}
