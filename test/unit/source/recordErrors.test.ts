import { describe, expect, it } from 'vitest';
import { LocalFileSource } from '../../../activities/source/byteSource';
import { RecordErrorSchema } from '../../../activities/source/errors';
import { inspectSource } from '../../../activities/source/inspect';
import { csvRecordParser, type FailedRecord, type SourceRecord } from '../../../activities/source/recordParsers';
import { planAll, readAll, writeTemp } from './support';

function failed(record: SourceRecord | undefined): FailedRecord {
  if (!record || !('error' in record)) throw new Error(`expected a failed record, got ${JSON.stringify(record)}`);
  expect(RecordErrorSchema.parse(record.error)).toEqual(record.error);
  return record;
}

const lines = [
  'email,name,age',
  'alice@example.com,Alice,30',
  'bob@example.com,Bob Secret', // ragged: 2 fields
  '"carol@example.com"xyz,Carol,31', // text after the closing quote
  'dave@example.com,D\u0000ve,40', // invalid UTF-8 goes where the NUL is
  '"erin@example.com","Erin ""E"" Smith",41',
  'frank@example.com,Frank,50,extra', // ragged: 4 fields
];

function csvWithInvalidUtf8(): Buffer {
  const text = `${lines.join('\r\n')}\r\n`;
  const bytes = Buffer.from(text, 'utf8');
  bytes[text.indexOf('\u0000')] = 0xc3; // a lead byte followed by "v": invalid
  return bytes;
}

describe('RecordError (CSV)', async () => {
  const content = csvWithInvalidUtf8();
  const src = new LocalFileSource(writeTemp('record-errors.csv', content), { chunkBytes: 7 });
  const { layout, totalRows } = await inspectSource(src, { format: 'csv' });
  const records = await readAll(src, 'csv', layout, (await planAll(src, 'csv', layout, 2, 10)).batches);
  const offsetOf = (line: number) => content.indexOf(lines[line - 1] ?? '');
  const secrets = ['alice', 'Alice', 'bob', 'Bob', 'Secret', 'carol', 'Carol', 'xyz', 'dave', 'erin', 'frank', 'Frank', 'extra'];

  it('every record is yielded, failed ones in place', () => {
    expect(totalRows).toBe(6);
    expect(records.map((r) => [r.row, r.line, 'cells' in r ? 'ok' : failed(r).error.code])).toEqual([
      [1, 2, 'ok'],
      [2, 3, 'ragged_row'],
      [3, 4, 'text_after_quote'],
      [4, 5, 'invalid_utf8'],
      [5, 6, 'ok'],
      [6, 7, 'ragged_row'],
    ]);
    expect(records[0]).toMatchObject({ cells: ['alice@example.com', 'Alice', '30'] });
    expect(records[4]).toMatchObject({ cells: ['erin@example.com', 'Erin "E" Smith', '41'] });
  });

  it('a ragged row says how many fields against the header', () => {
    expect(failed(records[1]).error).toEqual({ code: 'ragged_row', reason: 'the row has 2 fields, the header has 3', byteOffset: offsetOf(3) });
    expect(failed(records[5]).error.reason).toBe('the row has 4 fields, the header has 3');
  });

  it("in a rejects file imported again, a ragged row's fields are counted without the xp_import_ columns, as in the export it came from", () => {
    const parser = csvRecordParser(['xp_import_row', 'xp_import_line', 'xp_import_column', 'xp_import_reason', 'user_id', 'email', 'name'], ',');
    const text = '3,4,,"the row has 2 fields, the header has 3",u3,c@example.com';
    parser.use(text);
    const record = parser.parse(0, text.length, 0, 1, 2);
    expect('error' in record && record.error.reason).toBe('the row has 2 fields, the header has 3 (not counting the 4 xp_import_ columns of a rejects file)');
  });

  it('text after a closing quote names the column and the byte', () => {
    const { error } = failed(records[2]);
    expect(error).toMatchObject({ code: 'text_after_quote', column: 'email', byteOffset: offsetOf(4) + '"carol@example.com"'.length });
    expect(error.reason).toContain(`byte ${error.byteOffset}`);
  });

  it('invalid UTF-8 names the byte offset', () => {
    const at = content.indexOf(0xc3);
    expect(failed(records[3]).error).toMatchObject({ code: 'invalid_utf8', byteOffset: at });
    expect(failed(records[3]).error.reason).toContain(`byte ${at}`);
  });

  it('no reason holds cell content, while raw keeps the record for the rejects file', () => {
    for (const record of records.filter((r) => 'error' in r)) {
      const { error, raw } = failed(record);
      for (const secret of secrets) expect(error.reason).not.toContain(secret);
      expect(raw.length).toBeGreaterThan(0);
    }
    expect(failed(records[1]).raw).toBe('bob@example.com,Bob Secret');
  });
});

describe('RecordError: a quote left open at the end of the last record', () => {
  it('is a file-level error, found by inspection', async () => {
    const src = new LocalFileSource(writeTemp('open-last.csv', 'a,b\n1,"2\n'));
    await expect(inspectSource(src, { format: 'csv' })).rejects.toMatchObject({ code: 'unclosed_quote', position: { line: 2, byteOffset: 6 } });
  });
});
