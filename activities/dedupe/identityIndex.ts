import { mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HASH_WORDS, hashIdentity } from './identityHash';
import { mergeRuns } from './mergeRuns';
import { RowSorter, writeSortedRows } from './rowSorter';
import { partialFileFor, PRIVATE_FOLDER_MODE } from '../wholeFiles';
import { RunWriter } from './runFiles';
import { sortedOrder } from './sortEntries';
import { supersedingFileFor, unreadableSupersededFileFor } from './supersededRows';

/** An entry: the identity's 96-bit hash, then its row number (with UNREADABLE_ROW when it is one). */
const ENTRY_WORDS = HASH_WORDS + 1;
/**
 * Marks the row word of an entry whose identity was read from a row that could not be read as
 * cells. Being the top bit, it sorts such entries after the readable ones of the same identity.
 */
const UNREADABLE_ROW = 0x80000000;
const ROW_BITS = 0x7fffffff;

/** 2 M entries: 32 MiB of entries plus 8 MiB to sort them (see IdentityIndexBuilder). */
export const DEFAULT_BUFFER_ENTRIES = 2_000_000;
export const DEFAULT_FAN_IN = 64;
/** The highest row number an entry holds. */
export const MAX_INDEXED_ROW = ROW_BITS;
/** The buffer starts this small and doubles up to bufferEntries, so a small file costs little. */
const INITIAL_ENTRIES = 1 << 16;

export interface IdentityIndexOptions {
  /** Entries held in memory before a sorted run is spilled to disk. */
  bufferEntries?: number;
  /** Where the private spill folder is made (and removed); os.tmpdir() by default. */
  tmpDir?: string;
  /** Runs merged at once. */
  fanIn?: number;
  /** Called now and then during the final merge (activity heartbeats). */
  onProgress?: () => void;
}

export interface IdentityIndexResult {
  /** Rows whose identity appears again later in the file: they are skipped. */
  superseded: number;
  /** Unreadable rows whose identity, as read, a later readable row has: they are rejected, and their reason says so. */
  unreadableSuperseded: number;
  /** Readable rows that supersede earlier rows of their identity (the last of each): rejected, their reason says what was left out for them. */
  superseding: number;
  /** Readable rows added (those with a usable identity). */
  indexed: number;
  /** Sorted runs spilled to disk (0 when everything fitted in memory). */
  spilledRuns: number;
}

/**
 * Finds, in bounded memory, the rows that a later row of the same identity supersedes ("the last
 * row wins"), so that batches can leave them out whatever order they finish in.
 *
 * Rows are added in file order as (96-bit hash of the identity key, row number). A full buffer is
 * sorted by hash (rows stay in file order within a hash) and spilled as a run; at the end the runs
 * are merged, and in the merged order every entry followed by an entry of the same hash is
 * superseded. Those row numbers are sorted too (in the same memory) and written as packed
 * uint32 LE.
 *
 * A row that could not be read as cells (a ragged CSV row) may still show its identity. It is
 * added as unreadable: a later readable row of that identity marks it (its reject then warns that
 * importing it fixed would bring back older values), but it supersedes nothing, as the identity
 * read from it may be another column's value. Those rows go to a second file.
 *
 * Memory: 20 bytes per buffer entry (16 for the entry, 4 to sort) plus at most 4 MiB of bucket
 * counts, plus 128 KiB per run while merging (at most `fanIn` runs at once): with the defaults
 * about 40 MiB + 4 MiB + 8 MiB, whatever the number of rows. Disk: 16 bytes per indexed row, in
 * the spill folder, removed at the end.
 */
export class IdentityIndexBuilder {
  private entries: Uint32Array | undefined;
  private order: Uint32Array | undefined;
  private readonly capacity: number;
  private readonly fanIn: number;
  private count = 0;
  private added = 0;
  private lastRow = 0;
  private readonly runs: string[] = [];
  private spillDir: string | undefined;
  private runSeq = 0;

  constructor(private readonly options: IdentityIndexOptions = {}) {
    this.capacity = options.bufferEntries ?? DEFAULT_BUFFER_ENTRIES;
    if (!Number.isInteger(this.capacity) || this.capacity < 1) throw new RangeError(`bufferEntries must be a positive integer, got ${this.capacity}`);
    this.fanIn = options.fanIn ?? DEFAULT_FAN_IN;
    this.entries = new Uint32Array(Math.min(this.capacity, INITIAL_ENTRIES) * ENTRY_WORDS);
  }

