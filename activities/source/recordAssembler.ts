import { isAscii, isUtf8 } from 'node:buffer';
import type { ByteRecordParser, RecordParser, SourceRecord } from './recordParsers';
import type { RecordSink } from './recordScanner';
import { findInvalidUtf8 } from './utf8';

/** Collects the records the scanner finds in one chunk, as parallel arrays reused across chunks. */
export class RecordBounds implements RecordSink {
  count = 0;
  readonly starts: number[] = [];
  readonly contentEnds: number[] = [];
  readonly ends: number[] = [];
  readonly lines: number[] = [];

  record(start: number, contentEnd: number, end: number, line: number): boolean {
    const k = this.count++;
    this.starts[k] = start;
    this.contentEnds[k] = contentEnd;
    this.ends[k] = end;
    this.lines[k] = line;
    return true;
  }
}

/**
 * Turns the records a RecordScanner found into SourceRecords (or what its parser makes of them).
 * It is handed every chunk right after the scanner has been fed it, and keeps only the bytes of
 * the record not yet complete, so memory is one chunk plus the record that straddles it. Batch
 * reading and inspection share it.
 */
export class RecordAssembler<R = SourceRecord> {
  /** Parses the records; may be set late (inspection knows the CSV header only once it has read it). */
  parser: RecordParser<R> | undefined;
  /** Bytes from `pendingStart` on that belong to records not yet complete. */
  private pending: Buffer[] = [];
  private pendingStart: number;
  private row: number;

  /** `startByte` is the file offset of the first chunk handed over; `firstRow` the number of the first record. */
  constructor(parser: RecordParser<R> | undefined, startByte: number, firstRow: number) {
    this.parser = parser;
    this.pendingStart = startByte;
    this.row = firstRow;
  }

  /** Number the next record will get. */
  get nextRow(): number {
    return this.row;
  }

  /**
   * The records completed by `chunk` (found.count of them, then reset to 0). `nextRecordStart` is
   * the scanner's: bytes before it (records, blank lines, a header) are let go. Consume the
   * generator to the end before the next chunk is fed.
   */
  *take(chunk: Buffer, found: RecordBounds, nextRecordStart: number): Generator<R> {
    if (found.count === 0 && nextRecordStart === this.pendingStart) {
      // Inside a long record: keep the chunk, concatenate once the record is complete.
      this.pending.push(chunk);
      return;
    }
    const window = this.pending.length === 0 ? chunk : Buffer.concat([...this.pending, chunk]);
    if (found.count > 0) yield* this.parseFound(window, found);
    const tail = nextRecordStart - this.pendingStart;
    this.pending = tail < window.length ? [window.subarray(tail)] : [];
    this.pendingStart = nextRecordStart;
  }

  /** After the scanner's finish(found): the last record, which has no line ending (if any). */
  *takeLast(found: RecordBounds): Generator<R> {
    if (found.count === 0) return;
    yield* this.parseFound(Buffer.concat(this.pending), found);
    this.pending = [];
  }

  private *parseFound(window: Buffer, found: RecordBounds): Generator<R> {
    const parser = this.parser;
    if (parser === undefined) throw new Error('RecordAssembler: records found before a parser was set');
    const count = found.count;
    yield* parseRecords(window, this.pendingStart, found, parser, this.row);
    this.row += count;
    found.count = 0;
  }
}

/**
 * Decodes and parses the records found in `window` (whose byte 0 is file offset `windowStart`).
 * An ASCII region (most exports) is decoded once; otherwise each record is decoded alone, and
 * checked alone when the region holds invalid UTF-8, so one bad record does not spoil its
 * neighbours.
 */
function* parseRecords<R>(window: Buffer, windowStart: number, found: RecordBounds, parse: RecordParser<R>, firstRow: number): Generator<R> {
  const count = found.count;
  const regionStart = (found.starts[0] ?? 0) - windowStart;
  const region = window.subarray(regionStart, (found.ends[count - 1] ?? 0) - windowStart);
  if ('parseBytes' in parse) {
    yield* parseRecordBytes(window, windowStart, found, parse, firstRow, isUtf8(region));
    return;
  }
  if (isAscii(region)) {
    // One decode for the whole region; records are cut out of it by offset.
    parse.use(region.toString('latin1'));
    for (let k = 0; k < count; k++) {
      const start = found.starts[k] ?? 0;
      const from = start - windowStart - regionStart;
      const to = (found.contentEnds[k] ?? 0) - windowStart - regionStart;
      yield parse.parse(from, to, start, firstRow + k, found.lines[k] ?? 0);
    }
    return;
  }
  // Decoding each record alone measured faster than decoding once and mapping byte offsets.
  const allValid = isUtf8(region);
  for (let k = 0; k < count; k++) {
    const start = found.starts[k] ?? 0;
    const line = found.lines[k] ?? 0;
    const from = start - windowStart;
    const to = (found.contentEnds[k] ?? 0) - windowStart;
    const text = window.toString('utf8', from, to);
    if (allValid || isUtf8(window.subarray(from, to))) {
      parse.use(text);
      yield parse.parse(0, text.length, start, firstRow + k, line);
    } else {
      yield parse.invalidUtf8(start, firstRow + k, line, windowStart + findInvalidUtf8(window, from, to), text);
    }
  }
}

/** parseRecords for a parser that reads bytes: only a record in a region that is not all valid UTF-8 is checked alone. */
function* parseRecordBytes<R>(window: Buffer, windowStart: number, found: RecordBounds, parse: ByteRecordParser<R>, firstRow: number, allValid: boolean): Generator<R> {
  for (let k = 0; k < found.count; k++) {
    const start = found.starts[k] ?? 0;
    const line = found.lines[k] ?? 0;
    const from = start - windowStart;
    const to = (found.contentEnds[k] ?? 0) - windowStart;
    if (allValid || isUtf8(window.subarray(from, to))) yield parse.parseBytes(window, from, to, start, firstRow + k, line);
    else yield parse.invalidUtf8(start, firstRow + k, line, windowStart + findInvalidUtf8(window, from, to), window.toString('utf8', from, to));
  }
}
