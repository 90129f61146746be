import type { ImportJob } from '../../common/batch';
import type { BatchPlan } from '../../common/plan';
import type { BuiltBatch } from './buildBatch';

type Build = (job: ImportJob, batch: BatchPlan) => Promise<BuiltBatch>;
/** Whether a batch built early (with `builtWith`, before the inspection ended) is what `job` would build now. */
type ConfirmEarly = (job: ImportJob, builtWith: ImportJob, batch: BatchPlan, built: BuiltBatch) => Promise<boolean>;

interface WaitingSubmit {
  job: ImportJob;
  batch: BatchPlan;
  /** After a failed build ahead or thread: only the main thread's own build counts. */
  mainOnly: boolean;
  /** A first-window batch whose early build had not begun: the main thread is posting the rest of the window. */
  threadsOnly: boolean;
  resolve: (built: BuiltBatch) => void;
  reject: (error: unknown) => void;
}

interface Entry {
  job: ImportJob;
  batch: BatchPlan;
  queuedAt: number;
  /** Set once building has begun; until then a submit that wants the batch builds it itself. */
  built?: Promise<BuiltBatch>;
  /** Built during the inspection: used only once confirmed against what the inspection wrote. */
  early: boolean;
}

const MAX_ENTRIES = 16;
const MAX_AGE_MS = 60_000;
/** Batches whose submit has come are remembered this long (in batches), so none is built ahead after it. */
const MAX_TAKEN = 256;

/**
 * Batches built ahead of their submit, on this worker only. While a batch's task runs (seconds,
 * with the worker idle), the worker builds the batch that will most likely take its place in the
 * window, so the next submit goes straight to the POST. A pure cache: the build depends only on
 * the file, the mapping and the identity index, so a prepared batch is exactly what the submit
 * would build; a miss (another worker, a retry, a batch that came in another order) just builds.
 * Builds ahead run a few at a time (on build threads where the worker has them), so they never crowd
 * out the submits that are waiting for rows.
 */
export class PreparedBatches {
  private readonly entries = new Map<string, Entry>();
  /**
   * Batches already taken by their submits. When a window turns over faster than batches are built
   * (bench (a): a tenth of all builds), a submit could build its batch before the batch ahead of it
   * asked for it to be prepared; building it ahead then would be work thrown away.
   */
  private readonly taken = new Set<string>();
  private readonly waiting: string[] = [];
  private building = 0;
  /** Submits waiting for a builder, in the order they asked; the main thread builds one at a time. */
  private readonly submitsWaiting: WaitingSubmit[] = [];
  private mainBusy = false;
  private readonly build: Build;
  private readonly buildAhead: Build;
  private readonly early: { build: Build; confirm: ConfirmEarly } | undefined;
  private readonly parallel: number;
  private readonly aheadOnThreads: boolean;
  private readonly now: () => number;

  /**
   * `build` runs for a submit that finds nothing prepared; `buildAhead` (by default the same) for
   * batches built ahead, `parallel` of them at a time; `early` for batches built during an import's
   * inspection, and what confirms them (none: batches are not built that early).
   */
  constructor(options: { build: Build; buildAhead?: Build; early?: { build: Build; confirm: ConfirmEarly }; parallel?: number; now?: () => number }) {
    this.build = options.build;
    this.buildAhead = options.buildAhead ?? options.build;
    this.early = options.early;
    this.parallel = Math.max(1, options.parallel ?? 1);
    this.aheadOnThreads = options.buildAhead !== undefined;
    this.now = options.now ?? Date.now;
  }

  /** Builds `batch` in the background unless it is prepared or queued already. */
  prepareAhead(job: ImportJob, batch: BatchPlan): void {
    this.queue(job, batch, false);
  }

  /**
   * Builds a batch of an import's first window while its inspection still reads the file, so that
   * the window's submits find their rows built instead of building eight batches at once. The
   * identity index and the block digests do not exist yet: the submit takes such a batch only once
   * `confirm` says neither would change it, and builds it again otherwise.
   */
  prepareEarly(job: ImportJob, batch: BatchPlan): void {
    if (this.early !== undefined) this.queue(job, batch, true);
  }

  private queue(job: ImportJob, batch: BatchPlan, early: boolean): void {
    const key = keyOf(job, batch);
    if (this.entries.has(key) || this.taken.has(key)) return;
    this.dropStale();
    this.entries.set(key, { job, batch, queuedAt: this.now(), early });
    this.waiting.push(key);
    this.dispatch();
  }

