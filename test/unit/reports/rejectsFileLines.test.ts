import { describe, expect, it } from 'vitest';
import { rejectsFileLines, type RejectedRow } from '../../../activities/reports/rejectParts';

/**
 * README: a rejects file is fixed and imported again. When that file is rejected in part, its own
 * rejects file must be importable in turn: one of each xp_import_* column (or key), holding where
 * and why the row was rejected this time, never the values of the round before.
 */
const rejected = (fields: Partial<RejectedRow>): RejectedRow => ({ row: 2, line: 3, column: 'email', reason: 'not a valid email address', ...fields });

describe('rejects file lines, CSV', () => {
  it('a source without xp_import_* columns: the four columns, then its own', () => {
    const lines = rejectsFileLines('csv', { header: ['user_id', 'email'] });
    expect(lines.header).toBe('xp_import_row,xp_import_line,xp_import_column,xp_import_reason,user_id,email\r\n');
    expect(lines.line(rejected({ cells: ['u2', 'nope'] }))).toBe('2,3,email,not a valid email address,u2,nope\r\n');
  });

  it('a rejects file as the source: the new columns replace the old ones, in the header and in the row', () => {
    const lines = rejectsFileLines('csv', { header: ['xp_import_row', 'xp_import_line', 'xp_import_column', 'xp_import_reason', 'Customer ID', 'email'] });
    expect(lines.header).toBe('xp_import_row,xp_import_line,xp_import_column,xp_import_reason,Customer ID,email\r\n');
    const line = lines.line(rejected({ row: 1, line: 2, cells: ['7', '8', 'email', 'Column "email" is not a valid email address', 'c7', 'still wrong'] }));
    expect(line).toBe('1,2,email,not a valid email address,c7,still wrong\r\n');
  });

  it('xp_import_* columns anywhere in the header, some of them only', () => {
    const lines = rejectsFileLines('csv', { header: ['user_id', 'xp_import_reason', 'email', 'xp_import_row'] });
    expect(lines.header).toBe('xp_import_row,xp_import_line,xp_import_column,xp_import_reason,user_id,email\r\n');
    expect(lines.line(rejected({ row: 5, line: 6, cells: ['u5', 'old reason', 'bad', '99'] }))).toBe('5,6,email,not a valid email address,u5,bad\r\n');
  });

  it('a name that only looks like one of them is the source\'s own column', () => {
    const lines = rejectsFileLines('csv', { header: ['user_id', 'XP_IMPORT_ROW', 'xp_import_rows'] });
    expect(lines.header).toBe('xp_import_row,xp_import_line,xp_import_column,xp_import_reason,user_id,XP_IMPORT_ROW,xp_import_rows\r\n');
    expect(lines.line(rejected({ cells: ['u2', 'a', 'b'] }))).toBe('2,3,email,not a valid email address,u2,a,b\r\n');
  });

  it('a ragged row keeps its cells as they split, without the old columns\' cells', () => {
    const lines = rejectsFileLines('csv', { header: ['xp_import_row', 'xp_import_line', 'xp_import_column', 'xp_import_reason', 'user_id', 'email'] });
    const ragged = { column: null, reason: 'the row has 3 fields, the header has 6' };
    expect(lines.line(rejected({ ...ragged, cells: ['4', '5', ''] }))).toBe('2,3,,"the row has 3 fields, the header has 6"\r\n');
    expect(lines.line(rejected({ ...ragged, cells: ['4', '5', '', 'old', 'u4', 'd@example.com', 'extra'] }))).toBe('2,3,,"the row has 3 fields, the header has 6",u4,d@example.com,extra\r\n');
  });

  it('a record whose quotes do not pair up is kept whole, in one cell', () => {
    const lines = rejectsFileLines('csv', { header: ['xp_import_row', 'xp_import_line', 'xp_import_column', 'xp_import_reason', 'user_id'] });
    expect(lines.line(rejected({ column: null, reason: 'unclosed', raw: '1,2,,old,"u1' }))).toBe('2,3,,unclosed,"1,2,,old,""u1"\r\n');
  });
});

describe('rejects file lines, NDJSON', () => {
  it('no header; the four keys first, then the object\'s own', () => {
    const lines = rejectsFileLines('ndjson', undefined);
    expect(lines.header).toBe('');
    expect(lines.line(rejected({ value: { user_id: 'u2', email: 'nope' } }))).toBe(
      '{"xp_import_row":2,"xp_import_line":3,"xp_import_column":"email","xp_import_reason":"not a valid email address","user_id":"u2","email":"nope"}\n',
    );
  });

  it('an object from a rejects file: the new values, the xp_import_* keys first, its other keys in their order', () => {
    const lines = rejectsFileLines('ndjson', undefined);
    const value = { xp_import_row: 9, xp_import_line: 9, user_id: 'u2', xp_import_column: 'mobile_number', email: 'nope', xp_import_reason: 'old reason' };
    const written = lines.line(rejected({ value }));
    expect(Object.entries(JSON.parse(written) as Record<string, unknown>)).toEqual([
      ['xp_import_row', 2],
      ['xp_import_line', 3],
      ['xp_import_column', 'email'],
      ['xp_import_reason', 'not a valid email address'],
      ['user_id', 'u2'],
      ['email', 'nope'],
    ]);
    expect(value).toHaveProperty('xp_import_row', 9); // the record itself is left alone
  });

  it('a line that was not a JSON object: its text under "raw", whatever it holds', () => {
    const lines = rejectsFileLines('ndjson', undefined);
    const written = lines.line(rejected({ row: 4, line: 4, column: null, reason: 'not JSON', raw: '{"xp_import_row":1,"user_id":"u4"' }));
    expect(JSON.parse(written)).toEqual({ xp_import_row: 4, xp_import_line: 4, xp_import_column: null, xp_import_reason: 'not JSON', raw: '{"xp_import_row":1,"user_id":"u4"' });
  });
});

