import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startImport, waitForReport } from '../../client/imports';
import type { MappingInput } from '../../common/mapping';
import { startTestStack, type TestStack } from '../support/stack';

/** Accounting on small files with every awkward shape at once, batch sizes 1 and 2. */
describe('awkward files in tiny batches: every row accounted for, the store as the file says', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack.stop();
  });

  async function run(name: string, content: string | Buffer, batchSize: number, mapping?: MappingInput) {
    await writeFile(path.join(stack.dataDir, name), content);
    const report = await waitForReport(stack.client, (await startImport(stack.client, { source: name, importId: `awkward-${name.replace(/\W/g, '-')}`, batchSize, ...(mapping ? { mapping } : {}) })).importId);
    const rejects = report.rejectsFile ? readFileSync(report.rejectsFile, 'utf8') : '';
    return { report, rejects };
  }

  it('CSV: BOM, CRLF, quoted newlines at batch boundaries, blank lines, blank identity, duplicates across batches, no final newline', async () => {
    const content =
      '\uFEFFuser_id,first_name,notes\r\n' +
      'e1,Ann,"line1\r\nline2"\r\n' + // row 1 (lines 2-3), superseded by row 5
      'e2,Bob,x\r\n' + // row 2 (line 4), superseded by row 7
      '\r\n' + // line 5 blank
      '"e3",Cy,"a\r\n\r\nb"\r\n' + // row 3 (lines 6-8)
      '   ,Dee,y\r\n' + // row 4 (line 9): blank identity
      'e1,Ann2,z\r\n' + // row 5 (line 10)
      '\r\n\r\n' + // lines 11-12 blank
      'e5,Eve,"q""uote"\r\n' + // row 6 (line 13)
      'e2,Bob2,w'; // row 7 (line 14), no line ending
    const { report, rejects } = await run('edges.csv', content, 2);
    expect(report.rows).toEqual({ total: 7, imported: 4, rejected: 1, skipped: 2, superseded: 2 });
    // Lines 5, 11 and 12 (a blank line inside a quoted cell is part of it).
    expect(report.blankLines).toBe(3);
    const lines = rejects.split(/\r?\n/).filter((l) => l.length > 0);
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 2).join(','))).toEqual(['4,9']);
    const store = stack.sandbox.profiles();
    expect(store.get('user_id:e1')).toEqual({ user_id: 'e1', first_name: 'Ann2', notes: 'z' });
    expect(store.get('user_id:e2')).toEqual({ user_id: 'e2', first_name: 'Bob2', notes: 'w' });
    expect(store.get('user_id:e3')).toEqual({ user_id: 'e3', first_name: 'Cy', notes: 'a\r\n\r\nb' });
    expect(store.get('user_id:e5')).toEqual({ user_id: 'e5', first_name: 'Eve', notes: 'q"uote' });
  });

  it('a file whose rows all but the last are superseded, batch size 1', async () => {
    const { report, rejects } = await run('same.csv', 'user_id,first_name\ns1,one\ns1,two\ns1,three\n', 1);
    expect(report.rows).toEqual({ total: 3, imported: 1, rejected: 0, skipped: 2, superseded: 2 });
    expect(report.blankLines).toBe(0);
    expect(report.status).toBe('completed');
    expect(rejects).toBe('');
    expect(stack.sandbox.profiles().get('user_id:s1')).toEqual({ user_id: 's1', first_name: 'three' });
  });

  it('NDJSON: BOM, CRLF, whitespace lines, blank user_id falling back to device_id, padded identity, no final newline', async () => {
    const content =
      '\uFEFF{"user_id":"n1","a":1}\r\n' + // row 1, superseded by row 3
      '   \r\n' +
      '{"user_id":"  ","device_id":"d1","a":2}\r\n' + // row 2, device_id d1, superseded by row 4
      '{"user_id":" n1 ","a":3}\r\n' + // row 3
      '{"device_id":"d1","a":4}'; // row 4
    const { report } = await run('edges.ndjson', content, 1);
    expect(report.rows).toEqual({ total: 4, imported: 2, rejected: 0, skipped: 2, superseded: 2 });
    expect(report.blankLines).toBe(1);
    const store = stack.sandbox.profiles();
    expect(store.get('user_id:n1')).toEqual({ user_id: 'n1', a: 3 });
    expect(store.get('device_id:d1')).toEqual({ device_id: 'd1', a: 4 });
  });

  it('a mapping that renames and skips columns; a padded identity and its duplicate', async () => {
    const mapping: MappingInput = { columns: { 'Customer ID': 'user_id', Name: 'first_name', Secret: { skip: true } } };
    const { report, rejects } = await run('mapped.csv', 'Customer ID,Name,Secret\n c9 ,A,s1\nc9,B,s2\nc10,,s3\n ,C,s4\n', 2, mapping);
    expect(report.rows).toEqual({ total: 4, imported: 2, rejected: 1, skipped: 1, superseded: 1 });
    const lines = rejects.split(/\r?\n/).filter((l) => l.length > 0);
    expect(lines[0]).toBe('xp_import_row,xp_import_line,xp_import_column,xp_import_reason,Customer ID,Name,Secret');
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(['4']);
    expect(stack.sandbox.profiles().get('user_id:c9')).toEqual({ user_id: 'c9', first_name: 'B' });
  });
});
