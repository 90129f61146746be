import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ValidationSummarySchema, type ValidationSummary } from '../../common/validation';
import { runCli } from '../support/cli';

/**
 * README, "Reports and rejected rows": fix the rejects file and import it again. An operator goes
 * round that loop as often as it takes (fix what they can, check or import, fix the new rejects
 * file, ...), so every generation of rejects file must be importable and must say where each row
 * is in the file it came from. `validate --rejects` writes the file an import writes (the same
 * writer), from the build (`npm run build` first), with nothing else running.
 */
const NOTHING_LISTENS = { TEMPORAL_ADDRESS: '127.0.0.1:1', XTREMEPUSH_API_URL: 'http://127.0.0.1:1', XTREMEPUSH_APPTOKEN: '' };

const folder = mkdtempSync(path.join(tmpdir(), 'xp-import-rejects-loop-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function file(name: string): string {
  return path.join(folder, name);
}

/** `xp-import validate source --rejects rejects --json`: its summary; the command must not fail on the file itself. */
async function validate(source: string, rejects: string, extra: string[] = []): Promise<ValidationSummary> {
  const result = await runCli(['validate', source, '--rejects', rejects, '--json', ...extra], NOTHING_LISTENS);
  if (result.code !== 0 && result.code !== 2) throw new Error(`validate exited ${String(result.code)}: ${result.stderr}`);
  const parsed = JSON.parse(result.stdout) as unknown;
  const summary = ValidationSummarySchema.safeParse(parsed);
  if (!summary.success) throw new Error(`validate ${path.basename(source)} did not validate the file: ${result.stdout}${result.stderr}`);
  expect(result.code).toBe(summary.data.rows.rejected === 0 ? 0 : 2);
  return summary.data;
}

function lines(name: string): string[] {
  return readFileSync(file(name), 'utf8').split(/\r?\n/).filter((line) => line !== '');
}

/** The one rejected row of an NDJSON rejects file, as an object. */
function onlyObject(name: string): Record<string, unknown> {
  const all = lines(name);
  expect(all).toHaveLength(1);
  return JSON.parse(all.join('')) as Record<string, unknown>;
}

describe('fix the rejects file, check it again, fix the new one, ...', () => {
  it('CSV: each generation has the four xp_import_* columns once and its rows numbered in the file it came from', async () => {
    writeFileSync(file('mapping.json'), '{"columns": {"Customer ID": "user_id"}}');
    const mapping = ['--mapping', file('mapping.json')];
    writeFileSync(file('customers.csv'), 'Customer ID,email,email_subscription\nc1,a@example.com,1\nc2,not-an-email,1\nc3,also-bad,1\n');
    const header = 'xp_import_row,xp_import_line,xp_import_column,xp_import_reason,Customer ID,email,email_subscription';

    const first = await validate(file('customers.csv'), file('rejects-1.csv'), mapping);
    expect(first.rows).toMatchObject({ total: 3, rejected: 2 });
    const rejects1 = lines('rejects-1.csv');
    expect(rejects1[0]).toBe(header);
    expect(rejects1.slice(1)).toEqual([expect.stringMatching(/^2,3,email,".*",c2,not-an-email,1$/), expect.stringMatching(/^3,4,email,".*",c3,also-bad,1$/)]);

    // The operator fixes c2 and leaves c3 as it is.
    writeFileSync(file('rejects-1.csv'), readFileSync(file('rejects-1.csv'), 'utf8').replace('not-an-email', 'b@example.com'));
    const second = await validate(file('rejects-1.csv'), file('rejects-2.csv'), mapping);
    expect(second.rows).toMatchObject({ total: 2, valid: 1, rejected: 1 });
    expect(second.attributes.map((a) => a.name)).toEqual(['user_id', 'email', 'email_subscription']);
    const rejects2 = lines('rejects-2.csv');
    expect(rejects2[0]).toBe(header);
    // Row 2 of rejects-1.csv (line 3), not row 3 of customers.csv, and one reason, not two.
    expect(rejects2.slice(1)).toEqual([expect.stringMatching(/^2,3,email,"Column ""email"" is not a valid email address[^"]*",c3,also-bad,1$/)]);

    // The second generation is read like any other file (it used to name xp_import_row twice).
    const third = await validate(file('rejects-2.csv'), file('rejects-3.csv'), mapping);
    expect(third.rows).toMatchObject({ total: 1, rejected: 1 });
    expect(third.firstErrors.map((e) => [e.row, e.line, e.column, e.code])).toEqual([[1, 2, 'email', 'email_invalid']]);
    const rejects3 = lines('rejects-3.csv');
    expect(rejects3[0]).toBe(header);
    expect(rejects3.slice(1)).toEqual([expect.stringMatching(/^1,2,email,".*",c3,also-bad,1$/)]);

    // And so on, until it is fixed.
    writeFileSync(file('rejects-3.csv'), readFileSync(file('rejects-3.csv'), 'utf8').replace('also-bad', 'c@example.com'));
    const fixed = await validate(file('rejects-3.csv'), file('rejects-4.csv'), mapping);
    expect(fixed.rows).toMatchObject({ total: 1, valid: 1, rejected: 0 });
    expect(lines('rejects-4.csv')).toEqual([header]);
  });

  it('NDJSON: each generation holds the new row number and reason, keys first; a line that was not JSON is replaced whole', async () => {
    writeFileSync(
      file('customers.ndjson'),
      ['{"user_id":"u1","email":"a@example.com","email_subscription":"1"}', '{"user_id":"u2","email":"not-an-email","email_subscription":"1"}', '{"user_id":"u3","email":"c@example.com","email_subscription":"1"', '{"user_id":"u4","email":"also-bad","email_subscription":"1"}', ''].join('\n'),
    );
    const first = await validate(file('customers.ndjson'), file('rejects-1.ndjson'));
    expect(first.rows).toMatchObject({ total: 4, rejected: 3 });
    const rejects1 = lines('rejects-1.ndjson').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(rejects1.map((r) => [r.xp_import_row, r.xp_import_line])).toEqual([
      [2, 2],
      [3, 3],
      [4, 4],
    ]);
    expect(rejects1[1]).toMatchObject({ xp_import_column: null, raw: '{"user_id":"u3","email":"c@example.com","email_subscription":"1"' });

    // As the README says: u2 fixed in place; the "raw" entry replaced, whole, by the line fixed; u4 left as it is.
    const [u2, , u4Before] = lines('rejects-1.ndjson');
    const edited = [u2?.replace('not-an-email', 'b@example.com'), '{"user_id":"u3","email":"c@example.com","email_subscription":"1"}', u4Before];
    writeFileSync(file('rejects-1.ndjson'), `${edited.join('\n')}\n`);
    const second = await validate(file('rejects-1.ndjson'), file('rejects-2.ndjson'));
    expect(second.rows).toMatchObject({ total: 3, valid: 2, rejected: 1 });
    const u4 = onlyObject('rejects-2.ndjson');
    // Row 3 of rejects-1.ndjson with this round's reason, not row 4 of customers.ndjson.
    expect(Object.entries(u4)).toEqual([
      ['xp_import_row', 3],
      ['xp_import_line', 3],
      ['xp_import_column', 'email'],
      ['xp_import_reason', expect.stringContaining('Column "email"')],
      ['user_id', 'u4'],
      ['email', 'also-bad'],
      ['email_subscription', '1'],
    ]);

    const third = await validate(file('rejects-2.ndjson'), file('rejects-3.ndjson'));
    expect(third.firstErrors.map((e) => [e.row, e.line, e.code])).toEqual([[1, 1, 'email_invalid']]);
    expect(onlyObject('rejects-3.ndjson')).toMatchObject({ xp_import_row: 1, xp_import_line: 1, user_id: 'u4' });
  });

  it('NDJSON: text fixed inside "raw" is not unwrapped: the row is rejected again, never sent as something else, and its text kept', async () => {
    writeFileSync(file('broken.ndjson'), '{"user_id":"u1","email":"a@example.com","email_subscription":"1"}\n{"user_id":"u2",email:"b@example.com","email_subscription":"1"}\n');
    await validate(file('broken.ndjson'), file('broken-rejects-1.ndjson'));
    const brokenLine = JSON.stringify(onlyObject('broken-rejects-1.ndjson'));
    writeFileSync(file('broken-rejects-1.ndjson'), `${brokenLine.replace('email:', '\\"email\\":')}\n`);
    const again = await validate(file('broken-rejects-1.ndjson'), file('broken-rejects-2.ndjson'));
    expect(again.rows).toMatchObject({ total: 1, valid: 0, rejected: 1 });
    expect(again.firstErrors.map((e) => e.code)).toEqual(['identity_missing']);
    expect(onlyObject('broken-rejects-2.ndjson')).toMatchObject({ xp_import_row: 1, raw: '{"user_id":"u2","email":"b@example.com","email_subscription":"1"}' });
  });
});
