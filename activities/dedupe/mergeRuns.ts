import { rmSync } from 'node:fs';
import { RunReader, RunWriter } from './runFiles';

/** Receives the merged records in order: the record is words [at, at + width) of `words`. */
export type RecordSinkFn = (words: Uint32Array, at: number) => void;

export interface MergeOptions {
  width: number;
  /** Most runs read at once; more are merged in rounds through intermediate runs. */
  fanIn: number;
  /** Names a new intermediate run file. */
  newRunFile: () => string;
  /** Called between blocks of work (heartbeats); the merge also yields to the event loop then. */
  onProgress?: () => void;
}

/** Records merged between two yields to the event loop. */
const RECORDS_PER_YIELD = 1 << 20;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Merges sorted runs (records compared word by word as unsigned integers) into one sorted stream.
 * Memory is one block per run read at once, whatever the number or size of the runs: with more
 * than `fanIn` runs, groups of `fanIn` are first merged into intermediate runs. Consumed run files
 * are deleted as soon as they are merged.
 */
export async function mergeRuns(files: readonly string[], options: MergeOptions, emit: RecordSinkFn): Promise<void> {
  if (options.fanIn < 2) throw new RangeError('fanIn must be at least 2');
  let runs = [...files];
  while (runs.length > options.fanIn) {
    const next: string[] = [];
    for (let i = 0; i < runs.length; i += options.fanIn) {
      const group = runs.slice(i, i + options.fanIn);
      if (group.length === 1) {
        next.push(group[0] as string);
        continue;
      }
      const writer = new RunWriter(options.newRunFile(), options.width);
      try {
        await mergeGroup(group, options, (words, at) => writer.push(words, at));
      } finally {
        writer.close();
      }
      next.push(writer.file);
    }
    runs = next;
  }
  await mergeGroup(runs, options, emit);
}

async function mergeGroup(files: readonly string[], options: MergeOptions, emit: RecordSinkFn): Promise<void> {
  const { width } = options;
  const readers: RunReader[] = [];
  try {
    for (const file of files) readers.push(new RunReader(file, width));
    const heap = new ReaderHeap(readers.filter((r) => r.hasRecord), width);
    let sinceYield = 0;
    while (heap.size > 0) {
      const top = heap.top;
      emit(top.block, top.position);
      top.advance();
      if (top.hasRecord) heap.siftDownTop();
      else heap.popTop();
      if (++sinceYield === RECORDS_PER_YIELD) {
        sinceYield = 0;
        options.onProgress?.();
        await yieldToEventLoop();
      }
    }
  } finally {
    for (const reader of readers) reader.close();
    for (const file of files) rmSync(file, { force: true });
  }
}

/** Compares the current records of two readers word by word, as unsigned integers. */
function compareCurrent(a: RunReader, b: RunReader, width: number): number {
  for (let w = 0; w < width; w++) {
    const x = a.block[a.position + w] as number;
    const y = b.block[b.position + w] as number;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** A binary min-heap of readers by their current record. */
class ReaderHeap {
  private readonly items: RunReader[];

  constructor(
    readers: RunReader[],
    private readonly width: number,
  ) {
    this.items = readers;
    for (let i = (this.items.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  get size(): number {
    return this.items.length;
  }

  get top(): RunReader {
    return this.items[0] as RunReader;
  }

  /** The top reader advanced: restore the order. */
  siftDownTop(): void {
    this.siftDown(0);
  }

  /** The top reader is exhausted: drop it. */
  popTop(): void {
    const last = this.items.pop() as RunReader;
    if (this.items.length > 0) {
      this.items[0] = last;
      this.siftDown(0);
    }
  }

  private siftDown(index: number): void {
    const items = this.items;
    const n = items.length;
    let i = index;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) return;
      const right = left + 1;
      let smallest = left;
      if (right < n && compareCurrent(items[right] as RunReader, items[left] as RunReader, this.width) < 0) smallest = right;
      if (compareCurrent(items[smallest] as RunReader, items[i] as RunReader, this.width) >= 0) return;
      const swap = items[i] as RunReader;
      items[i] = items[smallest] as RunReader;
      items[smallest] = swap;
      i = smallest;
    }
  }
}
