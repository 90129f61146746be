import { quotedName } from '../../common/quotedName';
import { isUtf8 } from 'node:buffer';
import type { Delimiter } from '../../common/source';
import { isKnownAttribute } from '../rows/attributeNames';
import { nameOr, words } from '../wording';
import { CsvFieldSplitter, type FieldSyntaxError } from './csvFields';
import { CANDIDATES } from './delimiter';
import { SourceFormatError } from './errors';
import { findInvalidUtf8 } from './utf8';

/** Where the first record (the CSV header) sits in the bytes read so far; offsets are file offsets. */
export interface FirstRecord {
  start: number;
  contentEnd: number;
  line: number;
}

/** Recognises files that are not text at all, from their first bytes. */
export function checkMagicBytes(source: string, bytes: Buffer): void {
  const [b0, b1, b2, b3] = bytes;
  let what: string | undefined;
  if (b0 === 0x1f && b1 === 0x8b) what = 'gzip-compressed; decompress it first';
  else if (b0 === 0x50 && b1 === 0x4b && b2 === 0x03 && b3 === 0x04) what = 'a ZIP archive (an .xlsx workbook?); export it as CSV (UTF-8)';
  else if ((b0 === 0xff && b1 === 0xfe) || (b0 === 0xfe && b1 === 0xff)) what = 'UTF-16 encoded (byte 0 is a UTF-16 byte order mark); save it as UTF-8';
  if (what) throw new SourceFormatError('not_text', `${source} is ${what}.`, { line: 1, byteOffset: 0 });
}

/** A UTF-16 file without a byte order mark, or a binary file, shows NUL bytes in its first line. */
function checkNoNul(source: string, bytes: Buffer, first: FirstRecord): void {
  const nul = bytes.indexOf(0, first.start);
  if (nul !== -1 && nul < first.contentEnd) {
    throw new SourceFormatError(
      'not_text',
      `${source}: line ${first.line} holds a NUL byte (byte ${nul}), so this is not a UTF-8 text file ` +
        `(binary, or UTF-16 without a byte order mark). Save it as UTF-8.`,
      { line: first.line, byteOffset: nul },
    );
  }
}

