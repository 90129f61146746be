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
