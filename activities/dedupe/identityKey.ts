import { MappingSchema, type Mapping, type MappingInput } from '../../common/mapping';
import { plainNumberText } from '../../common/numberText';
import type { Delimiter, SourceFormat } from '../../common/source';
import type { IdentityAttribute } from '../rows/attributeNames';
import { isBlankText } from '../rows/blank';
import { targetAttribute } from '../rows/columns';
import { compileMapping } from '../rows';
import { csvCellAt, csvCellOfUnreadable, CsvFieldSplitter } from '../source/csvFields';
import { ndjsonRecordParser, type RecordParser } from '../source/recordParsers';

/**
 * A record's row and its identity key, undefined when it has no usable one. Keys are compared
 * only with keys of the same pass: a CSV file's identity is one column, so its key is the value
 * alone (`abc`); an NDJSON record's may be user_id or device_id, so its key names which
 * (`user_id:abc`, as RowOutcome.identity writes it).
 */
export interface RowIdentity {
  row: number;
  key: string | undefined;
  /** The record could not be read as a row: `key` is what its identity reads as, not to be trusted. */
  unreadable?: true;
  /** A ragged row's identity read the other way (counted from the row's end), when that differs. */
  alsoReadAs?: string;
}

export interface IdentityKeyInput {
  format: SourceFormat;
  /** CSV: the header cells and the delimiter. */
  header?: string[];
  delimiter?: Delimiter;
  mapping?: Mapping | MappingInput;
}

/**
 * Parses records only as far as their identity key (the value the row mapper puts in
 * `RowOutcome.identity`), without mapping the rest of the row. Blank or invalid identities give
 * undefined. A record that could not be parsed is rejected, so it supersedes nothing; but where
 * its identity can still be read (a ragged row's cell, a key of a line that is not JSON), that key
 * comes marked `unreadable`, so that a later row of it can be found.
 *
 * For CSV the record is read from its bytes and only the identity cell is decoded; the other
 * cells are stepped over, but still counted and checked, so a ragged or badly quoted record has
 * no key, as readBatch would reject it. For NDJSON, the keys the mapping sends to user_id or
 * device_id.
 *
 * The mapping is compiled against the header first, so a mapping that does not fit the source
 * throws its MappingError here, before any row is read.
 */
export function identityKeyParser(input: IdentityKeyInput): RecordParser<RowIdentity> {
  const mapper = compileMapping(input);
  const mapping = MappingSchema.parse(input.mapping ?? {});
  if (input.format === 'csv') {
    const attribute = mapper.identityAttribute as IdentityAttribute;
    const header = input.header ?? [];
    const index = header.findIndex((name) => targetAttribute(name, entryOf(mapping, name)) === attribute);
    const delimiter = input.delimiter ?? ',';
    const delimiterCode = delimiter.charCodeAt(0);
    const splitter = new CsvFieldSplitter(delimiter);
    /**
     * An unreadable record's identity, as read. Cells that split cleanly but are too many or too
     * few: a stray or missing delimiter before the identity's cell shifts it, one after it does
     * not, and either may be the case, so the cell is read from both ends. Quotes that do not pair
     * up: the cell, if it comes before them.
     */
    const readingsOf = (text: string): Array<string | undefined> => {
      splitter.use(text);
      const cells = splitter.split(0, text.length);
      if (Array.isArray(cells)) return [cells[index], cells[index + cells.length - header.length]];
      const bytes = Buffer.from(text);
      return [csvCellOfUnreadable(bytes, 0, bytes.length, index, delimiterCode)];
    };
    return {
      parseBytes(bytes, from, to, _byteOffset, row) {
        // Every key of a CSV pass is of the same attribute: the value alone tells identities apart.
        const value = csvCellAt(bytes, from, to, index, header.length, delimiterCode);
        return value === undefined ? unreadableIdentity(row, readingsOf(bytes.toString('utf8', from, to))) : { row, key: nonBlank(value) };
      },
      invalidUtf8: (_byteOffset, row, _line, _invalidAt, raw) => unreadableIdentity(row, readingsOf(raw)),
    };
  }
  const userIdKeys = keysSentTo('user_id', mapping);
  const deviceIdKeys = keysSentTo('device_id', mapping);
  const records = ndjsonRecordParser();
  const readAs = unreadableNdjsonKey(userIdKeys, deviceIdKeys);
  return {
    use: (text) => records.use(text),
    parse(from, to, byteOffset, row, line) {
      const record = records.parse(from, to, byteOffset, row, line);
      if ('value' in record) return { row, key: ndjsonKey(record.value, userIdKeys, deviceIdKeys) };
      return unreadableIdentity(row, ['raw' in record ? readAs(record.raw) : undefined]);
    },
    invalidUtf8: (_byteOffset, row, _line, _invalidAt, raw) => unreadableIdentity(row, [readAs(raw)]),
  };
}

