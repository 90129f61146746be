import { isRejectColumn } from '../../common/report';
import type { Delimiter, SourceFormat } from '../../common/source';
import { CsvFieldSplitter, type FieldSyntaxError } from './csvFields';
import type { RecordError } from './errors';
import { firstInexactJsonNumber, MAX_JSON_DEPTH, nestedTooDeep } from './jsonLimits';
import { repeatedTopLevelKey } from './repeatedKey';

interface RecordPosition {
  /** 1-based data row (the CSV header is not a row). */
  row: number;
  /** Physical line the record starts on. */
  line: number;
  /** File offset of the record's first byte. */
  byteOffset: number;
}
export interface CsvRecord extends RecordPosition {
  cells: string[];
}
export interface JsonRecord extends RecordPosition {
  value: Record<string, unknown>;
}
export interface FailedRecord extends RecordPosition {
  error: RecordError;
  /**
   * The record's text without its line ending (invalid UTF-8 shown as U+FFFD), for the rejects
   * file the operator owns. Personal data: never put it into a message, a log or Temporal.
   */
  raw: string;
  /**
   * A ragged CSV row's cells as they split (fewer or more than the header's): the rejects file
   * shows them in columns, where a missing or extra cell is easy to see and fix.
   */
  splitCells?: string[];
}
export type SourceRecord = CsvRecord | JsonRecord | FailedRecord;

/**
 * Turns records into SourceRecords (or, for a pass that needs less of each record, into what it
 * needs: R). Records are cut out of a decoded text given by `use`: a whole ASCII region (so it is
 * decoded once) or one record's own text.
 */
export interface TextRecordParser<R = SourceRecord> {
  use(text: string): void;
  /** The record text[from, to), line ending excluded; byteOffset is its file offset. */
  parse(from: number, to: number, byteOffset: number, row: number, line: number): R;
  /** A record that is not valid UTF-8 at file offset `invalidAt`; `raw` is its text with U+FFFD. */
  invalidUtf8(byteOffset: number, row: number, line: number, invalidAt: number, raw: string): R;
}

/**
 * A parser that reads records from their bytes, for a pass that needs so little of each record
 * that decoding the whole of it would cost more than the work (the identity pass).
 */
export interface ByteRecordParser<R> {
  /** The record bytes[from, to), line ending excluded, known to be valid UTF-8; byteOffset is its file offset. */
  parseBytes(bytes: Buffer, from: number, to: number, byteOffset: number, row: number, line: number): R;
  invalidUtf8(byteOffset: number, row: number, line: number, invalidAt: number, raw: string): R;
}

export type RecordParser<R = SourceRecord> = TextRecordParser<R> | ByteRecordParser<R>;

/**
 * Why a row with another number of fields than the header is refused. In a rejects file imported
 * again, the xp_import_ columns it starts with are not counted: the numbers are then those of the
 * export the row came from (before: "7 fields, the header has 10" for a 6-column export).
 */
function raggedRowReason(header: readonly string[]): (fields: number) => string {
  const added = header.filter(isRejectColumn).length;
  const plural = (n: number) => `${n} field${n === 1 ? '' : 's'}`;
  return (fields) =>
    added > 0 && fields >= added
      ? `the row has ${plural(fields - added)}, the header has ${header.length - added} (not counting the ${added} xp_import_ columns of a rejects file)`
      : `the row has ${plural(fields)}, the header has ${header.length}`;
}

/** The parser of whole records for a source's format (CSV needs the header and the delimiter). */
export function sourceRecordParser(format: SourceFormat, header: readonly string[] | undefined, delimiter: Delimiter | undefined): TextRecordParser {
  if (format === 'ndjson') return ndjsonRecordParser();
  if (!header || !delimiter) throw new TypeError('a CSV record parser needs the header and the delimiter (from inspectSource)');
  return csvRecordParser(header, delimiter);
}

export function csvRecordParser(header: readonly string[], delimiter: Delimiter): TextRecordParser {
  const splitter = new CsvFieldSplitter(delimiter);
  const raggedReason = raggedRowReason(header);
  let text = '';
  return {
    use(next) {
      text = next;
      splitter.use(next);
    },
    parse(from, to, byteOffset, row, line) {
      const cells = splitter.split(from, to);
      if (!Array.isArray(cells)) {
        return { row, line, byteOffset, error: fieldSyntaxError(cells, text, from, byteOffset, header), raw: text.slice(from, to) };
      }
      if (cells.length !== header.length) {
        return {
          row,
          line,
          byteOffset,
          error: {
            code: 'ragged_row',
            reason: raggedReason(cells.length),
            byteOffset,
          },
          raw: text.slice(from, to),
          splitCells: cells,
        };
      }
      return { row, line, byteOffset, cells };
    },
    invalidUtf8: invalidUtf8Record,
  };
}

