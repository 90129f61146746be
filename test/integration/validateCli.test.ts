import { execFileSync } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ValidationFailureSchema, ValidationSummarySchema } from '../../common/validation';
import { CLI } from '../support/cli';

/**
 * `xp-import validate` as a user runs it, from the build (`npm run build` first); nothing else
 * runs: Temporal and the API point at a closed port.
 */
const NOTHING_LISTENS = { TEMPORAL_ADDRESS: '127.0.0.1:1', XTREMEPUSH_API_URL: 'http://127.0.0.1:1', XTREMEPUSH_APPTOKEN: '' };

const folder = mkdtempSync(path.join(tmpdir(), 'xp-import-validate-cli-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function runValidate(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'validate', ...args], { env: { ...process.env, ...NOTHING_LISTENS, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

function write(name: string, content: string): string {
  const file = path.join(folder, name);
  writeFileSync(file, content);
  return file;
}

const SECRET_EMAIL = 'zed.secret-at-example.com';

describe('xp-import validate (built), with no server running', () => {
  const bad = write('bad.csv', `user_id,email,email_subscription,mobile_number,sms_subscription\nu1,a@example.com,1,+353 85 012 3456,1\nu2,${SECRET_EMAIL},1,,\nu3,c@example.com,1,12,0\nu4,d@example.com\n`);

  it('exits 2 with a readable summary when rows are invalid, and never prints a value', async () => {
    const result = await runValidate([bad]);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('3 rows would be rejected');
    expect(result.stdout).toMatch(/4 total: 1 valid, 3 rejected, 0 duplicates/);
    expect(result.stdout).toMatch(/rejected\s+email_invalid 1, mobile_number_invalid 1, ragged_row 1/);
    expect(result.stdout).toMatch(/row 2 \(line 3, column "email"\) email_invalid: Column "email" is not a valid email address/);
    expect(result.stdout + result.stderr).not.toContain(SECRET_EMAIL);
    expect(result.stdout + result.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('prints one JSON summary with --json and writes the rejects file', async () => {
    const rejects = path.join(folder, 'rejects.csv');
    const result = await runValidate([bad, '--json', '--rejects', rejects]);
    expect(result.code).toBe(2);
    const summary = ValidationSummarySchema.parse(JSON.parse(result.stdout));
    expect(summary.rows).toEqual({ total: 4, valid: 1, rejected: 3, duplicates: 0 });
    expect(summary.firstErrors.map((e) => [e.row, e.code])).toEqual([
      [2, 'email_invalid'],
      [3, 'mobile_number_invalid'],
      [4, 'ragged_row'],
    ]);
    const lines = readFileSync(rejects, 'utf8').trim().split(/\r?\n/);
    expect(lines.map((line) => line.split(',')[0])).toEqual(['xp_import_row', '2', '3', '4']);
    // The ragged row keeps its cells in columns (two, under user_id and email), not one quoted line.
    expect(lines[3]).toBe('4,5,,"the row has 2 fields, the header has 5",u4,d@example.com');
  });

  it('exits 0 when every row is valid', async () => {
    const good = write('good.csv', 'user_id,first_name\nu1,Ann\nu2,Bob\nu1,Ann again\n');
    const result = await runValidate([good]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('every row is valid');
    expect(result.stdout).toMatch(/3 total: 2 valid, 0 rejected, 1 duplicate /);
  });

  it('exits 2 when the mapping names an NDJSON key no line has, though every row is valid as read', async () => {
    const points = write('points.ndjson', '{"user_id":"c1","points":"12"}\n{"user_id":"c2","points":"x"}\n');
    const mapping = write('points-mapping.json', JSON.stringify({ columns: { Points: { to: 'points', type: 'number' } } }));
    const result = await runValidate([points, '--mapping', mapping]);
    expect(result.code).toBe(2);
    expect(result.stdout.split('\n')[0]).toMatch(/: every row is valid as read; the mapping names a key no line has$/);
    expect(result.stdout).toContain('names keys no line has: "Points" (spelled as in the file?)');
  });

  it('exits 2 on --delimiter for a source read as NDJSON, instead of ignoring it', async () => {
    const lines = write('lines.ndjson', '{"user_id":"c1"}\n');
    const refused = await runValidate([lines, '--delimiter', ';']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--delimiter applies to CSV only, and this source is read as NDJSON');
    expect(refused.stderr).not.toMatch(/\n\s+at /);
    // Read as CSV on purpose, the flag counts.
    const asCsv = await runValidate([write('semi.ndjson', 'user_id;first_name\nu1;Ann\n'), '--format', 'csv', '--delimiter', ';']);
    expect(asCsv.code).toBe(0);
  });

  it('exits 2 on a URL, saying it reads local files only (not that the URL "does not exist"), without its query', async () => {
    const refused = await runValidate(['https://bucket.example.com/exports/customers.csv?X-Amz-Signature=secret']);
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim()).toBe('xp-import validate: validate reads local files only, not URLs: download https://bucket.example.com/exports/customers.csv?… and validate the copy');
  });

  it('with --json, a flag or argument the parser refuses is a JSON document too, naming the source when there is one', async () => {
    const badChoice = await runValidate(['--mapping', 'm.json', 'people.csv', '--format', 'xml', '--json']);
    expect(badChoice.code).toBe(2);
    expect(badChoice.stderr).toContain("option '--format <format>' argument 'xml' is invalid");
    // Before, stdout was empty: a script parsing it failed on an empty document.
    expect(ValidationFailureSchema.parse(JSON.parse(badChoice.stdout))).toEqual({
      source: 'people.csv',
      error: { code: 'usage', message: "option '--format <format>' argument 'xml' is invalid. Allowed choices are csv, ndjson." },
    });
    const missing = await runValidate(['--json']);
    expect(missing.code).toBe(2);
    expect(ValidationFailureSchema.parse(JSON.parse(missing.stdout))).toEqual({ source: '', error: { code: 'usage', message: "missing required argument 'source'" } });
    const asked = await runValidate(['--help', '--json']);
    expect(asked.code).toBe(0);
    expect(asked.stdout).toContain('Usage: xp-import validate');
  });

  it('exits 2 with the problem, not a stack trace, when the file or the mapping is bad', async () => {
    const noId = await runValidate([write('no-id.csv', 'email,email_subscription\na@example.com,1\n')]);
    expect(noId.code).toBe(2);
    expect(noId.stderr).toMatch(/no column goes to user_id or device_id/);
    expect(noId.stderr).not.toMatch(/\n\s+at /);

    const missing = await runValidate([path.join(folder, 'missing.csv'), '--json']);
    expect(missing.code).toBe(2);
    expect(ValidationFailureSchema.parse(JSON.parse(missing.stdout)).error).toEqual({ code: 'unreadable', message: expect.stringContaining('does not exist') as string });

    // `start in-data.csv` finds it in XP_IMPORT_DATA_DIR; validate reads from the current folder, and says where to look.
    const inDataDir = write('in-data.csv', 'user_id\nu1\n');
    const relative = await runValidate(['in-data.csv'], { XP_IMPORT_DATA_DIR: folder });
    expect(relative.code).toBe(2);
    expect(relative.stderr.trim()).toBe(
      `xp-import validate: in-data.csv does not exist (validate reads paths from the current folder, where start names a file in XP_IMPORT_DATA_DIR: validate ${inDataDir})`,
    );

    // A named pipe read as a file is empty (or blocks): it is named for what it is, as the worker names it.
    const fifo = path.join(folder, 'pipe.csv');
    execFileSync('mkfifo', [fifo]);
    const pipe = await runValidate([fifo, '--json']);
    expect(pipe.code).toBe(2);
    expect(ValidationFailureSchema.parse(JSON.parse(pipe.stdout)).error).toEqual({ code: 'unreadable', message: `${fifo} is not a regular file (a pipe, socket or device): only regular files can be validated` });

    const mapping = write('mapping.json', '{"columns": {"email": {"tpye": "string"}}}');
    const badMapping = await runValidate([bad, '--mapping', mapping]);
    expect(badMapping.code).toBe(2);
    expect(badMapping.stderr).toMatch(/mapping file .*mapping\.json is invalid/);
  });

  it('a rejects file it cannot write is named as such, and the source is never written over', async () => {
    const before = readFileSync(bad, 'utf8');
    const noFolder = await runValidate([bad, '--rejects', path.join(folder, 'no-such-folder', 'rejects.csv')]);
    expect(noFolder.code).toBe(2);
    expect(noFolder.stderr).toMatch(/cannot write the rejects file .*rejects\.csv: its folder does not exist/);
    expect(noFolder.stderr).not.toContain('bad.csv');

    const aFolder = await runValidate([bad, '--rejects', folder, '--json']);
    expect(aFolder.code).toBe(2);
    expect(ValidationFailureSchema.parse(JSON.parse(aFolder.stdout)).error).toEqual({ code: 'rejects_file', message: expect.stringContaining('it is a folder') as string });

    const itself = await runValidate([bad, '--rejects', bad]);
    expect(itself.code).toBe(2);
    expect(itself.stderr).toContain('it is the file being validated');
    expect(readFileSync(bad, 'utf8')).toBe(before);
  });
});
