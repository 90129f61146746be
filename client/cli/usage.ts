import { isUtf8 } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { inferFormat } from '../../common/importInput';
import { MappingSchema, type Mapping } from '../../common/mapping';
import { firstRepeatedKey, jsonPathText } from '../../common/repeatedJsonKey';
import type { SourceFormat } from '../../common/source';
import { issueLines } from '../../common/zodIssues';

/** Bad flags, a bad mapping file or a bad environment: exit code 2 with this message. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Parses with a zod schema; on failure names each bad flag and what is wrong with it. */
export function parseFlags<T extends z.ZodType>(schema: T, value: unknown, what = 'option'): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const { issues } = parsed.error;
  // A lone value (an import ID, a concurrency): one line that names it.
  if (issues.every((issue) => issue.path.length === 0)) throw new UsageError(`invalid ${what}: ${issues.map((issue) => issue.message).join('; ')}`);
  const lines = issues.map((issue) => `  ${what} ${issue.path.map((p) => `--${String(p).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join('.')}: ${issue.message}`);
  throw new UsageError(`invalid ${what}s:\n${lines.join('\n')}`);
}

/**
 * A mapping file's text. Editors on Windows save UTF-8 with a byte order mark, which JSON.parse
 * takes for a stray character; it is dropped. A UTF-16 file (with its mark, or with the NUL bytes
 * of its ASCII) would give a message about characters nobody can see: it is named as such. Any
 * other byte that is not UTF-8 (a Latin-1 or Windows-1252 "café") would be decoded as U+FFFD and
 * sent as such: it is refused where it is.
 */
function mappingText(file: string, bytes: Buffer): string {
  const utf16 = (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff) || bytes.subarray(0, 64).includes(0);
  if (utf16) throw new UsageError(`mapping file ${file} is not UTF-8 (it looks like UTF-16): save it as UTF-8 and try again`);
  const text = bytes.toString('utf8');
  if (!isUtf8(bytes)) {
    const at = firstNonUtf8Byte(bytes, text);
    const line = bytes.subarray(0, at).filter((byte) => byte === 0x0a).length + 1;
    throw new UsageError(`mapping file ${file} is not UTF-8: the byte at offset ${at} (line ${line}) is not part of a UTF-8 character (Latin-1 or Windows-1252?): save it as UTF-8 and try again`);
  }
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}

/**
 * Offset of the first byte that is not UTF-8: up to it, the decoded text spells the bytes one
 * character at a time; there, it has a U+FFFD that the bytes do not spell (EF BF BD).
 */
function firstNonUtf8Byte(bytes: Buffer, decoded: string): number {
  let at = 0;
  for (const char of decoded) {
    const code = char.codePointAt(0) ?? 0;
    if (code === 0xfffd && !(bytes[at] === 0xef && bytes[at + 1] === 0xbf && bytes[at + 2] === 0xbd)) return at;
    at += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return at;
}

const READ_ERRORS: Record<string, string> = {
  ENOENT: 'no such file (ENOENT): check the path, relative to the current folder',
  EACCES: 'permission denied (EACCES)',
  EISDIR: 'it is a folder, not a file (EISDIR)',
};

/** `line 4, column 3` of a string index, as an editor shows it. */
function placeIn(text: string, at: number): string {
  const before = text.slice(0, at);
  return `line ${before.split('\n').length}, column ${at - before.lastIndexOf('\n')}`;
}

/**
 * JSON.parse says where it stopped as a character position ("at position 518"), which nobody can
 * find in an editor: the line and column go beside it, and an end of file says which line it is.
 */
function jsonErrorWithPlace(message: string, text: string): string {
  // Node 21 and later say it themselves: "(line 4 column 3)".
  if (/line \d+ column \d+/.test(message)) return message;
  const position = /at position (\d+)/.exec(message);
  const at = position ? Number(position[1]) : /Unexpected end of JSON input/.test(message) ? text.length : undefined;
  return at === undefined ? message : `${message} (${placeIn(text, at)})`;
}

/** Reads and validates a mapping file, naming the file and the field at fault. */
export function loadMappingFile(file: string): Mapping {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read mapping file ${file}: ${READ_ERRORS[code ?? ''] ?? code ?? (error as Error).message}`);
  }
  let json: unknown;
  const text = mappingText(file, bytes);
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`mapping file ${file} is not valid JSON: ${jsonErrorWithPlace((error as Error).message, text)}`);
  }
  // JSON.parse keeps the last of a repeated key: `"First Name"` mapped twice would send the second target without a word.
  const repeated = firstRepeatedKey(text);
  if (repeated !== undefined) {
    throw new UsageError(`mapping file ${file} is invalid: ${jsonPathText(repeated.path)} appears twice (the second at ${placeIn(text, repeated.at)}), and only the last would count: keep one`);
  }
  const parsed = MappingSchema.safeParse(json);
  if (!parsed.success) {
    const lines = issueLines(parsed.error, '(top level)').map((line) => `  ${line}`);
    throw new UsageError(`mapping file ${file} is invalid:\n${lines.join('\n')}\nSee docs/mapping.md for the format.`);
  }
  return parsed.data;
}

/** --delimiter splits CSV cells; an NDJSON line has none, so the flag there is a mistake to say, not to ignore. */
export function checkDelimiterFlag(source: string, format: SourceFormat | undefined, delimiter: string | undefined): void {
  if (delimiter === undefined || (format ?? inferFormat(source)) !== 'ndjson') return;
  throw new UsageError('--delimiter applies to CSV only, and this source is read as NDJSON: leave the flag out, or add --format csv if the file is CSV');
}
