import type { ApiMethod, FaultConfig, Latency } from './options';
import { streamFor, type Random } from './random';

export type RequestFaultKind = 'rateLimit' | 'serverError' | 'reset' | 'slow' | 'dropAfterApply' | 'gatewayAfterApply' | 'garbledAfterApply' | 'firewallRefusal';

/** What the fault draw decided for one request. */
export interface RequestFault {
  kind: RequestFaultKind | null;
  latencyMs: number;
  /** The status to answer with, for rateLimit and serverError. */
  status?: number;
  /** Set on the 429s that carry a Retry-After header. */
  retryAfterSeconds?: number;
}

/** What the fault draw decided for a new task. */
export interface TaskFate {
  fails: boolean;
  /** Drawn by stuckTaskRate: stays stuck while the config still asks for stuck tasks. */
  stuckByRate: boolean;
}

/**
 * Decides injected faults from the current FaultConfig. Every request of a method takes exactly
 * three draws from that method's own stream, and every task two draws from the task stream, so the
 * same seed and the same request sequence give the same faults whatever else happens in between.
 */
export class FaultInjector {
  private streams = new Map<string, Random>();
  private faultMethods!: Set<ApiMethod>;
  private stuckIds!: Set<string>;
  private failIdentities!: Set<string>;
  private rejectIdentities!: Set<string>;
  private forbidden!: Set<string>;
  /** Import requests accepted since the config was given (for `revokeTokenAfterImports`). */
  private importsAccepted = 0;

  constructor(private config: FaultConfig) {
    this.replace(config);
  }

  get current(): FaultConfig {
    return this.config;
  }

  /** Takes a new config and restarts every stream from its seed. */
  replace(config: FaultConfig): void {
    this.config = config;
    this.faultMethods = new Set(config.faultMethods);
    this.stuckIds = new Set(config.stuckTaskIds.map(String));
    this.failIdentities = new Set(config.failTasksContaining);
    this.rejectIdentities = new Set(config.rejectIdentities);
    this.forbidden = new Set(config.forbiddenTokens);
    this.restart();
  }

  restart(): void {
    this.streams.clear();
    this.importsAccepted = 0;
  }

  /** An import request was accepted: applied at once, or made a task. */
  noteImportAccepted(): void {
    this.importsAccepted++;
  }

  /** Whether the apptoken has been revoked by now (`revokeTokenAfterImports`). */
  tokenRevoked(): boolean {
    const after = this.config.revokeTokenAfterImports;
    return after !== null && this.importsAccepted >= after;
  }

  forRequest(method: ApiMethod): RequestFault {
    const random = this.stream(method);
    const pick = random();
    const detail = random();
    const latencyMs = latencyFrom(this.config.latencyMs, random());
    if (!this.faultMethods.has(method)) return { kind: null, latencyMs };
    const config = this.config;
    let threshold = config.rateLimit;
    if (pick < threshold) {
      const withHeader = detail < config.retryAfterShare;
      return { kind: 'rateLimit', latencyMs, status: 429, ...(withHeader ? { retryAfterSeconds: config.retryAfterSeconds } : {}) };
    }
    threshold += config.serverError;
    if (pick < threshold) {
      const statuses = config.serverErrorStatuses;
      return { kind: 'serverError', latencyMs, status: statuses[Math.floor(detail * statuses.length)]! };
    }
    const others: [RequestFaultKind, number][] = [
      ['reset', config.reset],
      ['slow', config.slowRate],
      ['dropAfterApply', config.dropAfterApply],
      ['gatewayAfterApply', config.gatewayAfterApply],
      ['garbledAfterApply', config.garbledAfterApply],
      ['firewallRefusal', config.firewallRefusal],
    ];
    for (const [kind, rate] of others) {
      threshold += rate;
      if (pick < threshold) return { kind, latencyMs };
    }
    return { kind: null, latencyMs };
  }

  forTask(identityValues: readonly string[]): TaskFate {
    const random = this.stream('task');
    const failDraw = random();
    const stuckDraw = random();
    return {
      fails: failDraw < this.config.taskFailRate || this.containsAny(this.failIdentities, identityValues),
      stuckByRate: stuckDraw < this.config.stuckTaskRate,
    };
  }

  /** Whether an unfinished task must (still) stay in `processing` under the current config. */
  holdsTask(id: number | string, stuckByRate: boolean): boolean {
    return (stuckByRate && this.config.stuckTaskRate > 0) || this.stuckIds.has(String(id));
  }

  /** Indexes of the rows whose identity is configured to be rejected. */
  rejectedRows(identityValues: readonly string[]): number[] {
    if (this.rejectIdentities.size === 0) return [];
    const rows: number[] = [];
    identityValues.forEach((value, index) => {
      if (this.rejectIdentities.has(value)) rows.push(index);
    });
    return rows;
  }

  isForbidden(apptoken: string): boolean {
    return this.forbidden.has(apptoken);
  }

  private containsAny(set: Set<string>, values: readonly string[]): boolean {
    return set.size > 0 && values.some((value) => set.has(value));
  }

  /** A time from a setting that is a number or a [min, max] range, drawn from the stream `name`. */
  draw(name: string, time: Latency): number {
    return typeof time === 'number' ? time : latencyFrom(time, this.stream(name)());
  }

  private stream(name: string): Random {
    let random = this.streams.get(name);
    if (random === undefined) {
      random = streamFor(this.config.seed, name);
      this.streams.set(name, random);
    }
    return random;
  }
}

function latencyFrom(latency: Latency, draw: number): number {
  if (typeof latency === 'number') return latency;
  const [min, max] = latency;
  return Math.round(min + draw * (max - min));
}
