import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MappingError } from '../../../activities/rows';
import { SourceFormatError } from '../../../activities/source';
import { validateSource } from '../../../activities/validate';
import type { MappingInput } from '../../../common/mapping';
import { ValidationSummarySchema } from '../../../common/validation';
import { formatValidation } from '../../../bin/validateView';

const folder = mkdtempSync(path.join(tmpdir(), 'xp-import-validate-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
let seq = 0;

function write(content: string | Buffer, ext = 'csv'): string {
  const file = path.join(folder, `f${seq++}.${ext}`);
  writeFileSync(file, content);
  return file;
}

const HEADER = 'user_id,email,email_subscription,mobile_number,sms_subscription,timezone,language,prefs,signup,vip,points,note';
const MAPPING: MappingInput = {
  columns: { prefs: { type: 'json' }, signup: { type: 'date' }, vip: { type: 'boolean' }, points: { type: 'number' } },
  defaultCountry: 'IE',
};
/** A valid row; each case below changes one cell. */
const GOOD: Record<string, string> = {
  user_id: 'u1',
  email: 'a@example.com',
  email_subscription: 'yes',
  mobile_number: '085 012 3456',
  sms_subscription: 'no',
  timezone: 'europe/dublin',
  language: 'EN',
  prefs: '"{""tier"": ""gold""}"',
  signup: '2024-02-29',
  vip: 'TRUE',
  points: '12.5',
  note: 'hello',
};
const row = (changes: Record<string, string>) =>
  HEADER.split(',')
    .map((name) => changes[name] ?? GOOD[name])
    .join(',');

describe('validateSource: one kind of problem at a time', () => {
  // [what, changed cells, code, column]; every value here is one a reason must never repeat.
  const cases: Array<[string, Record<string, string>, string, string | null]> = [
    ['a bad email', { email: 'zed-at-example' }, 'email_invalid', 'email'],
    ['an email without its subscription', { email_subscription: '' }, 'email_subscription_missing', 'email_subscription'],
    ['a bad subscription value', { email_subscription: 'maybe' }, 'subscription_invalid', 'email_subscription'],
    ['a bad phone', { mobile_number: '+353 99 999' }, 'mobile_number_invalid', 'mobile_number'],
    ['a bad timezone', { timezone: 'Mars/Olympus' }, 'timezone_invalid', 'timezone'],
    ['a bad language', { language: 'xx-YY' }, 'language_invalid', 'language'],
    ['bad JSON in a json column', { prefs: '"{""tier"": gold}"' }, 'json_invalid', 'prefs'],
    ['a date that does not exist', { signup: '2023-02-29' }, 'date_invalid', 'signup'],
    ['a bad boolean', { vip: 'perhaps' }, 'boolean_invalid', 'vip'],
    ['a number with a thousands separator (one cell too many)', { points: '1,234' }, 'ragged_row', null],
    ['a bad number (no comma)', { points: '12abc' }, 'number_invalid', 'points'],
    ['a blank identity', { user_id: ' ' }, 'identity_missing', 'user_id'],
    ['a ragged row', { note: 'a,b' }, 'ragged_row', null],
  ];

  it.each(cases)('%s', async (_what, changes, code, column) => {
    const file = write(`${HEADER}\n${row({ user_id: 'u0' })}\n${row(changes)}\n${row({ user_id: 'u2' })}\n`);
    const summary = ValidationSummarySchema.parse(await validateSource(file, { mapping: MAPPING }));
    expect(summary.rows).toEqual({ total: 3, valid: 2, rejected: 1, duplicates: 0 });
    expect(summary.rejectedByCode).toEqual({ [code]: 1 });
    expect(summary.firstErrors).toEqual([{ row: 2, line: 3, column, code, reason: expect.any(String) as string }]);
    for (const value of Object.values(changes).filter((v) => v.trim().length > 2)) expect(summary.firstErrors[0]?.reason).not.toContain(value.replace(/"/g, ''));
  });

  it('accepts and normalises a valid file, listing the attributes it would send', async () => {
    const file = write(`\uFEFF${HEADER}\r\n${row({ user_id: 'u1' })}\r\n\r\n${row({ user_id: 'u2', note: '' })}\r\n`);
    const summary = await validateSource(file, { mapping: MAPPING });
    expect(summary).toMatchObject({ format: 'csv', delimiter: ',', identity: 'user_id', rows: { total: 2, valid: 2, rejected: 0, duplicates: 0 }, blankLines: 1, rejectsFile: null });
    expect(summary.attributes.find((a) => a.name === 'note')).toEqual({ name: 'note', rows: 1 });
    expect(summary.attributes.map((a) => a.name)).toEqual(HEADER.split(','));
    expect(summary.rowsPerSecond).toBeGreaterThan(0);
  });

  it('reads a ";" file\'s numbers as the import does: "1.250" is ambiguous until the mapping says its decimal separator', async () => {
    const file = write('user_id;points\nu1;1.250\nu2;12.5\n');
    const unsaid = await validateSource(file, { mapping: { columns: { points: { type: 'number' } } } });
    expect(unsaid.rejectedByCode).toEqual({ number_ambiguous: 1 });
    const said = await validateSource(file, { mapping: { columns: { points: { type: 'number' } }, decimalSeparator: '.' } });
    expect(said.rows).toMatchObject({ valid: 2, rejected: 0 });
  });

  it('counts warnings by code and still counts the row valid', async () => {
    const file = write(`${HEADER}\n${row({ note: 'x'.repeat(102) })}\n`);
    const summary = await validateSource(file, { mapping: MAPPING });
    expect(summary.rows.valid).toBe(1);
    expect(summary.warningsByCode).toEqual({ string_too_long: 1 });
  });

  it('reads invalid UTF-8 and quoted newlines as the import does: the row and its line', async () => {
    const file = write(
      Buffer.concat([
        Buffer.from(`user_id,note\nu1,"two\nlines"\nu2,caf`),
        Buffer.from([0xe9]),
        Buffer.from('\nu3,fine\n'),
      ]),
    );
    const summary = await validateSource(file);
    expect(summary.rows).toEqual({ total: 3, valid: 2, rejected: 1, duplicates: 0 });
    expect(summary.firstErrors).toEqual([expect.objectContaining({ row: 2, line: 4, code: 'invalid_utf8' })]);
    expect(summary.firstErrors[0]?.reason).toMatch(/byte \d+/);
  });

  it('warns in the reason of a ragged row whose user_id, as read, a later row has, in the errors and the rejects file alike', async () => {
    const file = write('user_id,first_name,city\nu1,Smith, Ann,Cork\nu2,Bo,Galway\nu1,Ann,Cork\nu2,Bo\n');
    const rejectsFile = path.join(folder, `rejects-${seq++}.csv`);
    const summary = await validateSource(file, { rejectsFile });
    expect(summary.rows).toMatchObject({ total: 4, valid: 2, rejected: 2, duplicates: 0 });
    const warning = "a later row has the user_id this row reads as: if that is this row's user_id, leave this row out when you import the fixed rows, or its older values win";
    expect(summary.firstErrors.map((error) => [error.row, error.code, error.reason.includes(warning)])).toEqual([
      [1, 'ragged_row', true],
      // u2's ragged row is its last: nothing later to bring back.
      [4, 'ragged_row', false],
    ]);
    const rejects = readFileSync(rejectsFile, 'utf8');
    expect(rejects.split(warning)).toHaveLength(2);
  });

  it('names no attribute in the later-row warning of an NDJSON line, whose identity may be a user_id or a device_id', async () => {
    const file = write('{"user_id":"u9","first_name":"A"}\n{"device_id":"d1","first_name":"old"\n{"device_id":"d1","first_name":"new"}\n', 'ndjson');
    const summary = await validateSource(file);
    expect(summary.firstErrors.map((error) => [error.row, error.code])).toEqual([[2, 'invalid_json']]);
    expect(summary.firstErrors[0]?.reason).toContain("a later row has the user_id or device_id this row reads as: if that is this row's user_id or device_id, leave this row out");
  });

  it('writes the rejects file in the source\'s dialect: its delimiter and its byte order mark', async () => {
    const file = write('\uFEFFuser_id;first_name\r\nu1;Ann\r\nu2;Bo;extra\r\n');
    const rejectsFile = path.join(folder, `rejects-${seq++}.csv`);
    await validateSource(file, { rejectsFile });
    expect(readFileSync(rejectsFile, 'utf8')).toMatch(/^\uFEFFxp_import_row;xp_import_line;xp_import_column;xp_import_reason;user_id;first_name\r\n2;3;;[^;]+;u2;Bo;extra\r\n$/);
  });

  it('says in the reason of a rejected last row that the earlier rows of its identity were left out for it', async () => {
    const file = write('user_id,email,email_subscription\nu1,a@example.com,yes\nu2,b@example.com,yes\nu1,not-an-email,yes\nu2,also-bad,yes\nu3,bad,yes\n');
    const summary = await validateSource(file);
    expect(summary.rows).toMatchObject({ total: 5, valid: 0, rejected: 3, duplicates: 2 });
    const note = 'earlier rows of this user_id were left out for this one, as the last row wins: until it is imported, the profile gets nothing from this file';
    expect(summary.firstErrors.map((error) => [error.row, error.reason.endsWith(note)])).toEqual([
      [3, true],
      [4, true],
      // u3 has no earlier row.
      [5, false],
    ]);
  });

  it('detects a semicolon delimiter and takes a given one', async () => {
    const file = write('user_id;first_name\nu1;Ann\nu2;Bob\n');
    expect(await validateSource(file)).toMatchObject({ delimiter: ';', rows: { valid: 2 } });
    const tabs = write('user_id\tfirst_name\nu1\tAnn, Jr\n');
    expect(await validateSource(tabs, { delimiter: '\t' })).toMatchObject({ delimiter: '\t', rows: { valid: 1 } });
  });

  it('lists at most maxErrors errors but counts them all', async () => {
    const bad = Array.from({ length: 30 }, (_, i) => `u${i},nope`);
    const summary = await validateSource(write(`user_id,email,email_subscription\n${bad.map((r) => `${r},1`).join('\n')}\n`), { maxErrors: 5 });
    expect(summary.rows.rejected).toBe(30);
    expect(summary.rejectedByCode).toEqual({ email_invalid: 30 });
    expect(summary.firstErrors.map((e) => e.row)).toEqual([1, 2, 3, 4, 5]);
  });
});

describe('validateSource: duplicates', () => {
  it('counts the earlier rows of a repeated identity as duplicates and does not judge them', async () => {
    // Row 1 is bad but superseded by row 4: the import would never send nor reject it.
    const file = write('user_id,email,email_subscription\nu1,bad,1\nu2,b@example.com,1\nu3,c@example.com,1\nu1,a@example.com,1\nu2,bad-too,1\n');
    const summary = await validateSource(file);
    expect(summary.rows).toEqual({ total: 5, valid: 2, rejected: 1, duplicates: 2 });
    expect(summary.firstErrors.map((e) => e.row)).toEqual([5]);
    // In the words of the import's report, which counts the same rows as superseded.
    expect(formatValidation(summary)).toContain('2 duplicates (superseded by a later row of the same profile: an import skips them, and its report counts them as superseded)');
  });

  it('finds the same duplicates when the index spills to disk', async () => {
    const lines = Array.from({ length: 3_000 }, (_, i) => `u${(i * 7) % 1_000},n${i}`);
    const file = write(`user_id,first_name\n${lines.join('\n')}\n`);
    const inMemory = await validateSource(file);
    const spilled = await validateSource(file, { index: { bufferEntries: 100, tmpDir: folder } });
    expect(spilled.rows).toEqual({ total: 3_000, valid: 1_000, rejected: 0, duplicates: 2_000 });
    expect(spilled.rows).toEqual(inMemory.rows);
  });
});

describe('validateSource: NDJSON', () => {
  it('rejects lines that are not JSON objects or have no identity, by code', async () => {
    const lines = ['{"user_id": "n1", "score": 1}', '{"user_id": oops}', '[1, 2]', '{"first_name": "No Id"}', '{"user_id": 7, "tags": ["a"]}'];
    const summary = await validateSource(write(`${lines.join('\n')}\n`, 'ndjson'));
    expect(summary.format).toBe('ndjson');
    expect(summary.delimiter).toBeUndefined();
    expect(summary.rows).toEqual({ total: 5, valid: 2, rejected: 3, duplicates: 0 });
    expect(summary.rejectedByCode).toEqual({ identity_missing: 1, invalid_json: 1, not_an_object: 1 });
    expect(summary.attributes.map((a) => a.name).sort()).toEqual(['score', 'tags', 'user_id']);
  });

  it('names the mapped keys no line holds, so a misspelling is not only a pile of identity_missing', async () => {
    const file = write('{"customer_id": "c1", "tier": "gold"}\n{"customer_id": "c2"}\n', 'ndjson');
    const misspelt = await validateSource(file, { mapping: { columns: { custmer_id: 'user_id', tier: 'level' } } });
    expect(misspelt.rejectedByCode).toEqual({ identity_missing: 2 });
    expect(misspelt.unusedMappingKeys).toEqual(['custmer_id']);
    expect(formatValidation(misspelt)).toContain('mapping     names keys no line has: "custmer_id" (spelled as in the file?)');
    const right = await validateSource(file, { mapping: { columns: { customer_id: 'user_id', tier: 'level' } } });
    expect(right.unusedMappingKeys).toEqual([]);
    expect(formatValidation(right)).not.toContain('no line has');
  });
});

describe('validateSource: warnings and empty files', () => {
  it('lists the first values sent with a warning, with row, line and column, as the import report points here for them', async () => {
    const long = 'x'.repeat(150);
    const summary = await validateSource(write(`user_id,first_name,last_name\nu1,Ann,Lee\nu2,${long},Ng\nu3,Bo,${long}\n`), { maxErrors: 1 });
    expect(summary.warningsByCode).toEqual({ string_too_long: 2 });
    expect(summary.firstWarnings).toEqual([{ row: 2, line: 3, column: 'first_name', code: 'string_too_long', reason: expect.stringMatching(/longer than 101 characters/) as string }]);
    const text = formatValidation(summary);
    expect(text).toContain('  first warning (1 more):\n    row 2 (line 3, column "first_name") string_too_long: ');
    expect(text).not.toContain(long);
  });

  it('says a file with a header and no data rows has none', async () => {
    const summary = await validateSource(write('user_id,first_name\n'));
    expect(summary.rows.total).toBe(0);
    expect(formatValidation(summary).split('\n')[0]).toMatch(/: the file has no data rows, nothing to import$/);
  });
});

describe('validateSource: the rejects file', () => {
  it('writes the rejected rows with their values, as an import would, ready to fix', async () => {
    const rejects = path.join(folder, 'rejects.csv');
    const file = write('user_id,email,email_subscription\nu1,a@example.com,1\nu2,"not, an email",1\nu3,c@example.com\n');
    const summary = await validateSource(file, { rejectsFile: rejects });
    expect(summary.rejectsFile).toBe(rejects);
    expect(readFileSync(rejects, 'utf8').split('\r\n')).toEqual([
      'xp_import_row,xp_import_line,xp_import_column,xp_import_reason,user_id,email,email_subscription',
      '2,3,email,"Column ""email"" is not a valid email address (expected the form name@example.com, ASCII only)",u2,"not, an email",1',
      // A record that could not be split into cells keeps its text whole, as in an import's rejects file.
      '3,4,,"the row has 2 fields, the header has 3",u3,c@example.com',
      '',
    ]);
  });

  it("is the user's alone (mode 600) under a permissive umask: it holds the rows' values", async () => {
    const umask = process.umask(0o022);
    try {
      const rejects = path.join(folder, 'private-rejects.csv');
      await validateSource(write('user_id,email,email_subscription\nu1,not-an-email,1\n'), { rejectsFile: rejects });
      expect(statSync(rejects).mode & 0o777).toBe(0o600);
    } finally {
      process.umask(umask);
    }
  });

  it('writes NDJSON rejects as objects', async () => {
    const rejects = path.join(folder, 'rejects.ndjson');
    await validateSource(write('{"user_id": "n1", "email": "bad", "email_subscription": 1}\n', 'ndjson'), { rejectsFile: rejects });
    const [line] = readFileSync(rejects, 'utf8').trim().split('\n');
    expect(JSON.parse(line as string)).toMatchObject({ xp_import_row: 1, xp_import_line: 1, xp_import_column: 'email', user_id: 'n1', email: 'bad' });
  });
});

describe('validateSource: what stops it before any row', () => {
  it.each([
    ['an empty file', '', 'empty'],
    ['a duplicate header name', 'user_id,email,email\n', 'header_duplicate_name'],
    ['a quote never closed', 'user_id,note\nu1,"open\n', 'unclosed_quote'],
  ])('%s: SourceFormatError', async (_what, content, code) => {
    await expect(validateSource(write(content))).rejects.toMatchObject({ name: 'SourceFormatError', code });
    await expect(validateSource(write(content))).rejects.toBeInstanceOf(SourceFormatError);
  });

  it('a mapping that does not fit the header: MappingError with every problem', async () => {
    const error = await validateSource(write('email\na@example.com\n')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MappingError);
    expect((error as MappingError).problems).toHaveLength(2);
  });

  it('a missing file: the I/O error', async () => {
    await expect(validateSource(path.join(folder, 'missing.csv'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
