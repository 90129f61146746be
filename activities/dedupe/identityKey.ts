import { MappingSchema, type Mapping, type MappingInput } from '../../common/mapping';
import type { SourceFormat } from '../../common/source';
import type { IdentityAttribute } from '../rows/attributeNames';
import { isBlankText } from '../rows/blank';
import { targetAttribute } from '../rows/columns';
import { compileMapping } from '../rows';
import type { SourceRecord } from '../source';

/** The identity key of a record (`user_id:abc`), or undefined when it has no usable one. */
export type IdentityKeyReader = (record: SourceRecord) => string | undefined;

export interface IdentityKeyInput {
  format: SourceFormat;
  /** CSV: the header cells. */
  header?: string[];
  mapping?: Mapping | MappingInput;
}

/**
 * Reads a record's identity key exactly as the row mapper writes it in `RowOutcome.identity`
 * (`<attribute>:<value>`), without mapping the rest of the row: for CSV one cell, for NDJSON the
 * keys the mapping sends to user_id or device_id. Records that could not be parsed, and blank or
 * invalid identities, give undefined: such rows are rejected, so they supersede nothing.
 *
 * The mapping is compiled against the header first, so a mapping that does not fit the source
 * throws its MappingError here, before any row is read.
 */
export function identityKeyReader(input: IdentityKeyInput): IdentityKeyReader {
  const mapper = compileMapping(input);
  const mapping = MappingSchema.parse(input.mapping ?? {});
  if (input.format === 'csv') {
    const attribute = mapper.identityAttribute as IdentityAttribute;
    const header = input.header ?? [];
    const index = header.findIndex((name) => targetAttribute(name, entryOf(mapping, name)) === attribute);
    return (record) => {
      if (!('cells' in record)) return undefined;
      const value = (record.cells[index] ?? '').trim();
      return value === '' ? undefined : `${attribute}:${value}`;
    };
  }
  const userIdKeys = keysSentTo('user_id', mapping);
  const deviceIdKeys = keysSentTo('device_id', mapping);
  return (record) => {
    if (!('value' in record)) return undefined;
    const userId = firstIdentity(record.value, userIdKeys);
    if (userId !== null) return userId === undefined ? undefined : `user_id:${userId}`;
    const deviceId = firstIdentity(record.value, deviceIdKeys);
    return deviceId === null || deviceId === undefined ? undefined : `device_id:${deviceId}`;
  };
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
