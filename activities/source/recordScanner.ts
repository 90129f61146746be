import type { Delimiter } from '../../common/source';
import type { OpenQuote } from './errors';

export const LF = 0x0a;
export const CR = 0x0d;
export const QUOTE = 0x22;
const SPACE = 0x20;
const TAB = 0x09;

/** Receives each non-blank record as absolute byte offsets. */
export interface RecordSink {
  /**
   * A record occupies [start, end) including its line ending; its content ends at contentEnd
   * (before CRLF or LF). `line` is the physical line it starts on. Return false to stop scanning.
   */
  record(start: number, contentEnd: number, end: number, line: number): boolean;
}

export interface RecordScannerOptions {
  format: 'csv' | 'ndjson';
  /** CSV only: a quote opens a quoted field only right after this delimiter or at a record start. */
  delimiter?: Delimiter;
  /** Absolute offset of the first byte that will be fed; it must be the start of a record. */
  startByte: number;
  /** Physical line (1-based) that starts at startByte. */
  startLine: number;
}

/**
 * The one record-boundary state machine. Inspection, planning and batch reading all find
 * records with it, so they cannot disagree on where a record starts or ends.
 *
 * CSV: a record ends at an LF outside quotes; a quote opens a quoted field only at the start of
 * a field; inside quotes `""` is an escaped quote and LFs belong to the cell. NDJSON: a record
 * ends at every LF (JSON strings cannot hold a raw newline). Blank lines are not records: for
 * CSV zero bytes between line endings, for NDJSON only JSON whitespace; they are counted.
 *
 * Bytes are scanned, never decoded: outside quotes the scanner jumps with `indexOf` to the next
 * quote or LF, caching both positions so each byte is searched once per chunk; inside quotes a
 * byte loop finds the closing quote (quoted cells are short as a rule, and a call costs more).
 */
export class RecordScanner {
  /** Blank lines seen so far. */
  blankLines = 0;

  private readonly quoteAware: boolean;
  private readonly delimiter: number;
  /** Absolute offset of the next byte to be fed. */
  private position: number;
  private line: number;
  private recordStart: number;
  private recordLine: number;
  private inQuotes = false;
  /** A quote was the last byte of a chunk inside quotes: the next byte tells escape from close. */
  private quotePending = false;
  private quoteOpenedAt = 0;
  private quoteOpenedLine = 0;
  /** Last byte of the previous chunk, for CRLF and field starts that straddle chunks. */
  private previousByte = -1;
  /** NDJSON: the current record has a non-whitespace byte so far. */
  private recordHasContent = false;
  private stopped = false;

  constructor(options: RecordScannerOptions) {
    this.quoteAware = options.format === 'csv';
    this.delimiter = (options.delimiter ?? ',').charCodeAt(0);
    this.position = options.startByte;
    this.recordStart = options.startByte;
    this.line = options.startLine;
    this.recordLine = options.startLine;
  }

  /** Where the next record starts (blank lines already skipped only once a record follows them). */
  get nextRecordStart(): number {
    return this.recordStart;
  }

  get nextRecordLine(): number {
    return this.recordLine;
  }

  /** Bytes of the record being scanned, which has not ended yet. */
  get openRecordBytes(): number {
    return this.position - this.recordStart;
  }

  /** The physical line at the scan position. */
  get currentLine(): number {
    return this.line;
  }

  /** The quote that is open at the current position, if any. */
  get openQuote(): OpenQuote | undefined {
    return this.inQuotes && !this.quotePending ? { byteOffset: this.quoteOpenedAt, line: this.quoteOpenedLine } : undefined;
  }