/** Decodes and validates the CSV header: one line, valid UTF-8, well quoted, unique non-empty names. */
export function readCsvHeader(source: string, bytes: Buffer, first: FirstRecord, delimiter: Delimiter): string[] {
  if (first.line !== 1) {
    throw new SourceFormatError(
      'header_missing',
      `${source}: line 1 is blank, but a CSV file must start with its header line (the column names). ` +
        `Remove the blank lines before the header.`,
      { line: 1, byteOffset: 0 },
    );
  }
  checkNoNul(source, bytes, first);
  const headerBytes = bytes.subarray(first.start, first.contentEnd);
  if (!isUtf8(headerBytes)) {
    const at = first.start + findInvalidUtf8(headerBytes, 0, headerBytes.length);
    throw new SourceFormatError(
      'not_utf8',
      `${source}: the header (line 1) is not valid UTF-8 at byte ${at}. Save the file as UTF-8.`,
      { line: 1, byteOffset: at },
    );
  }
  const text = headerBytes.toString('utf8');
  if (/^\s*[[{]/.test(text)) {
    throw new SourceFormatError(
      'header_malformed',
      `${source}: line 1 starts with "${text.trimStart()[0]}", as JSON does: is this an NDJSON file (one JSON object per line)? ` +
        `Name it .ndjson or pass --format ndjson; a CSV file starts with its column names.`,
      { line: 1, byteOffset: first.start },
    );
  }
  checkNotSepLine(source, text, first);
  const splitter = new CsvFieldSplitter(delimiter);
  splitter.use(text);
  const names = splitter.split(0, text.length);
  if (!Array.isArray(names)) throw malformedHeader(source, text, first, names);
  checkNotOtherDelimiter(source, names, delimiter);
  const cr = text.indexOf('\r');
  if (cr !== -1) {
    const at = first.start + Buffer.byteLength(text.slice(0, cr));
    throw new SourceFormatError(
      'header_malformed',
      `${source}: the header (line 1) holds a carriage return (CR) without a line feed at byte ${at}: the file ` +
        `seems to use classic Mac line endings (CR only). Save it with LF or CRLF line endings.`,
      { line: 1, byteOffset: at },
    );
  }
  checkNotData(source, names);
  const seen = new Map<string, number>();
  names.forEach((name, index) => {
    if (name.trim() === '') {
      throw new SourceFormatError(
        'header_empty_name',
        `${source}: column ${index + 1} of the header (line 1) has no name. Give every column a name ` +
          `(or remove the empty column, e.g. a trailing delimiter).`,
        { line: 1 },
      );
    }
    const earlier = seen.get(name);
    if (earlier !== undefined) {
      // No mapping here: only a known attribute's name is safe to show (see activities/wording.ts).
      const cell = { name, position: index + 1, safe: isKnownAttribute(name) };
      throw new SourceFormatError(
        'header_duplicate_name',
        words`${source}: the header (line 1) ${nameOr(cell, `names column ${quotedName(name)} twice`, 'gives two columns the same name')} (columns ${earlier + 1} and ${index + 1}). Column names must be unique.`,
        { line: 1 },
      );
    }
    seen.set(name, index);
  });
  return names;
}

/**
 * A header read as one column that holds another delimiter was split by the wrong one (`--delimiter ;`
 * on a comma file): without this, every later message was about a column named like the whole line.
 */
function checkNotOtherDelimiter(source: string, names: readonly string[], delimiter: Delimiter): void {
  if (names.length !== 1) return;
  const other = CANDIDATES.find((d) => d !== delimiter && (names[0] ?? '').includes(d));
  if (other === undefined) return;
  const shown = (d: Delimiter) => (d === '\t' ? 'tab' : `"${d}"`);
  throw new SourceFormatError(
    'header_malformed',
    `${source}: the header (line 1) read with the delimiter ${shown(delimiter)} is one column with ${shown(other)} in it: ` +
      `the file seems to be ${shown(other)}-separated. Pass --delimiter ${other === '\t' ? 'tab' : `'${other}'`} (quoted: ; and | end a shell command), or leave --delimiter out to detect it.`,
    { line: 1 },
  );
}

/** `sep=;`: Excel's hint of the delimiter, written above the header by some exports. */
const EXCEL_SEP_LINE = /^"?sep=(.)"?$/i;

/** Read as the header, Excel's `sep=` line gave "column 2 has no name", which sent users looking in the wrong place. */
function checkNotSepLine(source: string, text: string, first: FirstRecord): void {
  const sep = EXCEL_SEP_LINE.exec(text.trim());
  if (sep === null) return;
  throw new SourceFormatError(
    'header_malformed',
    `${source}: line 1 is "sep=${sep[1] === '\t' ? '\\t' : sep[1]}", Excel's hint of the delimiter, not the header line. Delete that line: ` +
      `xp-import finds the delimiter from the header itself (or pass --delimiter).`,
    { line: 1, byteOffset: first.start },
  );
}

const EMAIL_LIKE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** Digits with at most a leading + and the usual separators; with seven digits or more (personalDataIn), a phone number, never a column name. */
const PHONE_LIKE = /^\+?[\d\s().-]+$/;

/** What a header cell holds when it is personal data, not a column name. */
function personalDataIn(cell: string): string | undefined {
  const text = cell.trim();
  if (EMAIL_LIKE.test(text)) return 'an email address';
  if (PHONE_LIKE.test(text) && (text.match(/\d/g)?.length ?? 0) >= 7) return 'a phone number';
  return undefined;
}

/**
 * A file without a header line: its first row is read as the column names, and every later error
 * would quote them, copying a customer's email or phone number into the report, the logs and
 * Temporal's history. Caught here, with the column's position only.
 */
function checkNotData(source: string, names: readonly string[]): void {
  for (const [index, name] of names.entries()) {
    const what = personalDataIn(name);
    if (what === undefined) continue;
    throw new SourceFormatError(
      'header_missing',
      `${source}: line 1 looks like a row of data, not a header: column ${index + 1} holds ${what}. ` +
        `A CSV file must start with its header line (the column names, such as user_id,email); add one.`,
      { line: 1 },
    );
  }
}

function malformedHeader(source: string, text: string, first: FirstRecord, error: FieldSyntaxError): SourceFormatError {
  const at = first.start + Buffer.byteLength(text.slice(0, error.at));
  const what = error.code === 'text_after_quote' ? 'text after the closing quote of' : 'an unclosed quote in';
  return new SourceFormatError(
    'header_malformed',
    `${source}: the header (line 1) has ${what} column ${error.field + 1} (byte ${at}). ` +
      `Quote the whole name ("...") and double any quote inside it.`,
    { line: 1, byteOffset: at },
  );
}

/**
 * NDJSON has no header, but a pretty-printed JSON document or a JSON array gives itself away on
 * its first line: catch that here instead of rejecting every line of the file one by one.
 */
export function checkNdjsonStart(source: string, bytes: Buffer, first: FirstRecord): void {
  checkNoNul(source, bytes, first);
  const text = bytes.toString('utf8', first.start, first.contentEnd).trim();
  if (text === '{') throw notNdjsonError(source, first, 'holds only "{"');
  // A minified export is one line, `[{...},{...}]`: read as NDJSON it was one rejected row, its
  // profiles uncounted. A line that is an array is no profile, so the file is taken for a document.
  if (text === '[') throw notNdjsonError(source, first, 'holds only "["');
  if (text.startsWith('[')) throw notNdjsonError(source, first, parsesAsJson(text) ? 'holds a whole JSON array' : 'opens a JSON array that does not end on it');
}

/** The first line of an NDJSON file runs past MAX_HEADER_BYTES: only an array's opening can be judged that early. */
export function checkLongNdjsonStart(source: string, bytes: Buffer, start: { line: number; byteOffset: number }): void {
  const text = bytes.toString('utf8', start.byteOffset, Math.min(bytes.length, start.byteOffset + 64)).trimStart();
  if (text.startsWith('[')) throw notNdjsonError(source, { line: start.line, start: start.byteOffset }, 'opens a JSON array longer than a megabyte');
}

function notNdjsonError(source: string, first: { line: number; start: number }, what: string): SourceFormatError {
  return new SourceFormatError(
    'not_ndjson',
    `${source}: line ${first.line} ${what}: this looks like a JSON document, not NDJSON. NDJSON needs one JSON object per line.`,
    { line: first.line, byteOffset: first.start },
  );
}

function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
