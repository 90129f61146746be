import { z } from 'zod';
import type { Fingerprint } from '../../common/source';
import { hiddenNamesHint, hidesNames, render, type Text, type WithLocalMessage } from '../wording';
import type { SourceStat } from './byteSource';

/*
 * Every message here names positions and counts; a header cell's name only through a Wording
 * (activities/wording.ts), which keeps names that could be personal data out of the message. Cell
 * content is personal data (emails, phones, names) and must not reach Temporal or a log; in a file
 * without its header line, the "column names" are cell content.
 */

export type SourceFormatErrorCode =
  | 'empty'
  | 'bom_only'
  | 'not_text'
  | 'not_utf8'
  | 'not_ndjson'
  | 'header_missing'
  | 'header_malformed'
  | 'header_empty_name'
  | 'header_duplicate_name'
  | 'header_too_long'
  | 'unclosed_quote'
  | 'row_too_many_lines'
  | 'row_too_large'
  | 'too_many_rows';

/**
 * The whole source cannot be read as the format it claims to be. Retrying cannot help.
 *
 * A message that names header cells is a Wording: `message`, which reaches Temporal, gives a cell
 * whose name could be personal data by its position; `localMessage` (not an own property) names
 * it, for local output only (`xp-import validate`).
 */
export class SourceFormatError extends Error implements WithLocalMessage {
  override readonly name = 'SourceFormatError';
  readonly retryable = false;
  readonly #local: string;

  constructor(
    readonly code: SourceFormatErrorCode,
    message: Text,
    readonly position: { line?: number; byteOffset?: number } = {},
  ) {
    super(hidesNames(message) ? `${render(message, 'shared')} ${hiddenNamesHint(false)}` : render(message, 'shared'));
    this.#local = render(message, 'local');
  }

  get localMessage(): string {
    return this.#local;
  }
}

export interface OpenQuote {
  byteOffset: number;
  line: number;
}

export function unclosedQuoteError(source: string, quote: OpenQuote): SourceFormatError {
  return new SourceFormatError(
    'unclosed_quote',
    `${source}: a quote opened at line ${quote.line} (byte ${quote.byteOffset}) is never closed, so the rest of the ` +
      `file would be one cell. Close the quoted cell or double the quote ("") if it is part of the value.`,
    { line: quote.line, byteOffset: quote.byteOffset },
  );
}

/** More data rows than an import numbers (the identity index keeps a row in 31 bits). */
export function tooManyRowsError(source: string, maxRows: number): SourceFormatError {
  return new SourceFormatError('too_many_rows', `${source}: more than ${maxRows.toLocaleString('en-US')} data rows, more than one import takes. Split the file and import each part.`);
}

/** Lines one row may span (its quoted cells hold the line breaks); past this a stray quote is far likelier. */
export const MAX_LINES_PER_ROW = 1_000;

/** A row spans more than MAX_LINES_PER_ROW lines: `sofar` while its quote is still open. */
export function rowTooLongError(source: string, row: { line: number; byteOffset: number }, lines: number, sofar: boolean): SourceFormatError {
  return new SourceFormatError(
    'row_too_many_lines',
    `${source}: the row that starts at line ${row.line} (byte ${row.byteOffset}) spans ${sofar ? 'more than ' : ''}` +
      `${lines.toLocaleString('en-US')} lines, because a quoted cell in it holds their line breaks; a row may span ` +
      `${MAX_LINES_PER_ROW.toLocaleString('en-US')}. The rows after the quote would be read as one cell: a stray quote. ` +
      `Remove it, or double it ("") if it is part of the value.`,
    row,
  );
}

/**
 * Bytes one row may hold. A cell of a few megabytes is read (a JSON column, a note; largeCells.test.ts),
 * but a row this large is a broken export or a file of another kind: held whole, it would take the
 * worker past its memory, and past 512 MiB it could not even be made a string. It stops the file,
 * at its first line, before it is held whole.
 */
export const MAX_BYTES_PER_ROW = 16 * 1024 * 1024;

/** A row holds more than MAX_BYTES_PER_ROW bytes: `sofar` while it has not ended yet. */
export function rowTooLargeError(source: string, row: { line: number; byteOffset: number }, bytes: number, sofar: boolean): SourceFormatError {
  return new SourceFormatError(
    'row_too_large',
    `${source}: the row that starts at line ${row.line} (byte ${row.byteOffset}) holds ${sofar ? 'more than ' : ''}` +
      `${bytes.toLocaleString('en-US')} bytes; a row may hold ${MAX_BYTES_PER_ROW.toLocaleString('en-US')}. ` +
      'No profile attribute is that long (a String attribute holds 101 characters): the file is cut or joined wrongly, ' +
      'or is not the format it was read as. Fix or remove that row.',
    row,
  );
}

/**
 * The source is not the version that was inspected and planned. Not retryable: a changed file
 * under a running import must stop it rather than mix two versions.
 */
export class SourceChangedError extends Error {
  override readonly name = 'SourceChangedError';
  readonly retryable = false;

  constructor(
    readonly source: string,
    readonly detail: string,
  ) {
    super(`${source} changed since it was inspected (${detail}). Start a new import for the new version.`);
  }
}

/** Fails fast when the source no longer matches the fingerprint taken at inspection. */
export function assertSameVersion(source: string, expected: Fingerprint, actual: SourceStat): void {
  if (actual.size !== expected.size) {
    throw new SourceChangedError(source, `size ${expected.size} bytes, now ${actual.size}`);
  }
  if (actual.version !== expected.version) {
    throw new SourceChangedError(source, `version ${expected.version}, now ${actual.version}`);
  }
}

export const RecordErrorCodeSchema = z.enum([
  'ragged_row',
  'invalid_utf8',
  'text_after_quote',
  'unclosed_quote',
  'invalid_json',
  'not_an_object',
  'inexact_number',
  'nested_too_deep',
  'repeated_key',
]);
export type RecordErrorCode = z.infer<typeof RecordErrorCodeSchema>;

/** Why one record could not be parsed. Plain data: it travels in batch results and reject files. */
export const RecordErrorSchema = z.object({
  code: RecordErrorCodeSchema,
  /** Positions, counts and column names only: never cell content. */
  reason: z.string(),
  /** The header name of the column at fault (CSV), when there is one. */
  column: z.string().optional(),
  /** Absolute file offset of the offending byte. */
  byteOffset: z.number().int().nonnegative().optional(),
});
export type RecordError = z.infer<typeof RecordErrorSchema>;
