import { createHash } from 'node:crypto';
import type { SourceLayout } from '../../common/plan';
import type { Delimiter, Fingerprint, SourceFormat } from '../../common/source';
import type { BatchStarts } from './batchStarts';
import type { BlockDigester } from './blockDigests';
import type { ByteSource } from './byteSource';
import { detectDelimiter } from './delimiter';
import { assertSameVersion, MAX_BYTES_PER_ROW, MAX_LINES_PER_ROW, rowTooLargeError, rowTooLongError, SourceChangedError, SourceFormatError, unclosedQuoteError } from './errors';
import { checkLongNdjsonStart, checkMagicBytes, checkNdjsonStart, readCsvHeader, type FirstRecord } from './headerChecks';
import { RecordAssembler, RecordBounds } from './recordAssembler';
import type { RecordParser, SourceRecord } from './recordParsers';
import { LF, RecordScanner, type RecordSink } from './recordScanner';

export interface SourceInspection {
  layout: SourceLayout;
  /** Data records (the CSV header excluded, blank lines excluded). */
  totalRows: number;
  blankLines: number;
}

/** What a pass does with its data records: how it parses them, and who receives them in file order. */
export interface RecordReader<R = SourceRecord> {
  parser: RecordParser<R>;
  visit(record: R): void;
}

export interface InspectOptions<R = SourceRecord> {
  format: SourceFormat;
  /** CSV: the delimiter to use; detected from the header line when omitted. */
  delimiter?: Delimiter;
  /**
   * Also parse every data record during the same pass and hand it over. Called once, when the
   * header and the delimiter are known (CSV; undefined for NDJSON) and before any record is
   * handed over. `sourceRecordParser` parses records as readBatch does. Without it records are
   * only counted, which is much cheaper.
   */
  records?: (header: string[] | undefined, delimiter: Delimiter | undefined) => RecordReader<R>;
  /** Also takes the digests of the source's blocks, which batches check their bytes against. */
  digester?: BlockDigester;
  /** Also notes where every batch of its size starts, which plan pages are then read from. */
  batchStarts?: BatchStarts;
  /**
   * Called once, as soon as the layout is known but for the content hash (its sha256 empty): at the
   * first data record, after the header checks and the `records` reader (with its own checks). Lets
   * a caller start on the first batches while the pass reads the rest.
   */
  onLayout?: (layout: SourceLayout) => void;
}

/**
 * The CSV header must end within this many bytes. Without a bound, a file with no line ending
 * (or a quote opened in the header and never closed) would be held in memory whole.
 */
export const MAX_HEADER_BYTES = 1024 * 1024;

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * One streaming pass over the whole source: sha256, size, BOM, delimiter, header, where the data
 * starts and how many records it holds. Only the bytes up to the end of the first record are
 * kept; every other chunk is hashed, scanned and dropped.
 */
export async function inspectSource<R = SourceRecord>(src: ByteSource, options: InspectOptions<R>): Promise<SourceInspection> {
  const source = src.describe();
  const before = await src.stat();
  if (before.size === 0) {
    throw new SourceFormatError('empty', `${source} is empty (0 bytes). Export the data again: ${expectation(options.format)}.`);
  }
  const hash = createHash('sha256');
  const pass = new InspectionPass(source, options, { size: before.size, version: before.version, sha256: '' });
  let bytesRead = 0;
  for await (const chunk of src.stream(0)) {
    hash.update(chunk);
    options.digester?.feed(chunk);
    bytesRead += chunk.length;
    pass.feed(chunk);
  }
  const after = await src.stat();
  if (bytesRead !== before.size) {
    throw new SourceChangedError(source, `${before.size} bytes when the read began, ${bytesRead} bytes read`);
  }
  const fingerprint: Fingerprint = { size: before.size, version: before.version, sha256: hash.digest('hex') };
  assertSameVersion(source, fingerprint, after);
  return pass.finish(fingerprint);
}

function expectation(format: SourceFormat): string {
  return format === 'csv' ? 'a CSV file needs at least a header line' : 'an NDJSON file needs one JSON object per line';
}

