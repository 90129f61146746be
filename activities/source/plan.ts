import { setImmediate } from 'node:timers/promises';
import type { BatchPlan, PlanCursor, PlanPage, SourceLayout } from '../../common/plan';
import type { SourceFormat } from '../../common/source';
import type { ByteSource } from './byteSource';
import { assertSameVersion, SourceChangedError, unclosedQuoteError } from './errors';
import { RecordScanner, type RecordSink } from './recordScanner';

export interface PlanOptions {
  format: SourceFormat;
  layout: SourceLayout;
  /** Where the previous page stopped; null for the first page. */
  cursor: PlanCursor | null;
  /** Records per batch. */
  batchSize: number;
  /** Batches per page: keeps every page's payload small whatever the file size. */
  maxBatches: number;
}

/** Where the first page starts: the first data record, batch 0. */
export function firstCursor(layout: SourceLayout): PlanCursor {
  return { byte: layout.dataStartByte, row: 1, line: layout.dataStartLine, nextBatchIndex: 0 };
}

/**
 * Plans the next page of batches: streams from the cursor and cuts a batch every `batchSize`
 * records, stopping after `maxBatches`. Batches tile the data: a batch ends where the next
 * one's first record starts, so blank lines after a batch's last record belong to that batch,
 * and the last batch ends at the end of the source.
 */
export async function planBatches(src: ByteSource, options: PlanOptions): Promise<PlanPage> {
  const { layout, batchSize, maxBatches } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  if (!Number.isInteger(maxBatches) || maxBatches < 1) throw new RangeError(`maxBatches must be a positive integer, got ${maxBatches}`);
  const source = src.describe();
  assertSameVersion(source, layout.fingerprint, await src.stat());
  const size = layout.fingerprint.size;
  const cursor = options.cursor ?? firstCursor(layout);
  if (cursor.byte >= size) return { batches: [], next: null };

  const planner = new PagePlanner(cursor, batchSize, maxBatches);
  const scanner = new RecordScanner({ format: options.format, delimiter: layout.delimiter, startByte: cursor.byte, startLine: cursor.line });
  let bytesRead = 0;
  for await (const chunk of src.stream(cursor.byte, size)) {
    bytesRead += chunk.length;
    if (!scanner.feed(chunk, planner)) return planner.page();
    // A page runs on the main thread beside the batches in flight, and chunks already read come
    // without a turn of the event loop: scanning 64 MB in one go held their answers ~0.2 s.
    await setImmediate();
  }
  if (cursor.byte + bytesRead !== size) {
    throw new SourceChangedError(source, `expected ${size} bytes, the read ended at byte ${cursor.byte + bytesRead}`);
  }
  const open = scanner.finish(planner);
  if (open) throw unclosedQuoteError(source, open);
  return planner.lastPage(size);
}

class PagePlanner implements RecordSink {
  private readonly batches: BatchPlan[] = [];
  private open: BatchPlan | undefined;
  private nextRow: number;
  private nextIndex: number;
  private next: PlanCursor | null = null;

  constructor(
    cursor: PlanCursor,
    private readonly batchSize: number,
    private readonly maxBatches: number,
  ) {
    this.nextRow = cursor.row;
    this.nextIndex = cursor.nextBatchIndex;
  }

  record(start: number, _contentEnd: number, end: number, line: number): boolean {
    if (this.open && this.open.rowCount === this.batchSize) {
      this.open.endByte = start;
      this.batches.push(this.open);
      this.open = undefined;
      if (this.batches.length === this.maxBatches) {
        this.next = { byte: start, row: this.nextRow, line, nextBatchIndex: this.nextIndex };
        return false;
      }
    }
    this.open ??= { index: this.nextIndex++, startByte: start, endByte: end, firstRow: this.nextRow, firstLine: line, rowCount: 0 };
    this.open.rowCount++;
    this.open.endByte = end;
    this.nextRow++;
    return true;
  }

  /** A page that stopped because it is full. */
  page(): PlanPage {
    return { batches: this.batches, next: this.next };
  }

  /** The source ended: the open batch runs to its end, trailing blank lines included. */
  lastPage(size: number): PlanPage {
    // The final record (one without a line ending) may itself have filled the page.
    if (this.next) return this.page();
    if (this.open) {
      this.open.endByte = size;
      this.batches.push(this.open);
      this.open = undefined;
    }
    return { batches: this.batches, next: null };
  }
}