  /** Scans the next chunk of the source. Returns false when the sink asked to stop. */
  feed(chunk: Buffer, sink: RecordSink): boolean {
    if (this.stopped) throw new Error('RecordScanner: feed after the sink stopped it');
    const length = chunk.length;
    if (length === 0) return true;
    const base = this.position;
    let i = 0;
    if (this.quotePending) {
      this.quotePending = false;
      if (chunk[0] === QUOTE) i = 1;
      else this.inQuotes = false;
    }
    // Outside quotes, both caches hold the first LF / quote at or after some index <= i (length when none).
    let nextLf = -1;
    let nextQuote = this.quoteAware ? -1 : length;
    while (i < length) {
      if (this.inQuotes) {
        // Quoted cells are short as a rule: a plain loop beats calling indexOf for each quote.
        let q = i;
        for (; q < length; q++) {
          const b = chunk[q];
          if (b === QUOTE) break;
          if (b === LF) this.line++;
        }
        if (q === length) break;
        if (q + 1 === length) {
          this.quotePending = true;
          break;
        }
        const after = chunk[q + 1];
        if (after === QUOTE) {
          i = q + 2;
        } else if (after === this.delimiter && chunk[q + 2] === QUOTE) {
          // `","`: the next field is quoted too (typical of exports that quote every cell).
          this.quoteOpenedAt = base + q + 2;
          this.quoteOpenedLine = this.line;
          i = q + 3;
        } else {
          this.inQuotes = false;
          i = q + 1;
        }
        continue;
      }
      if (nextLf < i) nextLf = indexOrLength(chunk, LF, i);
      if (nextQuote < i) nextQuote = nearIndexOrLength(chunk, QUOTE, i);
      if (nextLf < nextQuote) {
        if (!this.endRecord(chunk, base, nextLf, sink)) {
          this.stopped = true;
          return false;
        }
        i = nextLf + 1;
      } else if (nextQuote < length) {
        const q = nextQuote;
        const before = q > 0 ? chunk[q - 1] : this.previousByte;
        if (base + q === this.recordStart || before === this.delimiter) {
          this.inQuotes = true;
          this.quoteOpenedAt = base + q;
          this.quoteOpenedLine = this.line;
        }
        i = q + 1;
      } else {
        break;
      }
    }
    if (!this.quoteAware && !this.recordHasContent) {
      this.recordHasContent = hasNonWhitespace(chunk, Math.max(this.recordStart - base, 0), length);
    }
    this.previousByte = chunk[length - 1] ?? -1;
    this.position = base + length;
    return true;
  }

  /**
   * The source ended: emits a final record that has no line ending. Returns the quote that is
   * still open, if any (the caller decides what that means), and emits nothing in that case.
   */
  finish(sink: RecordSink): OpenQuote | undefined {
    const open = this.openQuote;
    if (open) return open;
    this.inQuotes = false;
    this.quotePending = false;
    const start = this.recordStart;
    const end = this.position;
    if (start >= end || this.stopped) return undefined;
    // A lone CR at the very end is taken as the line ending of a CRLF file cut short.
    const contentEnd = this.previousByte === CR ? end - 1 : end;
    const blank = this.quoteAware ? contentEnd === start : !this.recordHasContent;
    const line = this.recordLine;
    this.recordStart = end;
    this.recordLine = this.line;
    if (blank) {
      this.blankLines++;
      return undefined;
    }
    if (!sink.record(start, contentEnd, end, line)) this.stopped = true;
    return undefined;
  }

  private endRecord(chunk: Buffer, base: number, lfIndex: number, sink: RecordSink): boolean {
    const lf = base + lfIndex;
    const start = this.recordStart;
    const line = this.recordLine;
    const before = lfIndex > 0 ? chunk[lfIndex - 1] : this.previousByte;
    const contentEnd = before === CR && lf - 1 >= start ? lf - 1 : lf;
    let blank: boolean;
    if (this.quoteAware) {
      blank = contentEnd === start;
    } else {
      blank = !this.recordHasContent && !hasNonWhitespace(chunk, Math.max(start - base, 0), lfIndex);
      this.recordHasContent = false;
    }
    this.line++;
    this.recordStart = lf + 1;
    this.recordLine = this.line;
    if (blank) {
      this.blankLines++;
      return true;
    }
    return sink.record(start, contentEnd, lf + 1, line);
  }
}

function indexOrLength(chunk: Buffer, byte: number, from: number): number {
  const found = chunk.indexOf(byte, from);
  return found === -1 ? chunk.length : found;
}

/** Where quotes are dense (every cell quoted) a short loop beats the cost of calling indexOf. */
const NEAR_BYTES = 32;

function nearIndexOrLength(chunk: Buffer, byte: number, from: number): number {
  const stop = Math.min(from + NEAR_BYTES, chunk.length);
  for (let i = from; i < stop; i++) if (chunk[i] === byte) return i;
  return stop === chunk.length ? stop : indexOrLength(chunk, byte, stop);
}

/** JSON whitespace; a CR is whitespace too, so CRLF blank lines are blank. */
function hasNonWhitespace(chunk: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const b = chunk[i];
    if (b !== SPACE && b !== TAB && b !== CR) return true;
  }
  return false;
}