  /**
   * Adds a row's identity key (e.g. `user_id:abc`); rows must come in increasing order, but an
   * unreadable row may come twice (its identity may read two ways).
   */
  add(key: string, row: number, unreadable = false): void {
    const inOrder = row > this.lastRow || (unreadable && row === this.lastRow);
    if (!(inOrder && row <= MAX_INDEXED_ROW && Number.isInteger(row))) throw new RangeError(`row ${row} is out of order or out of range`);
    if (this.entries === undefined) throw new Error('IdentityIndexBuilder: add after finish');
    if (this.count * ENTRY_WORDS === this.entries.length) {
      if (this.count === this.capacity) this.spill();
      else this.grow();
    }
    const entries = this.entries;
    const at = this.count * ENTRY_WORDS;
    hashIdentity(key, entries, at);
    entries[at + HASH_WORDS] = unreadable ? (row | UNREADABLE_ROW) >>> 0 : row;
    this.count++;
    if (!unreadable) this.added++;
    this.lastRow = row;
  }

  /**
   * Writes the superseded rows to `outFile`, and beside it the superseded unreadable rows
   * (unreadableSupersededFileFor) and the superseding rows (supersedingFileFor), each atomically:
   * a temporary file, then a rename; `outFile` last, so that once it is there all are.
   */
  async finish(outFile: string): Promise<IdentityIndexResult> {
    const entries = this.entries;
    if (entries === undefined) throw new Error('IdentityIndexBuilder: finish called twice');
    const files = [unreadableSupersededFileFor(outFile), supersedingFileFor(outFile), outFile];
    const partials = files.map((file) => {
      mkdirSync(path.dirname(file), { recursive: true, mode: PRIVATE_FOLDER_MODE });
      return partialFileFor(file);
    });
    const [unreadablePartial, supersedingPartial, partial] = partials as [string, string, string];
    try {
      const spilledRuns = this.runs.length + (this.runs.length > 0 && this.count > 0 ? 1 : 0);
      const marks = new IdentityGroups(this.smallSorter(), this.smallSorter());
      const superseded = this.runs.length === 0 ? this.finishInMemory(entries, partial, marks) : await this.finishFromRuns(partial, marks);
      marks.end();
      const unreadableSuperseded = await marks.unreadableSuperseded.writeSorted(unreadablePartial);
      const superseding = await marks.superseding.writeSorted(supersedingPartial);
      files.forEach((file, i) => renameSync(partials[i] as string, file));
      return { superseded, unreadableSuperseded, superseding, indexed: this.added, spilledRuns };
    } finally {
      for (const file of partials) rmSync(file, { force: true });
      this.discard();
    }
  }

  /** Lets go of the memory and removes the spill folder; for a pass that failed half-way. */
  discard(): void {
    this.entries = undefined;
    this.order = undefined;
    if (this.spillDir !== undefined) rmSync(this.spillDir, { recursive: true, force: true });
    this.spillDir = undefined;
  }

  /**
   * Nothing spilled: the superseded rows are collected in place in the sort order array. Within
   * an identity, the readable rows come first (each superseded by the next), then the unreadable.
   */
  private finishInMemory(entries: Uint32Array, file: string, identity: IdentityGroups): number {
    const order = sortedOrder(entries, this.count, ENTRY_WORDS, this.orderArray());
    let superseded = 0;
    for (let i = 0; i < this.count; i++) {
      const current = (order[i] as number) * ENTRY_WORDS;
      const previous = i > 0 ? (order[i - 1] as number) * ENTRY_WORDS : -1;
      const same = previous >= 0 && sameHash(entries, previous, current);
      const word = entries[current + HASH_WORDS] as number;
      // order[i - 1] has been read for the last time, so its slot can hold the superseded row.
      if (identity.next(same, word)) order[superseded++] = entries[previous + HASH_WORDS] as number;
    }
    writeSortedRows(file, order.subarray(0, superseded));
    return superseded;
  }

