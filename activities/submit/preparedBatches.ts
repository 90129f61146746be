import type { ImportJob } from '../../common/batch';
import type { BatchPlan } from '../../common/plan';
import type { BuiltBatch } from './buildBatch';

type Build = (job: ImportJob, batch: BatchPlan) => Promise<BuiltBatch>;

interface Entry {
  job: ImportJob;
  batch: BatchPlan;
  queuedAt: number;
  /** Set once building has begun; until then a submit that wants the batch builds it itself. */
  built?: Promise<BuiltBatch>;
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
  /** Builds for submits run on the main thread one at a time, in the order the submits asked. */
  private mainBusy = false;
  private readonly mainWaiting: Array<() => void> = [];
  private readonly build: Build;
  private readonly buildAhead: Build;
  private readonly parallel: number;
  private readonly aheadOnThreads: boolean;
  private readonly now: () => number;

  /**
   * `build` runs for a submit that finds nothing prepared; `buildAhead` (by default the same) for
   * batches built ahead, `parallel` of them at a time.
   */
  constructor(options: { build: Build; buildAhead?: Build; parallel?: number; now?: () => number }) {
    this.build = options.build;
    this.buildAhead = options.buildAhead ?? options.build;
    this.parallel = Math.max(1, options.parallel ?? 1);
    this.aheadOnThreads = options.buildAhead !== undefined;
    this.now = options.now ?? Date.now;
  }

  /** Builds `batch` in the background unless it is prepared or queued already. */
  prepareAhead(job: ImportJob, batch: BatchPlan): void {
    const key = keyOf(job, batch);
    if (this.entries.has(key) || this.taken.has(key)) return;
    this.dropStale();
    this.entries.set(key, { job, batch, queuedAt: this.now() });
    this.waiting.push(key);
    this.buildNext();
  }

  /** The batch's rows: prepared ahead if they were (and the build worked), built now otherwise. */
  async take(job: ImportJob, batch: BatchPlan): Promise<BuiltBatch> {
    const key = keyOf(job, batch);
    const entry = this.entries.get(key);
    this.entries.delete(key);
    this.remember(key);
    if (entry?.built === undefined) return this.buildForSubmit(job, batch);
    try {
      return await entry.built;
    } catch {
      // A failed build ahead proves nothing about this attempt (the file may be readable now): build, and let its error speak.
      return this.buildOnMain(job, batch);
    }
  }

  /**
   * A submit found nothing prepared (the first window of an import, a retry): the main thread
   * builds it when free, else an idle build thread, else it waits its turn on the main thread.
   * One at a time matters: eight submits that start together and build side by side on one thread
   * would all post after eight builds; in turn, the first posts after one.
   */
  private buildForSubmit(job: ImportJob, batch: BatchPlan): Promise<BuiltBatch> {
    if (this.mainBusy && this.aheadOnThreads && this.building < this.parallel) {
      // A thread that failed (or died) proves nothing about the batch: the main thread builds it.
      return this.startAhead(job, batch).catch(() => this.buildOnMain(job, batch));
    }
    return this.buildOnMain(job, batch);
  }

  private buildOnMain(job: ImportJob, batch: BatchPlan): Promise<BuiltBatch> {
    const run = (): Promise<BuiltBatch> => {
      this.mainBusy = true;
      const built = this.build(job, batch);
      built
        .catch(() => undefined)
        .finally(() => {
          this.mainBusy = false;
          this.mainWaiting.shift()?.();
        })
        .catch(() => undefined);
      return built;
    };
    if (!this.mainBusy) return run();
    return new Promise<BuiltBatch>((resolve, reject) =>
      this.mainWaiting.push(() => {
        run().then(resolve, reject);
      }),
    );
  }

  /** How many batches are held or queued (for tests). */
  get size(): number {
    return this.entries.size;
  }

  private buildNext(): void {
    let key: string | undefined;
    while (this.building < this.parallel && (key = this.waiting.shift()) !== undefined) {
      const entry = this.entries.get(key);
      if (entry === undefined) continue; // taken before its turn came
      entry.built = this.startAhead(entry.job, entry.batch);
    }
  }

  /** Starts a build on the ahead builders, counted until it ends, when the next queued one starts. */
  private startAhead(job: ImportJob, batch: BatchPlan): Promise<BuiltBatch> {
    this.building++;
    const built = this.buildAhead(job, batch);
    built
      .catch(() => undefined)
      .finally(() => {
        this.building--;
        this.buildNext();
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