/** An unreadable row's identity from what it reads as (blank, U+FFFD-holding and repeated readings left out). */
function unreadableIdentity(row: number, readings: ReadonlyArray<string | undefined>): RowIdentity {
  const [key, alsoReadAs] = [...new Set(readings.map((reading) => readableAs(nonBlank(reading))).filter((reading) => reading !== undefined))];
  if (key === undefined) return { row, key };
  return alsoReadAs === undefined ? { row, key, unreadable: true } : { row, key, unreadable: true, alsoReadAs };
}

function nonBlank(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

/** An unreadable row's identity as read; none where it holds bytes that were not UTF-8 (U+FFFD), as no readable row has it so. */
function readableAs(value: string | undefined): string | undefined {
  return value?.includes('\uFFFD') ? undefined : value;
}

/**
 * What the identity of a line that is not a JSON object (or not one the import takes) reads as:
 * the first `"key": value` (a string or a number) of the keys sent to user_id, else of those sent
 * to device_id, found in the text. Only a guess (the key may sit in a nested object), which is all
 * an unreadable row needs. The patterns are made once, for every line of the pass.
 */
function unreadableNdjsonKey(userIdKeys: readonly string[], deviceIdKeys: readonly string[]): (line: string) => string | undefined {
  const value = String.raw`("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)`;
  const keyed = (attribute: IdentityAttribute, keys: readonly string[]) =>
    keys.map((key) => ({ attribute, pattern: new RegExp(`${escapeRegExp(JSON.stringify(key))}\\s*:\\s*${value}`) }));
  const patterns = [...keyed('user_id', userIdKeys), ...keyed('device_id', deviceIdKeys)];
  return (line) => {
    for (const { attribute, pattern } of patterns) {
      const found = pattern.exec(line);
      const read = found === null ? undefined : readJsonScalar(found[1] as string);
      if (read !== undefined) return `${attribute}:${read}`;
    }
    return undefined;
  };
}

/**
 * A JSON string or number as an identity. A whole number keeps its digits as written: one too long
 * for a double (rejected as `inexact_number`) is then the same as the string a fixed row would hold.
 */
function readJsonScalar(json: string): string | undefined {
  if (/^-?\d+$/.test(json)) return json;
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === 'number' ? plainNumberText(value) : nonBlank(value as string);
  } catch {
    return undefined;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function ndjsonKey(value: Record<string, unknown>, userIdKeys: readonly string[], deviceIdKeys: readonly string[]): string | undefined {
  const userId = firstIdentity(value, userIdKeys);
  if (userId !== null) return userId === undefined ? undefined : `user_id:${userId}`;
  const deviceId = firstIdentity(value, deviceIdKeys);
  return deviceId === null || deviceId === undefined ? undefined : `device_id:${deviceId}`;
}

function entryOf(mapping: Mapping, name: string) {
  return Object.hasOwn(mapping.columns, name) ? mapping.columns[name] : undefined;
}

/** NDJSON keys whose values go to `attribute` under the mapping (a key with no entry keeps its name). */
function keysSentTo(attribute: IdentityAttribute, mapping: Mapping): string[] {
  const keys = Object.keys(mapping.columns).filter((key) => targetAttribute(key, mapping.columns[key]) === attribute);
  if (!Object.hasOwn(mapping.columns, attribute)) keys.push(attribute);
  return keys;
}

/**
 * The identity from the first of `keys` the object fills: null when none is filled (blank), undefined
 * when the value cannot be an identity (an object, an array or a boolean: the row is rejected).
 */
function firstIdentity(object: Record<string, unknown>, keys: readonly string[]): string | null | undefined {
  for (const key of keys) {
    if (!Object.hasOwn(object, key)) continue;
    const value = object[key];
    if (value === null || value === undefined) continue;
    if (typeof value === 'string') {
      if (isBlankText(value)) continue;
      return value.trim();
    }
    return typeof value === 'number' ? plainNumberText(value) : undefined;
  }
  return null;
}
