import { describe, expect, it } from 'vitest';
import { identityKeyReader } from '../../../activities/dedupe/identityKey';
import { compileMapping, MappingError } from '../../../activities/rows';
import type { SourceRecord } from '../../../activities/source';
import { seededRandom } from './support';

const at = { row: 1, line: 2, byteOffset: 0 };

describe('identityKeyReader reads the identity as the row mapper keys it', () => {
  it('CSV: the mapped identity column, trimmed; blank gives nothing', () => {
    const header = ['Email', 'Customer ID', 'device_id'];
    const keyOf = identityKeyReader({ format: 'csv', header, mapping: { columns: { 'Customer ID': 'user_id', Email: { skip: true } } } });
    expect(keyOf({ ...at, cells: ['a@example.com', '  C-1 ', 'd1'] })).toBe('user_id:C-1');
    expect(keyOf({ ...at, cells: ['a@example.com', ' \t', 'd1'] })).toBeUndefined();
    expect(keyOf({ ...at, error: { code: 'ragged_row', reason: 'x' }, raw: 'C-1' })).toBeUndefined();
  });

  it('CSV: device_id when no column goes to user_id', () => {
    const keyOf = identityKeyReader({ format: 'csv', header: ['device_id', 'language'] });
    expect(keyOf({ ...at, cells: ['dev-9', 'en'] })).toBe('device_id:dev-9');
  });

  it('NDJSON: user_id (renamed or not), numbers as text, device_id only when user_id is blank', () => {
    const keyOf = identityKeyReader({ format: 'ndjson', mapping: { columns: { uid: 'user_id' } } });
    expect(keyOf({ ...at, value: { uid: ' abc ' } })).toBe('user_id:abc');
    expect(keyOf({ ...at, value: { user_id: 42 } })).toBe('user_id:42');
    expect(keyOf({ ...at, value: { user_id: '', device_id: 'd' } })).toBe('device_id:d');
    expect(keyOf({ ...at, value: { user_id: null, device_id: 7 } })).toBe('device_id:7');
    expect(keyOf({ ...at, value: { user_id: { nested: 1 } } })).toBeUndefined();
    expect(keyOf({ ...at, value: { user_id: true, device_id: 'd' } })).toBeUndefined();
    expect(keyOf({ ...at, value: { name: 'no identity' } })).toBeUndefined();
  });

  it('NDJSON: a user_id key mapped elsewhere is not the identity', () => {
    const keyOf = identityKeyReader({ format: 'ndjson', mapping: { columns: { user_id: 'legacy_id', device_id: { skip: true }, id: 'device_id' } } });
    expect(keyOf({ ...at, value: { user_id: 'u', device_id: 'x', id: 'd' } })).toBe('device_id:d');
  });

  it('throws the MappingError of a mapping that does not fit the header', () => {
    expect(() => identityKeyReader({ format: 'csv', header: ['email', 'email_subscription'] })).toThrow(MappingError);
  });

  it('agrees with RowOutcome.identity on every accepted row of generated records', () => {
    const random = seededRandom(3);
    const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)] as T;
    const mapping = { columns: { cid: 'user_id', dev: 'device_id' } };
    const ndjson = compileMapping({ format: 'ndjson', mapping });
    const ndjsonKey = identityKeyReader({ format: 'ndjson', mapping });
    const header = ['name', 'cid', 'dev'];
    const csv = compileMapping({ format: 'csv', header, mapping });
    const csvKey = identityKeyReader({ format: 'csv', header, mapping });
    let accepted = 0;
    for (let i = 0; i < 2_000; i++) {
      const value: Record<string, unknown> = {};
      if (random() < 0.8) value.cid = pick<unknown>(['', ' ', null, `c${i}`, ` c${i} `, i, 3.5, {}, true]);
      if (random() < 0.5) value.dev = pick<unknown>(['', `d${i}`, i, null]);
      if (random() < 0.3) value.name = 'x';
      const records: Array<[SourceRecord, typeof ndjson, typeof ndjsonKey]> = [[{ ...at, value }, ndjson, ndjsonKey]];
      if (typeof value.cid === 'string' && typeof value.dev === 'string') records.push([{ ...at, cells: ['x', value.cid, value.dev] }, csv, csvKey]);
      for (const [record, mapper, keyOf] of records) {
        const outcome = mapper.map(record as Parameters<typeof mapper.map>[0]);
        if (!outcome.ok) continue;
        accepted++;
        expect(keyOf(record)).toBe(outcome.identity);
      }
    }
    expect(accepted).toBeGreaterThan(500);
  });
});