class InspectionPass<R> implements RecordSink {
  /** Bytes from offset 0, kept only until the first record has been checked. */
  private prefix: Buffer[] | undefined = [];
  private prefixLength = 0;
  private prefixHasLf = false;
  private scanner: RecordScanner | undefined;
  private hasBom = false;
  private delimiter: Delimiter | undefined;
  private first: FirstRecord | undefined;
  private header: string[] | undefined;
  private rows = 0;
  private dataStart: { byte: number; line: number } | undefined;
  /** Only with `options.records`: the data records found in the chunk being fed, and their parsing. */
  private readonly found: RecordBounds | undefined;
  private assembler: RecordAssembler<R> | undefined;
  private visit: ((record: R) => void) | undefined;
  private announced = false;

  constructor(
    private readonly source: string,
    private readonly options: InspectOptions<R>,
    /** The fingerprint before the content hash: what `onLayout` tells. */
    private readonly unhashed: Fingerprint,
  ) {
    this.delimiter = options.delimiter;
    this.found = options.records ? new RecordBounds() : undefined;
  }

  feed(chunk: Buffer): void {
    if (this.prefix) {
      this.prefix.push(chunk);
      this.prefixLength += chunk.length;
      if (!this.scanner && !this.prefixHasLf) this.prefixHasLf = chunk.includes(LF);
    }
    if (this.scanner) {
      this.scanner.feed(chunk, this);
      this.stopRunawayRow(this.scanner);
      this.checkFirstRecord();
      this.handOver(chunk);
      this.announce();
    } else if (this.readyToStart()) {
      this.start();
    }
  }

  record(start: number, contentEnd: number, end: number, line: number): boolean {
    const lines = (this.scanner as RecordScanner).nextRecordLine - line;
    if (lines > MAX_LINES_PER_ROW) throw rowTooLongError(this.source, { line, byteOffset: start }, lines, false);
    if (contentEnd - start > MAX_BYTES_PER_ROW) throw rowTooLargeError(this.source, { line, byteOffset: start }, contentEnd - start, false);
    if (!this.first) {
      this.first = { start, contentEnd, line };
      if (this.options.format === 'csv') return true;
    }
    this.dataStart ??= { byte: start, line };
    this.options.batchStarts?.note(this.rows, start, line);
    this.rows++;
    this.found?.record(start, contentEnd, end, line);
    return true;
  }

  finish(fingerprint: Fingerprint): SourceInspection {
    if (!this.scanner) this.start();
    const scanner = this.scanner as RecordScanner;
    const open = scanner.finish(this);
    if (open) throw unclosedQuoteError(this.source, open);
    this.checkFirstRecord();
    if (this.options.format === 'csv' && !this.header) {
      throw new SourceFormatError(
        'header_missing',
        `${this.source} has no header line (it holds only blank lines). A CSV file must start with its column names.`,
        { line: 1 },
      );
    }
    if (this.found && this.assembler) {
      // A file of blank lines only (NDJSON) has no first record: the visitor is still asked for.
      this.visit ??= this.startVisiting();
      for (const record of this.assembler.takeLast(this.found)) this.visit(record);
    }
    return { layout: this.layout(fingerprint, scanner), totalRows: this.rows, blankLines: scanner.blankLines };
  }

  private layout(fingerprint: Fingerprint, scanner: RecordScanner): SourceLayout {
    const layout: SourceLayout = {
      fingerprint,
      dataStartByte: this.dataStart?.byte ?? scanner.nextRecordStart,
      dataStartLine: this.dataStart?.line ?? scanner.nextRecordLine,
      hasBom: this.hasBom,
    };
    if (this.options.format === 'csv') {
      layout.delimiter = this.delimiter;
      layout.header = this.header;
    }
    return layout;
  }

  /** Tells `onLayout` the layout once the first data record is in and everything before it checked. */
  private announce(): void {
    const { onLayout, records, format } = this.options;
    if (this.announced || !onLayout || !this.scanner || !this.dataStart) return;
    if ((format === 'csv' && !this.header) || (records && !this.visit)) return;
    this.announced = true;
    onLayout(this.layout(this.unhashed, this.scanner));
  }

  /** The first bytes must be in before the BOM and magic numbers can be judged, and the header line before its delimiter. */
  private readyToStart(): boolean {
    if (this.prefixLength < 4) return false;
    if (this.options.format === 'ndjson' || this.delimiter) return true;
    return this.prefixHasLf || this.prefixLength > MAX_HEADER_BYTES;
  }

