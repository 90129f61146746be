import { MappingSchema, type Mapping, type MappingInput } from '../../common/mapping';
import type { Delimiter, SourceFormat } from '../../common/source';
import type { IdentityAttribute } from '../rows/attributeNames';
import { isBlankText } from '../rows/blank';
import { targetAttribute } from '../rows/columns';
import { compileMapping } from '../rows';
import { csvCellAt } from '../source/csvFields';
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
 * `RowOutcome.identity`), without mapping the rest of the row. Records that could not be parsed,
 * and blank or invalid identities, give undefined: such rows are rejected, so they supersede
 * nothing.
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
  const invalidUtf8 = (_byteOffset: number, row: number): RowIdentity => ({ row, key: undefined });
  if (input.format === 'csv') {
    const attribute = mapper.identityAttribute as IdentityAttribute;
    const header = input.header ?? [];
    const index = header.findIndex((name) => targetAttribute(name, entryOf(mapping, name)) === attribute);
    const delimiter = (input.delimiter ?? ',').charCodeAt(0);
    return {
      parseBytes(bytes, from, to, _byteOffset, row) {
        const value = csvCellAt(bytes, from, to, index, header.length, delimiter)?.trim();
        // Every key of a CSV pass is of the same attribute: the value alone tells identities apart.
        return { row, key: value === undefined || value === '' ? undefined : value };
      },
      invalidUtf8,
    };
  }
  const userIdKeys = keysSentTo('user_id', mapping);
  const deviceIdKeys = keysSentTo('device_id', mapping);
  const records = ndjsonRecordParser();
  return {
    use: (text) => records.use(text),
    parse(from, to, byteOffset, row, line) {
      const record = records.parse(from, to, byteOffset, row, line);
      return { row, key: 'value' in record ? ndjsonKey(record.value, userIdKeys, deviceIdKeys) : undefined };
    },
    invalidUtf8,
  };
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
    return typeof value === 'number' ? String(value) : undefined;
  }
  return null;
}
