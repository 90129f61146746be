/** One entry per API request (admin endpoints are not logged). */
export interface RequestLogEntry {
  seq: number;
  /** 'import/profile', 'info/task', …, or 'unknown' for paths that name no method. */
  method: string;
  /** Epoch milliseconds with sub-millisecond precision. */
  receivedAt: number;
  /** When the answer was sent or the connection destroyed; null while in flight. */
  respondedAt: number | null;
  /** HTTP status sent; null when the connection was destroyed without an answer. */
  status: number | null;
  /**
   * 'ok' for ordinary handling (the status says how it went), 'fault:<kind>' when a fault decided it,
   * 'aborted' when the client left mid-body, 'closed' when the sandbox closed first, 'error' for a sandbox bug.
   */
  outcome: string;
  /** Rows in the request body (import/profile). */
  rows: number;
  taskId?: number | string;
  firstIdentity?: string;
  lastIdentity?: string;
}

/** The request-side counters of SandboxStats. */
export interface RequestCounters {
  requests: Record<string, number>;
  responses: Record<string, Record<string, number>>;
  faults: Record<string, number>;
  rowsReceived: number;
  rowsApplied: number;
  /** import/profile requests received and not answered yet. */
  inFlight: number;
  /** The most import/profile requests in flight at once since start or reset(). */
  peakInFlight: number;
}

const TRACKED_IN_FLIGHT = 'import/profile';

/** Counts requests, responses and rows, tracks import requests in flight, and keeps a capped request log. */
export class RequestJournal {
  private counters = emptyCounters(0);
  private log: RequestLogEntry[] = [];
  private nextSeq = 1;

  constructor(private readonly logLimit: number) {}

  begin(method: string): RequestLogEntry {
    const entry: RequestLogEntry = {
      seq: this.nextSeq++,
      method,
      receivedAt: now(),
      respondedAt: null,
      status: null,
      outcome: 'ok',
      rows: 0,
    };
    increment(this.counters.requests, method);
    if (method === TRACKED_IN_FLIGHT) {
      this.counters.inFlight++;
      this.counters.peakInFlight = Math.max(this.counters.peakInFlight, this.counters.inFlight);
    }
    if (this.logLimit > 0) {
      this.log.push(entry);
      // Trim in chunks: one splice per logLimit requests instead of a shift per request.
      if (this.log.length >= 2 * this.logLimit) this.log.splice(0, this.log.length - this.logLimit);
    }
    return entry;
  }

  /** Records how a request ended; call exactly once per begin(). */
  finish(entry: RequestLogEntry, status: number | null, outcome: string): void {
    entry.respondedAt = now();
    entry.status = status;
    entry.outcome = outcome;
    if (status !== null) {
      const byStatus = (this.counters.responses[entry.method] ??= {});
      increment(byStatus, String(status));
    }
    if (outcome.startsWith('fault:')) increment(this.counters.faults, outcome.slice('fault:'.length));
    if (entry.method === TRACKED_IN_FLIGHT) this.counters.inFlight--;
  }

  addRowsReceived(rows: number): void {
    this.counters.rowsReceived += rows;
  }

  addRowsApplied(rows: number): void {
    this.counters.rowsApplied += rows;
  }

  counts(): RequestCounters {
    return structuredClone(this.counters);
  }

  entries(): RequestLogEntry[] {
    return this.log.slice(-this.logLimit).map((entry) => ({ ...entry }));
  }

  /** Clears counters and log. Requests still in flight stay counted: they are real and will finish. */
  clear(): void {
    this.counters = emptyCounters(this.counters.inFlight);
    this.log = [];
  }
}

function emptyCounters(inFlight: number): RequestCounters {
  return { requests: {}, responses: {}, faults: {}, rowsReceived: 0, rowsApplied: 0, inFlight, peakInFlight: inFlight };
}

function increment(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

function now(): number {
  return performance.timeOrigin + performance.now();
}