function fieldSyntaxError(error: FieldSyntaxError, text: string, from: number, recordOffset: number, header: readonly string[]): RecordError {
  const at = recordOffset + Buffer.byteLength(text.slice(from, error.at));
  const column = header[error.field];
  const where = column === undefined ? `field ${error.field + 1}` : `column "${column}" (field ${error.field + 1})`;
  const what =
    error.code === 'text_after_quote'
      ? `text follows the closing quote of ${where} at byte ${at}`
      : `the quote opened in ${where} at byte ${at} is not closed`;
  const fix = 'quote the whole cell ("...") and double any quote inside it';
  return column === undefined ? { code: error.code, reason: `${what}; ${fix}`, byteOffset: at } : { code: error.code, reason: `${what}; ${fix}`, column, byteOffset: at };
}

export function ndjsonRecordParser(): TextRecordParser {
  let text = '';
  return {
    use(next) {
      text = next;
    },
    parse(from, to, byteOffset, row, line) {
      return parseNdjsonRecord(from === 0 && to === text.length ? text : text.slice(from, to), byteOffset, row, line);
    },
    invalidUtf8: invalidUtf8Record,
  };
}

function parseNdjsonRecord(text: string, byteOffset: number, row: number, line: number): SourceRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { row, line, byteOffset, error: invalidJson(error, text, byteOffset), raw: text };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return {
      row,
      line,
      byteOffset,
      error: { code: 'not_an_object', reason: `the line holds ${jsonKind(value)}, not a JSON object`, byteOffset },
      raw: text,
    };
  }
  if (nestedTooDeep(value, text)) {
    return { row, line, byteOffset, error: { code: 'nested_too_deep', reason: `the line nests objects or arrays more than ${MAX_JSON_DEPTH} levels deep; flatten it`, byteOffset }, raw: text };
  }
  const inexact = firstInexactJsonNumber(text);
  if (inexact !== -1) return { row, line, byteOffset, error: inexactNumber(text, inexact, byteOffset), raw: text };
  const repeated = repeatedTopLevelKey(text, Object.keys(value).length);
  if (repeated !== undefined) return { row, line, byteOffset, error: repeatedKey(text, repeated, byteOffset), raw: text };
  return { row, line, byteOffset, value: value as Record<string, unknown> };
}

function repeatedKey(text: string, repeated: { key: string; at: number }, recordOffset: number): RecordError {
  const byteOffset = recordOffset + Buffer.byteLength(text.slice(0, repeated.at));
  // Like a refused key's name, the key goes to the rejects file only (local).
  const name = JSON.stringify(repeated.key);
  return {
    code: 'repeated_key',
    reason: `the key ${name} at byte ${byteOffset} is written twice in the line's object, and only one value can be sent; keep the one you mean`,
    column: repeated.key,
    byteOffset,
  };
}

function inexactNumber(text: string, at: number, recordOffset: number): RecordError {
  const byteOffset = recordOffset + Buffer.byteLength(text.slice(0, at));
  return {
    code: 'inexact_number',
    reason: `the number at byte ${byteOffset} cannot be read exactly (more significant digits than 15, or too large or too small); write it as a string ("...") to keep every digit`,
    byteOffset,
  };
}

function jsonKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

function invalidJson(error: unknown, text: string, recordOffset: number): RecordError {
  const message = error instanceof Error ? error.message : '';
  const position = jsonErrorPosition(message);
  const at = position === undefined ? recordOffset : recordOffset + Buffer.byteLength(text.slice(0, Number(position)));
  return { code: 'invalid_json', reason: `the line is not valid JSON: ${contentFreeJsonMessage(message, position)}`, byteOffset: at };
}

/** Where V8's JSON.parse message says the text went wrong (a character index, as text), if it says. */
function jsonErrorPosition(message: string): string | undefined {
  return /at position (\d+)/.exec(message)?.[1];
}

/**
 * V8 quotes the offending token and a snippet of the input in its JSON messages
 * (`Unexpected token 'a', "abc" is not valid JSON`): keep the message, drop the content.
 */
export function contentFreeJsonMessage(message: string, position = jsonErrorPosition(message)): string {
  if (message.startsWith('Unexpected token')) return position === undefined ? 'Unexpected token' : `Unexpected token in JSON at position ${position}`;
  const quote = message.indexOf('"');
  const kept = (quote === -1 ? message : message.slice(0, quote)).replace(/[\s,:]+$/, '');
  return kept === '' ? 'not valid JSON' : kept;
}

export function invalidUtf8Record(byteOffset: number, row: number, line: number, invalidAt: number, raw: string): FailedRecord {
  return {
    row,
    line,
    byteOffset,
    raw,
    error: { code: 'invalid_utf8', reason: `the record is not valid UTF-8 at byte ${invalidAt}; save the file as UTF-8`, byteOffset: invalidAt },
  };
}
