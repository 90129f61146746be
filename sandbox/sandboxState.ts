import { setTimeout as delay } from 'node:timers/promises';
import { Authenticator } from './auth';
import { FaultInjector } from './faults';
import type { ImportBatch } from './importRequest';
import { FaultConfigSchema, parseSettings, type FaultConfigInput, type SandboxOptions } from './options';
import { createProfileStore, type ProfileStore } from './profileStore';
import { RequestJournal, type RequestCounters } from './requestJournal';
import { TaskBoard, type TaskStatus } from './taskBoard';

/** Counters a test or benchmark reads; plain JSON. */
export interface SandboxStats extends RequestCounters {
  tasks: Record<TaskStatus, number>;
  /** Distinct identities in the store. */
  profiles: number;
}

/** Everything one sandbox instance holds, shared by the API and admin routes. */
export class SandboxState {
  readonly faults: FaultInjector;
  readonly store: ProfileStore;
  readonly journal: RequestJournal;
  readonly tasks: TaskBoard;
  readonly auth: Authenticator;
  private readonly closing = new AbortController();

  constructor(readonly options: SandboxOptions) {
    this.faults = new FaultInjector(options.faults);
    this.store = createProfileStore(options.store);
    this.journal = new RequestJournal(options.requestLogLimit);
    this.tasks = new TaskBoard(
      { ...options.taskTiming, idKind: options.taskIds },
      this.faults,
      (batch) => this.applyRows(batch),
    );
    this.auth = new Authenticator(options.apptoken, options.oauth, this.faults);
  }

  get closed(): boolean {
    return this.closing.signal.aborted;
  }

  applyRows(batch: ImportBatch): void {
    this.store.apply(batch);
    this.journal.addRowsApplied(batch.rows.length);
  }

  /** Replaces the whole fault config (fields not given take their defaults) and restarts the random streams. */
  configure(input: FaultConfigInput): void {
    this.faults.replace(parseSettings(FaultConfigSchema, input));
    this.tasks.reconsiderHeld();
  }

  /** Clears store, tasks, counters and log, and restarts the random streams; the fault config stays. */
  reset(): void {
    this.store.clear();
    this.tasks.clear();
    this.journal.clear();
    this.faults.restart();
  }

  stats(): SandboxStats {
    return { ...this.journal.counts(), tasks: this.tasks.countByStatus(), profiles: this.store.size };
  }

  /** Waits, unless the sandbox closes first (then rejects, so no answer is sent after close). */
  async sleep(ms: number): Promise<void> {
    if (ms > 0) await delay(ms, undefined, { signal: this.closing.signal });
  }

  shutdown(): void {
    this.closing.abort();
    this.tasks.clear();
  }
}
