import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { RejectsWriter } from '../../../activities/validate/rejectsWriter';
import { validateCommand } from '../../../bin/validate';
import { ValidationFailureSchema } from '../../../common/validation';

const folder = mkdtempSync(path.join(tmpdir(), 'xp-import-validate-changed-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

describe('validate of a file written to while it is read', () => {
  // The second pass writes the first rejected row to the rejects file: the file grows right then,
  // as an export still being written would, after the inspection measured it.
  it('refuses it with its own words and exit code 2, instead of counting it short', async () => {
    const source = path.join(folder, 'growing.csv');
    writeFileSync(source, 'user_id,email,email_subscription\nu1,bad-email,1\nu2,b@example.com,1\n');
    const { add } = Object.getOwnPropertyDescriptors(RejectsWriter.prototype);
    vi.spyOn(RejectsWriter.prototype, 'add').mockImplementation(async function (this: RejectsWriter, row) {
      appendFileSync(source, 'u3,c@example.com,1\n');
      return (add?.value as RejectsWriter['add']).call(this, row);
    });
    let stdout = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stdout += String(chunk);
      return true;
    });

    const code = await validateCommand(source, { json: true, rejects: path.join(folder, 'rejects.csv') });

    expect(code).toBe(2);
    const failure = ValidationFailureSchema.parse(JSON.parse(stdout));
    expect(failure.error.code).toBe('changed');
    expect(failure.error.message).toMatch(/^.*growing\.csv changed while it was being validated \(size \d+ bytes, now \d+\): validate it again once it is written in full$/);
  });
});