  /** The batch's rows: prepared ahead if they were (and the build worked), built now otherwise. */
  async take(job: ImportJob, batch: BatchPlan): Promise<BuiltBatch> {
    const key = keyOf(job, batch);
    const entry = this.entries.get(key);
    this.entries.delete(key);
    this.remember(key);
    // A first-window batch still queued for its early build waits for a build thread: the main
    // thread has the window's other submits to post, and a build there would hold each of their
    // POSTs up by a slice of it (bench (b): the fourth POST left 389 ms after the inspection
    // answered, against 144-195 ms with the wait).
    if (entry?.built === undefined) return this.buildForSubmit(job, batch, false, entry?.early === true && this.aheadOnThreads);
    try {
      const built = await entry.built;
      if (entry.early && !(await this.confirmed(job, entry.job, batch, built))) return this.buildForSubmit(job, batch);
      return built;
    } catch {
      // A failed build ahead proves nothing about this attempt (the file may be readable now): build, and let its error speak.
      return this.buildForSubmit(job, batch, true);
    }
  }

  /**
   * A submit found nothing prepared (the first window of an import, a retry). It joins one queue
   * that the main thread and the build threads serve, whichever is free first, before any build
   * ahead: a submit waits for its rows now, a build ahead only for a later place in the window.
   * One build per builder matters: eight submits building side by side would all post after eight
   * builds; in turn, the first posts after one.
   */
  private buildForSubmit(job: ImportJob, batch: BatchPlan, mainOnly = false, threadsOnly = false): Promise<BuiltBatch> {
    return new Promise<BuiltBatch>((resolve, reject) => {
      this.submitsWaiting.push({ job, batch, mainOnly, threadsOnly, resolve, reject });
      this.dispatch();
    });
  }

  /** Gives free builders work: waiting submits first (main thread, then threads), then builds ahead. */
  private dispatch(): void {
    for (let i = 0; i < this.submitsWaiting.length; ) {
      const waiting = this.submitsWaiting[i] as WaitingSubmit;
      if (!this.mainBusy && !waiting.threadsOnly) {
        this.submitsWaiting.splice(i, 1);
        this.runOnMain(waiting);
      } else if (!waiting.mainOnly && this.aheadOnThreads && this.building < this.parallel) {
        this.submitsWaiting.splice(i, 1);
        // A thread that failed (or died) proves nothing about the batch: the main thread builds it.
        this.startAhead(waiting.job, waiting.batch).then(waiting.resolve, () =>
          this.buildForSubmit(waiting.job, waiting.batch, true).then(waiting.resolve, waiting.reject),
        );
      } else i++;
    }
    let key: string | undefined;
    while (this.building < this.parallel && (key = this.waiting.shift()) !== undefined) {
      const entry = this.entries.get(key);
      if (entry === undefined) continue; // taken before its turn came
      entry.built = this.startAhead(entry.job, entry.batch, entry.early ? this.early?.build : undefined);
    }
  }

  private async confirmed(job: ImportJob, builtWith: ImportJob, batch: BatchPlan, built: BuiltBatch): Promise<boolean> {
    try {
      return (await this.early?.confirm(job, builtWith, batch, built)) === true;
    } catch {
      // What the inspection wrote could not be read: the submit's own build will say why.
      return false;
    }
  }

  private runOnMain(waiting: WaitingSubmit): void {
    this.mainBusy = true;
    const built = this.build(waiting.job, waiting.batch);
    built.then(waiting.resolve, waiting.reject);
    built
      .catch(() => undefined)
      .finally(() => {
        this.mainBusy = false;
        this.dispatch();
      })
      .catch(() => undefined);
  }

  /** Lets go of an import's batches held or queued: none of its submits will come for them. */
  forget(importId: string): void {
    for (const [key, entry] of this.entries) if (entry.job.importId === importId) this.entries.delete(key);
  }

  /** How many batches are held or queued (for tests). */
  get size(): number {
    return this.entries.size;
  }

  /** Starts a build on the ahead builders, counted until it ends, when the next queued one starts. */
  private startAhead(job: ImportJob, batch: BatchPlan, build = this.buildAhead): Promise<BuiltBatch> {
    this.building++;
    const built = build(job, batch);
    built
      .catch(() => undefined)
      .finally(() => {
        this.building--;
        this.dispatch();
      })
      .catch(() => undefined);
    return built;
  }

  private remember(key: string): void {
    this.taken.delete(key);
    this.taken.add(key);
    if (this.taken.size > MAX_TAKEN) this.taken.delete(this.taken.values().next().value as string);
  }

  /** Batches nobody took (another worker sent them, or the import ended) are let go. */
  private dropStale(): void {
    const cutoff = this.now() - MAX_AGE_MS;
    for (const [key, entry] of this.entries) {
      if (this.entries.size < MAX_ENTRIES && entry.queuedAt >= cutoff) break;
      this.entries.delete(key);
    }
  }
}

function keyOf(job: ImportJob, batch: BatchPlan): string {
  return `${job.importId}\u0000${batch.index}\u0000${batch.startByte}-${batch.endByte}\u0000${job.layout.fingerprint.size}`;
}
