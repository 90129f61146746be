import type { FaultInjector, TaskFate } from './faults';
import type { ImportBatch } from './importRequest';
import type { Latency } from './options';

export const TASK_STATUSES = ['queued', 'processing', 'completed', 'failed'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** A task as the sandbox keeps it: the Task Info model plus what tests need to find it. */
export interface TaskRecord {
  id: number | string;
  identifier: 'profile_import';
  status: TaskStatus;
  /** 'YYYY-MM-DD HH:MM:SS', UTC. */
  create_time: string;
  finish_time: string | null;
  rows: number;
  /** The request log `seq` of the request that created the task. */
  requestSeq: number;
  /** True while a stuck-task fault holds it in `processing`. */
  stuck: boolean;
  firstIdentity?: string;
  lastIdentity?: string;
}

interface TaskEntry {
  record: TaskRecord;
  fate: TaskFate;
  timer?: NodeJS.Timeout;
  /** Dropped once the task finishes, so its rows can be collected. */
  batch?: ImportBatch;
}

/**
 * The asynchronous import tasks: queued → processing → completed (rows applied now) or failed
 * (rows never applied). Timers drive the lifecycle; stuck tasks wait in `processing` for a config
 * that releases them.
 */
export class TaskBoard {
  private readonly entries = new Map<string, TaskEntry>();
  private nextNumber = 1;

  constructor(
    private readonly settings: { queuedMs: number; processingMs: Latency; idKind: 'number' | 'string' },
    private readonly faults: FaultInjector,
    private readonly applyRows: (batch: ImportBatch) => void,
  ) {}

  create(batch: ImportBatch, requestSeq: number): TaskRecord {
    // IDs keep increasing across reset(): a client still polling an old ID must not find a new task.
    const number = this.nextNumber++;
    const id = this.settings.idKind === 'number' ? number : `task-${number}`;
    const entry: TaskEntry = {
      record: {
        id,
        identifier: 'profile_import',
        status: 'queued',
        create_time: timestamp(),
        finish_time: null,
        rows: batch.rows.length,
        requestSeq,
        stuck: false,
        firstIdentity: batch.identityValues[0],
        lastIdentity: batch.identityValues[batch.identityValues.length - 1],
      },
      fate: this.faults.forTask(batch.identityValues),
      batch,
    };
    this.entries.set(String(id), entry);
    entry.timer = setTimeout(() => this.startProcessing(entry), this.settings.queuedMs);
    return { ...entry.record };
  }

  /** Finds a task by ID given as a number or a string (`7` and `"7"` are the same task). */
  find(id: unknown): TaskRecord | undefined {
    if (typeof id !== 'number' && typeof id !== 'string') return undefined;
    const entry = this.entries.get(String(id));
    return entry && { ...entry.record };
  }

  all(): TaskRecord[] {
    return [...this.entries.values()].map((entry) => ({ ...entry.record }));
  }

  countByStatus(): Record<TaskStatus, number> {
    const counts = { queued: 0, processing: 0, completed: 0, failed: 0 };
    for (const { record } of this.entries.values()) counts[record.status]++;
    return counts;
  }

  /** After a config change: release tasks no longer held, hold processing tasks newly named stuck. */
  reconsiderHeld(): void {
    for (const entry of this.entries.values()) {
      if (entry.record.status !== 'processing') continue;
      const held = this.faults.holdsTask(entry.record.id, entry.fate.stuckByRate);
      if (entry.record.stuck && !held) {
        entry.record.stuck = false;
        this.scheduleFinish(entry);
      } else if (!entry.record.stuck && held) {
        clearTimeout(entry.timer);
        entry.timer = undefined;
        entry.record.stuck = true;
      }
    }
  }

  /** Forgets every task; unfinished ones never apply their rows. */
  clear(): void {
    for (const entry of this.entries.values()) clearTimeout(entry.timer);
    this.entries.clear();
  }

  private startProcessing(entry: TaskEntry): void {
    entry.record.status = 'processing';
    entry.timer = undefined;
    if (this.faults.holdsTask(entry.record.id, entry.fate.stuckByRate)) entry.record.stuck = true;
    else this.scheduleFinish(entry);
  }

  private scheduleFinish(entry: TaskEntry): void {
    entry.timer = setTimeout(() => this.finish(entry), this.faults.draw('taskTime', this.settings.processingMs));
  }

  private finish(entry: TaskEntry): void {
    entry.timer = undefined;
    if (!entry.fate.fails && entry.batch) this.applyRows(entry.batch);
    entry.batch = undefined;
    entry.record.status = entry.fate.fails ? 'failed' : 'completed';
    entry.record.finish_time = timestamp();
  }
}

function timestamp(): string {
  return new Date().toISOString().slice(0, 19).replace('T', ' ');
}
