import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateSource } from '../../../activities/validate';

const folder = mkdtempSync(path.join(tmpdir(), 'xp-import-rejects-mode-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** A file with one rejected row: its email is personal data, and lands in the rejects file. */
function sourceWithReject(name: string): string {
  const file = path.join(folder, name);
  writeFileSync(file, 'user_id,email,email_subscription\nu1,good@example.com,1\nu2,private-person@,1\n');
  return file;
}

describe('validate --rejects FILE', () => {
  it('makes a file that was there (mode 644) mode 600 before it writes rows into it', async () => {
    const rejectsFile = path.join(folder, 'existing-644-rejects.csv');
    writeFileSync(rejectsFile, 'an older file\n');
    chmodSync(rejectsFile, 0o644);
    const summary = await validateSource(sourceWithReject('existing-644.csv'), { rejectsFile });
    expect(summary.rows.rejected).toBe(1);
    expect(readFileSync(rejectsFile, 'utf8')).toContain('private-person@');
    expect(statSync(rejectsFile).mode & 0o777).toBe(0o600);
  });

  it('makes a new file mode 600, and a group-writable one (664) mode 600 too', async () => {
    const rejectsFile = path.join(folder, 'new-rejects.csv');
    await validateSource(sourceWithReject('new.csv'), { rejectsFile });
    expect(statSync(rejectsFile).mode & 0o777).toBe(0o600);

    const groupWritable = path.join(folder, 'existing-664-rejects.csv');
    writeFileSync(groupWritable, '');
    chmodSync(groupWritable, 0o664);
    await validateSource(sourceWithReject('existing-664.csv'), { rejectsFile: groupWritable });
    expect(statSync(groupWritable).mode & 0o777).toBe(0o600);
  });
});