  private async finishFromRuns(file: string, identity: IdentityGroups): Promise<number> {
    if (this.count > 0) this.spill();
    // The entry buffer is free now: it holds the superseded rows while they are sorted.
    const rowBuffer = this.entries as Uint32Array;
    this.order = undefined;
    const sorter = new RowSorter({ buffer: rowBuffer, fanIn: this.fanIn, newRunFile: () => this.newRunFile(), onProgress: this.options.onProgress });
    const previous = new Uint32Array(ENTRY_WORDS);
    let hasPrevious = false;
    await mergeRuns(this.runs, { width: ENTRY_WORDS, fanIn: this.fanIn, newRunFile: () => this.newRunFile(), onProgress: this.options.onProgress }, (words, at) => {
      const same = hasPrevious && sameHash(previous, 0, at, words);
      if (identity.next(same, words[at + HASH_WORDS] as number)) sorter.add(previous[HASH_WORDS] as number);
      for (let w = 0; w < ENTRY_WORDS; w++) previous[w] = words[at + w] as number;
      hasPrevious = true;
    });
    return sorter.writeSorted(file);
  }

  /** Sorts rows marked on the way (unreadable ones, superseding ones): a small buffer of their own, spilled past it. */
  private smallSorter(): RowSorter {
    return new RowSorter({ buffer: new Uint32Array(MARKED_BUFFER_ROWS), fanIn: this.fanIn, newRunFile: () => this.newRunFile(), onProgress: this.options.onProgress });
  }

  private spill(): void {
    const entries = this.entries as Uint32Array;
    const order = sortedOrder(entries, this.count, ENTRY_WORDS, this.orderArray());
    const run = new RunWriter(this.newRunFile(), ENTRY_WORDS);
    try {
      for (let i = 0; i < this.count; i++) run.push(entries, (order[i] as number) * ENTRY_WORDS);
    } finally {
      run.close();
    }
    this.runs.push(run.file);
    this.count = 0;
  }

  private grow(): void {
    const old = this.entries as Uint32Array;
    const entries = new Uint32Array(Math.min(this.capacity, 2 * (old.length / ENTRY_WORDS)) * ENTRY_WORDS);
    entries.set(old);
    this.entries = entries;
  }

  private orderArray(): Uint32Array {
    const size = (this.entries as Uint32Array).length / ENTRY_WORDS;
    if (this.order === undefined || this.order.length < size) this.order = new Uint32Array(size);
    return this.order;
  }

  private newRunFile(): string {
    if (this.spillDir === undefined) {
      const parent = this.options.tmpDir ?? tmpdir();
      mkdirSync(parent, { recursive: true, mode: PRIVATE_FOLDER_MODE });
      this.spillDir = mkdtempSync(path.join(parent, 'xp-import-dedupe-'));
    }
    return path.join(this.spillDir, `run-${this.runSeq++}.bin`);
  }
}

/** Rows of each kind marked on the way held in memory before a sorted run is spilled (256 KiB). */
const MARKED_BUFFER_ROWS = 1 << 16;

/**
 * Walks the entries of the sorted order one identity after another and decides, entry by entry,
 * what the one before it (or this one) is. Readable rows of an identity come before its
 * unreadable ones, so when the unreadable ones come, the identity's last readable row is known.
 */
class IdentityGroups {
  private lastReadable = 0;
  private readableRows = 0;

  constructor(
    /** Unreadable rows that a later readable row of their identity (as read) supersedes. */
    readonly unreadableSuperseded: RowSorter,
    /** The last readable row of each identity that has earlier readable rows. */
    readonly superseding: RowSorter,
  ) {}

  /**
   * Takes the next entry's row word; `same` when it has the identity of the entry before. Returns
   * whether the entry before is a superseded readable row.
   */
  next(same: boolean, word: number): boolean {
    if (!same) this.end();
    if (word >= UNREADABLE_ROW) {
      const row = word & ROW_BITS;
      if (row < this.lastReadable) this.unreadableSuperseded.add(row);
      return false;
    }
    this.lastReadable = word;
    this.readableRows++;
    // Same identity and this one readable: so is the one before, which this one supersedes.
    return same;
  }

  /** The identity walked so far is done (another begins, or the entries end). */
  end(): void {
    if (this.readableRows > 1) this.superseding.add(this.lastReadable);
    this.lastReadable = 0;
    this.readableRows = 0;
  }
}

/** Whether the hashes at a[i] and b[j] are equal (b defaults to a). */
function sameHash(a: Uint32Array, i: number, j: number, b: Uint32Array = a): boolean {
  return a[i] === b[j] && a[i + 1] === b[j + 1] && a[i + 2] === b[j + 2];
}
