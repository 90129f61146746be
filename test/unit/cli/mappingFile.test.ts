import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadMappingFile, UsageError } from '../../../client/cli/usage';

const dir = mkdtempSync(path.join(os.tmpdir(), 'xp-import-mapping-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const mapping = JSON.stringify({ columns: { 'Customer ID': 'user_id', 'Email Address': 'email' } });
function saved(name: string, bytes: Buffer): string {
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  return file;
}

describe('a mapping file as editors save it', () => {
  it('is read the same with or without a UTF-8 byte order mark', () => {
    const plain = loadMappingFile(saved('plain.json', Buffer.from(mapping, 'utf8')));
    // Before, the mark was refused as "not valid JSON: Unexpected token '\uFEFF'": a character nobody can see.
    const marked = loadMappingFile(saved('bom.json', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(mapping, 'utf8')])));
    expect(marked).toEqual(plain);
    expect(marked.columns['Customer ID']).toBe('user_id');
  });

  it('in UTF-16, with or without its mark, is refused with a message that asks for UTF-8', () => {
    const utf16le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(mapping, 'utf16le')]);
    const utf16be = Buffer.from(utf16le.subarray(2)).swap16();
    for (const bytes of [utf16le, Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be]), Buffer.from(mapping, 'utf16le')]) {
      const file = saved('utf16.json', bytes);
      expect(() => loadMappingFile(file)).toThrow(UsageError);
      expect(() => loadMappingFile(file)).toThrow(`mapping file ${file} is not UTF-8 (it looks like UTF-16): save it as UTF-8`);
    }
  });

  it('that is not JSON, or missing, still says so', () => {
    expect(() => loadMappingFile(saved('broken.json', Buffer.from('{"columns": ', 'utf8')))).toThrow(/is not valid JSON: Unexpected end of JSON input \(line 1, column 13\)$/);
    // Before, only "at position 31": the line and column an editor shows go beside it.
    expect(() => loadMappingFile(saved('comma.json', Buffer.from('{\n  "columns": {\n    "a": "b",\n  }\n}\n', 'utf8')))).toThrow(
      /is not valid JSON: Expected double-quoted property name in JSON at position 33 \(line 4, column 3\)/,
    );
    expect(() => loadMappingFile(path.join(dir, 'absent.json'))).toThrow(/cannot read mapping file .*absent\.json: no such file \(ENOENT\): check the path/);
  });

  it('with a column entry of the wrong form says what is wrong in it and what is allowed, not "Invalid input"', () => {
    const refusal = (columns: unknown) => {
      try {
        loadMappingFile(saved('columns.json', Buffer.from(JSON.stringify({ columns }), 'utf8')));
        return 'accepted';
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(refusal({ pts: { type: 'integer' } })).toMatch(/columns\.pts: "type": a "type" is one of string, number, boolean, date or json/);
    expect(refusal({ vip: { to: 'vip', blank: 'zap' } })).toMatch(/columns\.vip: "blank": "blank" is leave .* or clear/);
    expect(refusal({ 'Customer ID': 123 })).toMatch(/columns\.Customer ID: a column maps to an attribute name \(a string such as "first_name"\) or to a rule/);
    for (const columns of [{ pts: { type: 'integer' } }, { 'Customer ID': 123 }]) expect(refusal(columns)).not.toMatch(/Invalid input/);
  });
});

/** The message a mapping file is refused with, or 'accepted'. */
function refusal(name: string, bytes: Buffer): string {
  try {
    loadMappingFile(saved(name, bytes));
    return 'accepted';
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
}

describe('a mapping file that JSON.parse would read without a word, but not as written', () => {
  it('with a key written twice, at any level, is refused naming the path (JSON.parse kept the last)', () => {
    const twice = (json: string) => refusal('twice.json', Buffer.from(json, 'utf8'));
    // Before, this validated and sent last_name.
    expect(twice('{"columns": {\n  "First Name": "first_name",\n  "First Name": "last_name"\n}}')).toMatch(
      /mapping file .*twice\.json is invalid: columns\."First Name" appears twice \(the second at line 3, column 3\), and only the last would count: keep one$/,
    );
    expect(twice('{"columns": {"id": "user_id"}, "columns": {"Id": "user_id"}}')).toMatch(/is invalid: columns appears twice/);
    expect(twice('{"constants": {"points": 1, "points": 2}}')).toMatch(/is invalid: constants\.points appears twice/);
    expect(twice('{"columns": {"Tier": {"to": "tier", "type": "string", "to": "level"}}}')).toMatch(/is invalid: columns\.Tier\.to appears twice/);
    expect(twice('{"columns": {"a": {"to": "x"}, "b": {"to": "y"}}}')).toBe('accepted');
  });

  it('with a "__proto__" entry in columns or constants is refused saying what to do (zod dropped it, even with an invalid rule)', () => {
    const proto = (json: string) => refusal('proto.json', Buffer.from(json, 'utf8'));
    expect(proto('{"columns": {"Customer ID": "user_id", "__proto__": {"tpye": "number"}}}')).toMatch(
      /columns\.__proto__: a column named "__proto__" cannot be named in a mapping, as a JSON object takes that key for its prototype: rename the column in the file/,
    );
    expect(proto('{"constants": {"__proto__": "x"}}')).toMatch(/constants\.__proto__: "__proto__" cannot be a constant: .*; remove it/);
  });

  it('not in UTF-8 (a Latin-1 "café") is refused with the offset of the first bad byte, asking for UTF-8', () => {
    const latin1 = Buffer.from('{"constants":\n  {"source": "caf\u00e9"}}', 'latin1');
    // Before, it validated and would have sent "caf\uFFFD".
    expect(refusal('latin1.json', latin1)).toMatch(/mapping file .*latin1\.json is not UTF-8: the byte at offset 31 \(line 2\) is not part of a UTF-8 character .*: save it as UTF-8 and try again$/);
    // Offsets count the file's bytes: a byte order mark and characters of several bytes before it included.
    const marked = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"constants": {"é€😀": "x'), Buffer.from([0xff]), Buffer.from('"}}')]);
    expect(refusal('marked.json', marked)).toMatch(/the byte at offset 33 \(line 1\)/);
    // A character cut short (the first two of the three bytes of "€") is named by its first byte.
    const cut = Buffer.concat([Buffer.from('{"constants": {"a": "x'), Buffer.from([0xe2, 0x82]), Buffer.from('"}}')]);
    expect(refusal('cut.json', cut)).toMatch(/the byte at offset 22 \(line 1\)/);
    // A replacement character the file really holds is UTF-8 like any other.
    expect(loadMappingFile(saved('fffd.json', Buffer.from('{"constants": {"source": "caf\u00e9 \uFFFD"}}', 'utf8'))).constants).toEqual({ source: 'caf\u00e9 \uFFFD' });
  });
});