  private start(): void {
    const bytes = Buffer.concat(this.prefix ?? []);
    this.prefix = [bytes];
    checkMagicBytes(this.source, bytes);
    this.hasBom = bytes.subarray(0, 3).equals(BOM);
    const dataStart = this.hasBom ? 3 : 0;
    if (this.hasBom && bytes.length === 3) {
      throw new SourceFormatError(
        'bom_only',
        `${this.source} holds only a UTF-8 byte order mark (3 bytes) and no data. Export the data again.`,
        { line: 1, byteOffset: 0 },
      );
    }
    if (this.options.format === 'csv' && !this.delimiter) {
      const guess = detectDelimiter(bytes, dataStart);
      if (!guess.complete && bytes.length > MAX_HEADER_BYTES) throw this.headerTooLong();
      this.delimiter = guess.delimiter;
    }
    this.scanner = new RecordScanner({ format: this.options.format, delimiter: this.delimiter, startByte: dataStart, startLine: 1 });
    if (this.found) this.assembler = new RecordAssembler<R>(undefined, dataStart, 1);
    const fed = bytes.subarray(dataStart);
    this.scanner.feed(fed, this);
    this.checkFirstRecord();
    this.handOver(fed);
    this.announce();
  }

  /**
   * A stray quote makes the rest of the file one cell, which the pass would only notice at the
   * end, or, when a second stray quote closes it, never: a row spanning thousands of lines stops
   * the pass as soon as it has, not after reading on to the end of a large file.
   */
  private stopRunawayRow(scanner: RecordScanner): void {
    const lines = scanner.currentLine - scanner.nextRecordLine;
    const row = { line: scanner.nextRecordLine, byteOffset: scanner.nextRecordStart };
    if (lines > MAX_LINES_PER_ROW && scanner.openQuote) throw rowTooLongError(this.source, row, lines, true);
    // Its bytes are kept until it ends: a row with no end in sight would fill the memory first. A
    // CSV header that long is told as one (header_too_long).
    const dataRow = this.first !== undefined || this.options.format === 'ndjson';
    if (dataRow && scanner.openRecordBytes > MAX_BYTES_PER_ROW) throw rowTooLargeError(this.source, row, scanner.openRecordBytes, true);
  }

  /** With `options.records`: parses the data records the chunk just fed completed and visits them. */
  private handOver(chunk: Buffer): void {
    const { found, assembler, scanner } = this;
    if (!found || !assembler || !scanner) return;
    if (found.count > 0) this.visit ??= this.startVisiting();
    const visit = this.visit;
    for (const record of assembler.take(chunk, found, scanner.nextRecordStart)) visit?.(record);
  }

  /** The first record has been checked (the CSV header is known): records can be parsed now. */
  private startVisiting(): (record: R) => void {
    const csv = this.options.format === 'csv';
    const reader = (this.options.records as NonNullable<InspectOptions<R>['records']>)(csv ? this.header : undefined, csv ? this.delimiter : undefined);
    (this.assembler as RecordAssembler<R>).parser = reader.parser;
    return (record) => reader.visit(record);
  }

  /** Runs once the first record is complete, then lets the kept bytes go. */
  private checkFirstRecord(): void {
    if (!this.prefix) return;
    if (this.first) {
      const bytes = this.prefix.length === 1 ? (this.prefix[0] as Buffer) : Buffer.concat(this.prefix);
      this.prefix = undefined;
      if (this.options.format === 'csv') {
        this.header = readCsvHeader(this.source, bytes, this.first, this.delimiter ?? ',');
      } else {
        checkNdjsonStart(this.source, bytes, this.first);
      }
    } else if (this.prefixLength > MAX_HEADER_BYTES) {
      if (this.options.format === 'csv') throw this.headerTooLong();
      // An NDJSON first line this long is no lone "[" or "{"; only an array's opening is left to check.
      const scanner = this.scanner as RecordScanner;
      checkLongNdjsonStart(this.source, Buffer.concat(this.prefix), { line: scanner.nextRecordLine, byteOffset: scanner.nextRecordStart });
      this.prefix = undefined;
    }
  }

  private headerTooLong(): SourceFormatError {
    const open = this.scanner?.openQuote;
    const quote = open ? ` A quote opened at line ${open.line} (byte ${open.byteOffset}) is still open.` : '';
    return new SourceFormatError(
      'header_too_long',
      `${this.source}: the header line does not end within its first ${MAX_HEADER_BYTES} bytes.${quote} ` +
        `Is this a CSV file with a header line and line endings?`,
      open ? { line: open.line, byteOffset: open.byteOffset } : { line: 1 },
    );
  }
}
