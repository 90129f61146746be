import { PARENT_EVENTS_PER_BATCH_LIMIT, PAYLOAD_LIMIT_BYTES, RUN_EVENTS_LIMIT } from '../historyStats';
import type { XpImportRunResult } from '../xpImportRun';

/** (d) What imports leave in Temporal: events per batch in the parent, the largest payload, the largest run. */
export interface HistoriesResult {
  imports: Array<{
    label: string;
    rows: number;
    batches: number;
    parentRuns: number;
    parentEventsPerBatch: number;
    largestPayloadBytes: number;
    largestPayloadEvent: string;
    largestRunEvents: number;
    batchEventsMax: number;
  }>;
  worst: { parentEventsPerBatch: number; largestPayloadBytes: number; largestRunEvents: number };
  targets: { parentEventsPerBatch: number; payloadBytes: number; runEvents: number };
  met: { parentEventsPerBatch: boolean; payloadBytes: boolean; runEvents: boolean };
}

/** Summarises the histories measured in the other parts; every import with histories counts. */
export function summariseHistories(runs: Record<string, XpImportRunResult | undefined>): HistoriesResult {
  const imports = Object.entries(runs).flatMap(([label, run]) => {
    const h = run?.history;
    if (!run || !h) return [];
    return [
      {
        label,
        rows: run.rows,
        batches: run.batches,
        parentRuns: h.parentRuns,
        parentEventsPerBatch: h.parentEventsPerBatch,
        largestPayloadBytes: h.largestPayload.bytes,
        largestPayloadEvent: h.largestPayload.eventType,
        largestRunEvents: h.largestRun.events,
        batchEventsMax: h.batchEventsMax,
      },
    ];
  });
  const max = (pick: (i: HistoriesResult['imports'][number]) => number) => Math.max(0, ...imports.map(pick));
  const worst = {
    parentEventsPerBatch: max((i) => i.parentEventsPerBatch),
    largestPayloadBytes: max((i) => i.largestPayloadBytes),
    largestRunEvents: max((i) => i.largestRunEvents),
  };
  return {
    imports,
    worst,
    targets: { parentEventsPerBatch: PARENT_EVENTS_PER_BATCH_LIMIT, payloadBytes: PAYLOAD_LIMIT_BYTES, runEvents: RUN_EVENTS_LIMIT },
    met: {
      parentEventsPerBatch: worst.parentEventsPerBatch <= PARENT_EVENTS_PER_BATCH_LIMIT,
      payloadBytes: worst.largestPayloadBytes <= PAYLOAD_LIMIT_BYTES,
      runEvents: worst.largestRunEvents <= RUN_EVENTS_LIMIT,
    },
  };
}
