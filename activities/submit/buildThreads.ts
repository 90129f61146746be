import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ImportJob } from '../../common/batch';
import type { BatchPlan } from '../../common/plan';
import type { BuiltBatch } from './buildBatch';
import type { BuildFolders } from './buildFromSource';

export interface BuildRequest {
  id: number;
  job: ImportJob;
  batch: BatchPlan;
  /** Built during the inspection (`buildBeforeInspectionEnds`). */
  early?: boolean;
}
export type BuildReply = { id: number; built: BuiltBatch } | { id: number; error: string };

/** Node can start only compiled JavaScript as a thread: from sources (tests), builds stay on the main thread. */
const THREAD_SCRIPT = path.join(__dirname, 'buildThread.js');
/** A build holds one batch at a time: this bounds a thread's heap well above any batch of 10,000 rows. */
const THREAD_HEAP_MB = 192;
/**
 * A build's garbage is short-lived rows: a small young generation collects it as well as V8's
 * default (up to 48 MB) does, and keeps about 20 MB less resident per thread (bench (a): the
 * thread's heap peaked at 40 MB instead of 60 MB, at the same rows/s).
 */
const THREAD_YOUNG_MB = 8;

export class BuildThreadError extends Error {
  override readonly name = 'BuildThreadError';
}

/**
 * Threads that build batches ahead, so the CPU work of reading and mapping rows runs beside the
 * main thread, which keeps to HTTP and Temporal. Threads start with `startAll` (the worker's
 * start) or on first use, and never keep the process alive; one that dies fails its builds (the
 * submit then builds on the main thread) and is replaced on the next build.
 */
export class BuildThreads {
  private readonly threads: Array<Worker | undefined>;
  private readonly pending = new Map<number, { thread: number; resolve: (built: BuiltBatch) => void; reject: (error: Error) => void }>();
  private nextId = 0;
  private nextThread = 0;

  static available(): boolean {
    return existsSync(THREAD_SCRIPT);
  }

  constructor(
    readonly size: number,
    private readonly folders: BuildFolders,
  ) {
    this.threads = new Array<Worker | undefined>(size).fill(undefined);
  }

  /**
   * Starts every thread that is not running. A thread's start-up loads the row code (the phone
   * metadata above all: about a third of a second), which would otherwise fall on the first
   * batches an import builds ahead, when the first window waits for its rows.
   */
  startAll(): void {
    for (let index = 0; index < this.size; index++) if (this.threads[index] === undefined) this.start(index);
  }

  /** Threads running now (started and not failed). */
  get running(): number {
    return this.threads.filter((thread) => thread !== undefined).length;
  }

  build(job: ImportJob, batch: BatchPlan, early = false): Promise<BuiltBatch> {
    const index = this.nextThread++ % this.size;
    const thread = this.threads[index] ?? this.start(index);
    const id = this.nextId++;
    return new Promise<BuiltBatch>((resolve, reject) => {
      this.pending.set(id, { thread: index, resolve, reject });
      thread.postMessage({ id, job, batch, ...(early ? { early } : {}) } satisfies BuildRequest);
    });
  }

  private start(index: number): Worker {
    const thread = new Worker(THREAD_SCRIPT, { workerData: this.folders, resourceLimits: { maxOldGenerationSizeMb: THREAD_HEAP_MB, maxYoungGenerationSizeMb: THREAD_YOUNG_MB } });
    thread.on('message', (reply: BuildReply) => {
      const waiting = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if ('built' in reply) waiting?.resolve(reply.built);
      else waiting?.reject(new BuildThreadError(reply.error));
    });
    const fail = (reason: string) => {
      if (this.threads[index] === thread) this.threads[index] = undefined;
      for (const [id, waiting] of this.pending) {
        if (waiting.thread !== index) continue;
        this.pending.delete(id);
        waiting.reject(new BuildThreadError(reason));
      }
    };
    thread.on('error', (error) => fail(`build thread failed: ${error.message}`));
    thread.on('exit', (code) => fail(`build thread exited with code ${code}`));
    // After the listeners: attaching a 'message' listener refs the thread again.
    thread.unref();
    this.threads[index] = thread;
    return thread;
  }
}
