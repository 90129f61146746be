import { describe, expect, it } from 'vitest';
import { identityKeyParser, type IdentityKeyInput, type RowIdentity } from '../../../activities/dedupe/identityKey';
import { compileMapping, MappingError } from '../../../activities/rows';
import { sourceRecordParser } from '../../../activities/source';
import { seededRandom } from './support';

/** What the parser reads from one record's text (row 1), given as CSV bytes or NDJSON text as parseRecords gives them. */
function identityOf(input: IdentityKeyInput): (text: string) => RowIdentity {
  const parser = identityKeyParser(input);
  return (text) => {
    if ('parseBytes' in parser) {
      // Inside a larger window, as the assembler hands records over.
      const bytes = Buffer.from(`x\n${text}\ny`);
      return parser.parseBytes(bytes, 2, bytes.length - 2, 0, 1, 2);
    }
    parser.use(text);
    return parser.parse(0, text.length, 0, 1, 2);
  };
}

/** The key of a record that reads as a row: one that supersedes and is superseded. */
function keyOf(input: IdentityKeyInput): (text: string) => string | undefined {
  const identity = identityOf(input);
  return (text) => {
    const read = identity(text);
    return read.unreadable ? undefined : read.key;
  };
}

/** What the identity of a record that does not read as a row reads as (one way or two); null for a record that does read as a row. */
function readAsOf(input: IdentityKeyInput): (text: string) => string[] | null {
  const identity = identityOf(input);
  return (text) => {
    const read = identity(text);
    if (read.unreadable) return read.alsoReadAs === undefined ? [read.key as string] : [read.key as string, read.alsoReadAs];
    return read.key === undefined ? [] : null;
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

  it('CSV: a ragged row\'s identity reads from both ends of the row, a badly quoted one\'s from the cells before the trouble, marked unreadable', () => {
    const header = ['Email', 'Customer ID', 'device_id'];
    const readAs = readAsOf({ format: 'csv', header, delimiter: ',', mapping: { columns: { 'Customer ID': 'user_id', Email: { skip: true } } } });
    expect(readAs('a@example.com, C-1 ,d1')).toBeNull();
    // Too few or too many cells: the cell counted from the start, then the one counted from the end.
    expect(readAs('a@example.com,C-1')).toEqual(['C-1', 'a@example.com']);
    expect(readAs('a@example.com, "C-1" ,d1,extra')).toEqual(['"C-1"', 'd1']);
    expect(readAs('a@example.com,"C,1",d1,extra')).toEqual(['C,1', 'd1']);
    expect(readAs('a@example.com, ,d1,extra')).toEqual(['d1']);
    expect(readAs('a@example.com')).toEqual([]);
    // Quotes that do not pair up after the identity's cell.
    expect(readAs('a@example.com,C-1,"d1')).toEqual(['C-1']);
    expect(readAs('a@example.com,C-1,"d"x')).toEqual(['C-1']);
    // The trouble at or before the identity's cell: nothing to read.
    expect(readAs('"a@example.com"x,C-1,d1')).toEqual([]);
    expect(readAs('a@example.com,"C-1')).toEqual([]);
  });

  it('CSV: an unquoted comma in a column before the identity\'s still lets the identity be read (from the end)', () => {
    const readAs = readAsOf({ format: 'csv', header: ['first_name', 'user_id', 'city'], delimiter: ',' });
    expect(readAs('Smith, Ann,u1,Cork')).toEqual(['Ann', 'u1']);
    expect(readAs('Ann,u1,Cork,Ireland')).toEqual(['u1', 'Cork']);
  });

  it('CSV: device_id when no column goes to user_id, with the file\'s delimiter', () => {
    expect(keyOf({ format: 'csv', header: ['device_id', 'language'], delimiter: ';' })('dev-9;en')).toBe('dev-9');
  });

  it('a record that is not valid UTF-8 has no key, but its identity may read as one where that cell is valid', () => {
    const csv = identityKeyParser({ format: 'csv', header: ['user_id', 'name'], delimiter: ',' });
    expect(csv.invalidUtf8(0, 7, 8, 3, 'u\uFFFD,Ann')).toEqual({ row: 7, key: undefined });
    expect(csv.invalidUtf8(0, 7, 8, 3, 'u1,An\uFFFDn')).toEqual({ row: 7, key: 'u1', unreadable: true });
    expect(csv.invalidUtf8(0, 7, 8, 3, 'u1,An\uFFFDn,extra')).toEqual({ row: 7, key: 'u1', unreadable: true });
    const ndjson = identityKeyParser({ format: 'ndjson' });
    expect(ndjson.invalidUtf8(0, 7, 8, 3, '{"user_id":"u1","name":"An\uFFFDn"}')).toEqual({ row: 7, key: 'user_id:u1', unreadable: true });
    expect(ndjson.invalidUtf8(0, 7, 8, 3, '{"user_id":"u\uFFFD"}')).toEqual({ row: 7, key: undefined });
  });

  it('NDJSON: a line that is not a JSON object reads as the first identity key found in its text', () => {
    const readAs = readAsOf({ format: 'ndjson', mapping: { columns: { uid: 'user_id' } } });
    expect(readAs('{"uid":"u1"}')).toBeNull();
    expect(readAs('{"uid": " u1 ", "name": "Ann"')).toEqual(['user_id:u1']);
    expect(readAs('{"uid":42,')).toEqual(['user_id:42']);
    expect(readAs('{"device_id":"d\\"1",')).toEqual(['device_id:d"1']);
    expect(readAs('{"device_id":"d1","uid":"u1"')).toEqual(['user_id:u1']);
    expect(readAs('["uid"]')).toEqual([]);
    expect(readAs('{"uid":"","name":')).toEqual([]);
    // A key not sent to user_id is not read as one.
    expect(readAsOf({ format: 'ndjson', mapping: { columns: { uid: 'user_id', user_id: 'legacy_id' } } })('{"user_id":"u1"')).toEqual([]);
    // A whole number too long for a double keeps its digits: the string a fixed row holds.
    expect(readAs('{"uid":12345678901234567890,"n":1}')).toEqual(['user_id:12345678901234567890']);
    // Keys with the pattern's own characters in them.
    expect(readAsOf({ format: 'ndjson', mapping: { columns: { 'a.b(c)+': 'user_id' } } })('{"a.b(c)+":"u1",')).toEqual(['user_id:u1']);
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
    let unreadableRead = 0;
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
        if (outcome === undefined && identityOf({ format, header, delimiter: ',', mapping })(line).key !== undefined) unreadableRead++;
        // A CSV key is the value alone: the file has one identity column.
        if (outcome?.ok) expect(key(line), line).toBe(format === 'csv' ? outcome.identity.replace(/^[a-z_]+:/, '') : outcome.identity);
        else if (noIdentity) expect(key(line), line).toBeUndefined();
      }
    }
    expect(accepted).toBeGreaterThan(1_000);
    expect(refused).toBeGreaterThan(500);
    // Unparsable rows whose identity still reads (marked unreadable, so never taken as keys above).
    expect(unreadableRead).toBeGreaterThan(50);
  });
});