describe('rejects file lines in the source\'s own dialect', () => {
  it('a semicolon source with a byte order mark: a semicolon rejects file with the mark, quoting what holds a semicolon', () => {
    const lines = rejectsFileLines('csv', { header: ['user_id', 'Umsatz (EUR, netto)'], delimiter: ';', hasBom: true });
    expect(lines.header).toBe('\uFEFFxp_import_row;xp_import_line;xp_import_column;xp_import_reason;user_id;Umsatz (EUR, netto)\r\n');
    expect(lines.line(rejected({ column: null, reason: 'the row has 3 fields; the header has 2', cells: ['u2', '175,01', 'x;y'] }))).toBe(
      '2;3;;"the row has 3 fields; the header has 2";u2;175,01;"x;y"\r\n',
    );
  });

  it('no mark and a comma when the source had none, or when a run of older code gives no dialect', () => {
    expect(rejectsFileLines('csv', { header: ['user_id'], delimiter: '\t', hasBom: false }).header).toBe('xp_import_row\txp_import_line\txp_import_column\txp_import_reason\tuser_id\r\n');
    expect(rejectsFileLines('csv', { header: ['user_id'] }).header).toBe('xp_import_row,xp_import_line,xp_import_column,xp_import_reason,user_id\r\n');
  });
});

describe('a later-row warning goes on when a rejects file is rejected again', () => {
  const warned = "the row has 2 fields, the header has 3; a later row has the user_id this row reads as: if that is this row's user_id, leave this row out when you import the fixed rows, or its older values win";
  const carried = /; the rejects file this row came from said that a later row has the identity this row read as there: if that is this row's, leave it out when you import the fixed rows, or its older values win$/;
  const header = ['xp_import_row', 'xp_import_line', 'xp_import_column', 'xp_import_reason', 'user_id', 'name'];
  const reasonOf = (line: string) => line.split('"')[1] ?? '';

  it('CSV: from the xp_import_reason cell of the row (a ragged one too), or from the text of a row kept whole', () => {
    const lines = rejectsFileLines('csv', { header });
    const again = { column: null, reason: 'the row has 7 fields, the header has 6' };
    expect(reasonOf(lines.line(rejected({ ...again, cells: ['1', '2', '', warned, 'u1', 'Smith', ' Ann'] })))).toMatch(carried);
    expect(reasonOf(lines.line(rejected({ ...again, raw: `1,2,,"${warned}","u1` })))).toMatch(carried);
    // Not warned before: nothing to carry.
    expect(reasonOf(lines.line(rejected({ ...again, cells: ['1', '2', '', 'the row has 2 fields, the header has 3', 'u1', 'Smith', ' Ann'] })))).toBe(again.reason);
    // Warned this round too: said once.
    const both = lines.line(rejected({ ...again, reason: warned, cells: ['1', '2', '', warned, 'u1', 'Smith, Ann'] }));
    expect(both.split('a later row has the')).toHaveLength(2);
  });

  it('CSV: a source that is not a rejects file has no reason before, whatever its cells say', () => {
    const lines = rejectsFileLines('csv', { header: ['user_id', 'note'] });
    expect(lines.line(rejected({ reason: 'bad', cells: ['u1', warned] }))).toBe(`2,3,email,bad,u1,"${warned}"\r\n`);
  });

  it('NDJSON: from the xp_import_reason key, or from the text of a line that was not JSON', () => {
    const lines = rejectsFileLines('ndjson', undefined);
    const reason = (line: string) => (JSON.parse(line) as { xp_import_reason: string }).xp_import_reason;
    expect(reason(lines.line(rejected({ reason: 'not JSON', value: { xp_import_reason: warned, user_id: 'u1' } })))).toMatch(carried);
    expect(reason(lines.line(rejected({ reason: 'not JSON', raw: JSON.stringify({ xp_import_reason: warned }).slice(0, -1) })))).toMatch(carried);
    expect(reason(lines.line(rejected({ reason: 'not JSON', value: { user_id: 'u1' } })))).toBe('not JSON');
  });
});

describe('no warning is made up from a source that is not a rejects file', () => {
  const warned = 'a later row has the user_id this row reads as';
  it('a CSV row kept whole, an NDJSON line that was not JSON: their text is not a reason before', () => {
    expect(rejectsFileLines('csv', { header: ['user_id', 'note'] }).line(rejected({ reason: 'bad', raw: `u1,"${warned}` }))).toBe(`2,3,email,bad,"u1,""${warned}"\r\n`);
    const line = rejectsFileLines('ndjson', undefined).line(rejected({ reason: 'not JSON', raw: `{"note":"${warned}"` }));
    expect((JSON.parse(line) as { xp_import_reason: string }).xp_import_reason).toBe('not JSON');
  });
});
