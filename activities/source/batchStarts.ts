import type { FileHandle } from 'node:fs/promises';
import type { BatchPlan, PlanPage } from '../../common/plan';
import { openIfPresent, writeWhole } from '../wholeFiles';
import { firstCursor, type PlanOptions } from './plan';

/**
 * Where every batch of one size starts, noted by the inspection while it counts the records, so
 * that a plan page is a small read of a file instead of a second scan of the source: on the worker's
 * main thread that scan held the answers of the batches in flight (a 64 MB page took 0.2 to 0.5 s),
 * and for a URL it was a second download.
 *
 * The file: float64 LE values, the record count, then (start byte, line) of each batch in order.
 * Named for the batch size and the content hash, so a page is only ever planned from the starts of
 * exactly the bytes the import inspected; without the file, pages are scanned as before.
 */
export class BatchStarts {
  /** Beyond this many batches (16 MB of starts) the starts are not kept: pages are scanned. */
  static readonly MAX_BATCHES = 1_000_000;
  private values = new Float64Array(2 * 1024);
  private count = 0;
  private overflowed = false;

  constructor(readonly batchSize: number) {}

  /** Data record `record` (0-based, in file order) starts at `byte`, on `line`. */
  note(record: number, byte: number, line: number): void {
    if (record % this.batchSize !== 0 || this.overflowed) return;
    if (this.count === BatchStarts.MAX_BATCHES) {
      this.overflowed = true;
      this.values = new Float64Array(0);
      return;
    }
    if (2 * this.count + 2 > this.values.length) {
      const bigger = new Float64Array(this.values.length * 2);
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values[2 * this.count] = byte;
    this.values[2 * this.count + 1] = line;
    this.count++;
  }

  /** The file's bytes for a source of `totalRows` records; undefined when there were too many batches to keep. */
  bytes(totalRows: number): Buffer | undefined {
    if (this.overflowed) return undefined;
    const bytes = Buffer.alloc(8 * (1 + 2 * this.count));
    bytes.writeDoubleLE(totalRows, 0);
    for (let i = 0; i < 2 * this.count; i++) bytes.writeDoubleLE(this.values[i] as number, 8 * (i + 1));
    return bytes;
  }
}

/** Writes the starts the inspection noted; nothing when there were too many to keep. */
export async function writeBatchStarts(file: string, starts: BatchStarts, totalRows: number): Promise<void> {
  const bytes = starts.bytes(totalRows);
  if (bytes !== undefined) await writeWhole(file, bytes);
}

/** What a page read from the starts needs: a scanned page's options but the format. */
export type PagedFromStarts = Omit<PlanOptions, 'format'>;

/**
 * The page `planBatches` would scan, read from the starts file: undefined when there is no file or
 * the cursor is not at a batch start it names (then the page is scanned).
 */
export async function planFromBatchStarts(file: string, options: PagedFromStarts): Promise<PlanPage | undefined> {
  const { layout, batchSize, maxBatches } = options;
  const cursor = options.cursor ?? firstCursor(layout);
  const handle = await openIfPresent(file);
  if (handle === undefined) return undefined;
  try {
    const header = await readDoubles(handle, 0, 1);
    if (header === undefined) return undefined;
    const totalRows = header[0] as number;
    const batches = Math.ceil(totalRows / batchSize);
    const first = cursor.nextBatchIndex;
    if (first >= batches) return cursor.row > totalRows ? { batches: [], next: null } : undefined;
    const count = Math.min(maxBatches, batches - first);
    // One start more than the page holds: where its last batch ends and the next page begins.
    const starts = await readDoubles(handle, 1 + 2 * first, 2 * Math.min(count + 1, batches - first));
    if (starts === undefined) return undefined;
    if (starts[0] !== cursor.byte || starts[1] !== cursor.line || cursor.row !== first * batchSize + 1) return undefined;
    const plans: BatchPlan[] = [];
    for (let i = 0; i < count; i++) {
      const index = first + i;
      const last = index === batches - 1;
      plans.push({
        index,
        startByte: starts[2 * i] as number,
        endByte: last ? layout.fingerprint.size : (starts[2 * i + 2] as number),
        firstRow: index * batchSize + 1,
        firstLine: starts[2 * i + 1] as number,
        rowCount: last ? totalRows - index * batchSize : batchSize,
      });
    }
    const next = first + count;
    if (next === batches) return { batches: plans, next: null };
    return { batches: plans, next: { byte: starts[2 * count] as number, row: next * batchSize + 1, line: starts[2 * count + 1] as number, nextBatchIndex: next } };
  } finally {
    await handle.close();
  }
}

/** `count` values from value `at` on; undefined when the file ends first (cut short: the page is scanned). */
async function readDoubles(handle: FileHandle, at: number, count: number): Promise<number[] | undefined> {
  const bytes = Buffer.alloc(8 * count);
  const { bytesRead } = await handle.read(bytes, 0, bytes.length, 8 * at);
  if (bytesRead !== bytes.length) return undefined;
  return Array.from({ length: count }, (_, i) => bytes.readDoubleLE(8 * i));
}
