import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RejectsFileError, validateSource } from '../../../activities/validate';

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

  // /dev/full takes the open and fails every write with ENOSPC, as a full disk does.
  it('names a full disk as a RejectsFileError, and leaves a device it writes to as it was', async () => {
    const device = '/dev/full';
    const modeBefore = statSync(device).mode;
    const failure = validateSource(sourceWithReject('full-disk.csv'), { rejectsFile: device });
    await expect(failure).rejects.toBeInstanceOf(RejectsFileError);
    await expect(failure).rejects.toThrow('cannot write the rejects file /dev/full: the disk is full; free some space or name a file on another disk');
    // Before, the writer made it mode 600: run as root, that took /dev/full (or /dev/null) from every other user.
    expect(statSync(device).mode).toBe(modeBefore);
  });
});
