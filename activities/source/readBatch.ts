import type { BatchPlan, SourceLayout } from '../../common/plan';
import type { SourceFormat } from '../../common/source';
import type { ByteSource } from './byteSource';
import { BlockChecker, type BlockDigestSlice, type BlockReading } from './blockDigests';
import { assertSameVersion, SourceChangedError } from './errors';
import { RecordAssembler, RecordBounds } from './recordAssembler';
import { sourceRecordParser, type SourceRecord } from './recordParsers';
import { RecordScanner } from './recordScanner';

export interface ReadBatchOptions {
  format: SourceFormat;
  layout: SourceLayout;
  batch: BatchPlan;
  /**
   * The inspection's digests of the blocks the batch touches: its bytes must be the ones inspected.
   * Or, for a batch read before the inspection has written them, a reading that takes their digests.
   */
  digests?: BlockDigestSlice | BlockReading;
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
  const scanner = new RecordScanner({ format: options.format, delimiter: layout.delimiter, startByte: batch.startByte, startLine: batch.firstLine });
  const found = new RecordBounds();
  const records = new RecordAssembler(sourceRecordParser(options.format, layout.header, layout.delimiter), batch.startByte, batch.firstRow);
  const mismatch = (detail: string) => new SourceChangedError(source, `batch ${batch.index + 1} (bytes ${batch.startByte}-${batch.endByte}) ${detail}`);
  const lastRow = batch.firstRow + batch.rowCount - 1;
  const tooMany = () => records.nextRow + found.count - 1 > lastRow;

  // With digests the read widens to whole blocks, each checked as it completes and all of them
  // before the batch's last records go out: a build, which posts nothing before its last record,
  // never sends bytes the inspection did not read.
  const digests = options.digests;
  const check =
    digests === undefined || 'feed' in digests ? digests : new BlockChecker(digests, (at) => mismatch(`reads other bytes than the inspection did, from byte ${at}`));
  const readStart = check ? check.startByte : batch.startByte;
  let at = readStart;
  let bytesRead = 0;
  for await (const read of src.stream(readStart, check ? check.endByte(layout.fingerprint.size) : batch.endByte)) {
    check?.feed(read);
    const chunk = read.subarray(Math.max(0, batch.startByte - at), Math.max(0, batch.endByte - at));
    at += read.length;
    if (chunk.length === 0) continue;
    bytesRead += chunk.length;
    scanner.feed(chunk, found);
    if (tooMany()) throw mismatch(`holds more than the ${batch.rowCount} records it was planned with`);
    yield* records.take(chunk, found, scanner.nextRecordStart);
  }
  if (bytesRead !== batch.endByte - batch.startByte) throw mismatch(`could be read only to byte ${batch.startByte + bytesRead}`);
  check?.finish();

  if (scanner.finish(found)) throw mismatch('ends inside a quoted cell');
  if (found.count > 0) {
    // Only the source's last record may lack a line ending; anywhere else the range was cut short.
    if (batch.endByte !== layout.fingerprint.size) throw mismatch('ends inside a record');
    if (tooMany()) throw mismatch(`holds more than the ${batch.rowCount} records it was planned with`);
    yield* records.takeLast(found);
  }
  if (records.nextRow - 1 !== lastRow) throw mismatch(`holds ${records.nextRow - batch.firstRow} records, planned with ${batch.rowCount}`);
}
