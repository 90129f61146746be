import { isAscii, isUtf8 } from 'node:buffer';
import type { BatchPlan, SourceLayout } from '../../common/plan';
import type { SourceFormat } from '../../common/source';
import type { ByteSource } from './byteSource';
import { assertSameVersion, SourceChangedError } from './errors';
import { csvRecordParser, invalidUtf8Record, ndjsonRecordParser, type RecordParser, type SourceRecord } from './recordParsers';
import { RecordScanner, type RecordSink } from './recordScanner';
import { findInvalidUtf8 } from './utf8';

export interface ReadBatchOptions {
  format: SourceFormat;
  layout: SourceLayout;
  batch: BatchPlan;
}

/**
 * Reads one batch's byte range and yields its records in order. Only [startByte, endByte) is
 * read; memory holds one read chunk plus the record that straddles it. A record that cannot be
 * parsed is yielded with its RecordError; the others are unaffected.
 */
export async function* readBatch(src: ByteSource, options: ReadBatchOptions): AsyncGenerator<SourceRecord> {
  const { layout, batch } = options;
  const source = src.describe();
  assertSameVersion(source, layout.fingerprint, await src.stat());
  const parse = recordParser(options);
  const scanner = new RecordScanner({ format: options.format, delimiter: layout.delimiter, startByte: batch.startByte, startLine: batch.firstLine });
  const found = new RecordBounds();
  const mismatch = (detail: string) => new SourceChangedError(source, `batch ${batch.index} (bytes ${batch.startByte}-${batch.endByte}) ${detail}`);

  // Bytes from `pendingStart` on that belong to records not yet complete.
  let pending: Buffer[] = [];
  let pendingStart = batch.startByte;
  let bytesRead = 0;
  let row = batch.firstRow;
  const lastRow = batch.firstRow + batch.rowCount - 1;

  for await (const chunk of src.stream(batch.startByte, batch.endByte)) {
    bytesRead += chunk.length;
    scanner.feed(chunk, found);
    if (found.count === 0) {
      pending.push(chunk);
      continue;
    }
    if (row + found.count - 1 > lastRow) throw mismatch(`holds more than the ${batch.rowCount} records it was planned with`);
    const window = pending.length === 0 ? chunk : Buffer.concat([...pending, chunk]);
    for (const record of parseRecords(window, pendingStart, found, parse, row)) yield record;
    row += found.count;
    found.count = 0;
    const tail = scanner.nextRecordStart - pendingStart;
    pending = tail < window.length ? [window.subarray(tail)] : [];
    pendingStart = scanner.nextRecordStart;
  }
  if (bytesRead !== batch.endByte - batch.startByte) throw mismatch(`could be read only to byte ${batch.startByte + bytesRead}`);

  if (scanner.finish(found)) throw mismatch('ends inside a quoted cell');
  if (found.count > 0) {
    // Only the source's last record may lack a line ending; anywhere else the range was cut short.
    if (batch.endByte !== layout.fingerprint.size) throw mismatch('ends inside a record');
    if (row + found.count - 1 > lastRow) throw mismatch(`holds more than the ${batch.rowCount} records it was planned with`);
    yield* parseRecords(Buffer.concat(pending), pendingStart, found, parse, row);
    row += found.count;
  }
  if (row - 1 !== lastRow) throw mismatch(`holds ${row - batch.firstRow} records, planned with ${batch.rowCount}`);
}

function recordParser({ format, layout }: ReadBatchOptions): RecordParser {
  if (format === 'ndjson') return ndjsonRecordParser();
  if (!layout.header || !layout.delimiter) throw new TypeError('readBatch: a CSV layout needs its header and delimiter (from inspectSource)');
  return csvRecordParser(layout.header, layout.delimiter);
}

/** Collects the records the scanner finds in one chunk, as parallel arrays reused across chunks. */
class RecordBounds implements RecordSink {
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
 * Decodes and parses the records found in `window` (whose byte 0 is file offset `windowStart`).
 * An ASCII region (most exports) is decoded once; otherwise each record is decoded alone, and
 * checked alone when the region holds invalid UTF-8, so one bad record does not spoil its
 * neighbours.
 */
function* parseRecords(window: Buffer, windowStart: number, found: RecordBounds, parse: RecordParser, firstRow: number): Generator<SourceRecord> {
  const count = found.count;
  const regionStart = (found.starts[0] ?? 0) - windowStart;
  const region = window.subarray(regionStart, (found.ends[count - 1] ?? 0) - windowStart);
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
      yield invalidUtf8Record(start, firstRow + k, line, windowStart + findInvalidUtf8(window, from, to), text);
    }
  }
}
