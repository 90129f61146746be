import { describe, expect, it } from 'vitest';
import { identityKeyParser, type IdentityKeyInput } from '../../../activities/dedupe/identityKey';
import { compileMapping, MappingError } from '../../../activities/rows';
import { sourceRecordParser } from '../../../activities/source';
import { seededRandom } from './support';

/** The key the parser reads from one record's text (row 1), given as CSV bytes or NDJSON text as parseRecords gives them. */
function keyOf(input: IdentityKeyInput): (text: string) => string | undefined {
  const parser = identityKeyParser(input);
  return (text) => {
    if ('parseBytes' in parser) {
      // Inside a larger window, as the assembler hands records over.
      const bytes = Buffer.from(`x\n${text}\ny`);
      return parser.parseBytes(bytes, 2, bytes.length - 2, 0, 1, 2).key;
    }
    parser.use(text);
    return parser.parse(0, text.length, 0, 1, 2).key;
  };
}

describe('identityKeyParser reads the identity as the row mapper keys it', () => {
  it('CSV: the mapped identity column, trimmed and unquoted; blank, ragged or badly quoted gives nothing', () => {
    const header = ['Email', 'Customer ID', 'device_id'];
    const key = keyOf({ format: 'csv', header, delimiter: ',', mapping: { columns: { 'Customer ID': 'user_id', Email: { skip: true } } } });
    expect(key('a@example.com,  C-1 ,d1')).toBe('C-1');
    expect(key('a@example.com,"C ""2"", x",d1')).toBe('C "2", x');
    expect(key('a@example.com,\u00a0Zoë\u2003,d1')).toBe('Zoë');
    expect(key('a@example.com, \t,d1')).toBeUndefined();
    expect(key('a@example.com,C-1')).toBeUndefined();
    expect(key('a@example.com,C-1,d1,extra')).toBeUndefined();
    expect(key('"a@example.com"x,C-1,d1')).toBeUndefined();
    expect(key('a@example.com,C-1,"d1')).toBeUndefined();
  });

  it('CSV: device_id when no column goes to user_id, with the file\'s delimiter', () => {
    expect(keyOf({ format: 'csv', header: ['device_id', 'language'], delimiter: ';' })('dev-9;en')).toBe('dev-9');
  });

  it('a record that is not valid UTF-8 has no key', () => {
    const parser = identityKeyParser({ format: 'csv', header: ['user_id'], delimiter: ',' });
    expect(parser.invalidUtf8(0, 7, 8, 3, 'u\uFFFD')).toEqual({ row: 7, key: undefined });
  });

  it('NDJSON: user_id (renamed or not), numbers as text, device_id only when user_id is blank', () => {
    const key = keyOf({ format: 'ndjson', mapping: { columns: { uid: 'user_id' } } });
    expect(key('{"uid":" abc "}')).toBe('user_id:abc');
    expect(key('{"user_id":42}')).toBe('user_id:42');
    expect(key('{"user_id":"","device_id":"d"}')).toBe('device_id:d');
    expect(key('{"user_id":null,"device_id":7}')).toBe('device_id:7');
    expect(key('{"user_id":{"nested":1}}')).toBeUndefined();
    expect(key('{"user_id":true,"device_id":"d"}')).toBeUndefined();
    expect(key('{"name":"no identity"}')).toBeUndefined();
    expect(key('{"user_id":"u"')).toBeUndefined();
    expect(key('["u"]')).toBeUndefined();
  });

  it('NDJSON: a user_id key mapped elsewhere is not the identity', () => {
    const key = keyOf({ format: 'ndjson', mapping: { columns: { user_id: 'legacy_id', device_id: { skip: true }, id: 'device_id' } } });
    expect(key('{"user_id":"u","device_id":"x","id":"d"}')).toBe('device_id:d');
  });

  it('throws the MappingError of a mapping that does not fit the header', () => {
    expect(() => identityKeyParser({ format: 'csv', header: ['email', 'email_subscription'], delimiter: ',' })).toThrow(MappingError);
  });

  it('agrees with readBatch and RowOutcome.identity on generated records: a key exactly for the accepted rows', () => {
    const random = seededRandom(3);
    const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)] as T;
    const mapping = { columns: { cid: 'user_id', dev: 'device_id' } };
    const header = ['name', 'cid', 'dev'];
    const csvCell = (i: number) => pick(['', ' ', `c${i}`, ` c${i} `, `"c,${i}"`, `"c""${i}"`, `"  "`, `"open${i}`, `"x"y`, `c"${i}`]);
    const lines = { csv: [] as string[], ndjson: [] as string[] };
    for (let i = 0; i < 2_000; i++) {
      const cells = [pick(['x', '"x,y"']), csvCell(i), pick(['', `d${i}`, `"d${i}"`])];
      if (random() < 0.1) cells.push('extra');
      if (random() < 0.1) cells.pop();
      lines.csv.push(cells.join(','));
      const value: Record<string, unknown> = {};
      if (random() < 0.8) value.cid = pick<unknown>(['', ' ', null, `c${i}`, ` c${i} `, i, 3.5, {}, true]);
      if (random() < 0.5) value.dev = pick<unknown>(['', `d${i}`, i, null]);
      if (random() < 0.3) value.name = 'x';
      lines.ndjson.push(random() < 0.05 ? `{"cid":"c${i}"` : JSON.stringify(value));
    }
    let accepted = 0;
    let refused = 0;
    for (const format of ['csv', 'ndjson'] as const) {
      const mapper = compileMapping({ format, header: format === 'csv' ? header : undefined, mapping });
      const records = sourceRecordParser(format, header, ',');
      const key = keyOf({ format, header, delimiter: ',', mapping });
      for (const line of lines[format]) {
        records.use(line);
        const record = records.parse(0, line.length, 0, 1, 2);
        const outcome = 'error' in record ? undefined : mapper.map(record);
        if (outcome?.ok) accepted++;
        else refused++;
        // A row readBatch cannot parse, or the mapper finds without an identity, supersedes nothing.
        const noIdentity = outcome === undefined || (!outcome.ok && ['identity_missing', 'ragged_row'].includes(outcome.issue.code));
        // A CSV key is the value alone: the file has one identity column.
        if (outcome?.ok) expect(key(line), line).toBe(format === 'csv' ? outcome.identity.replace(/^[a-z_]+:/, '') : outcome.identity);
        else if (noIdentity) expect(key(line), line).toBeUndefined();
      }
    }
    expect(accepted).toBeGreaterThan(1_000);
    expect(refused).toBeGreaterThan(500);
  });
});
