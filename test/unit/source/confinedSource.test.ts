import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SourceAccessError } from '../../../activities/failures';
import type { ByteSource } from '../../../activities/source/byteSource';
import { openSource, resolveLocalPath } from '../../../activities/sourceAccess';

/*
 * Whoever can write into XP_IMPORT_DATA_DIR can swap a file the worker checked (or a folder on its
 * path) for a symlink leading out, or for a FIFO, before the worker reads it. Every read opens the
 * file again, so every read checks the descriptor it got: the worker reads the checked file, or
 * refuses; never a file outside, and never blocks on a pipe.
 */
const root = mkdtempSync(path.join(tmpdir(), 'xp-import-confined-'));
const data = path.join(root, 'data');
const outside = path.join(root, 'outside');
mkdirSync(data, { recursive: true });
mkdirSync(outside, { recursive: true });
writeFileSync(path.join(outside, 'secret.csv'), 'user_id,email\nsecret1,victim@outside.example\n');
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function readAll(source: ByteSource): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of source.stream(0)) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

async function outcomeOf(read: () => Promise<unknown>): Promise<unknown> {
  return await read().then(
    (value) => value,
    (error: unknown) => error,
  );
}

describe('a local source swapped after its check', () => {
  it('reads the checked file as long as it is there', async () => {
    writeFileSync(path.join(data, 'plain.csv'), 'user_id\nu0\n');
    const source = await openSource(data, { kind: 'file', path: 'plain.csv' });
    expect((await source.stat()).size).toBe(11);
    expect(await readAll(source)).toBe('user_id\nu0\n');
  });

  it('refuses, instead of reading outside, when the file becomes a symlink leading out', async () => {
    writeFileSync(path.join(data, 'in.csv'), 'user_id\nu1\n');
    const source = await openSource(data, { kind: 'file', path: 'in.csv' });
    symlinkSync(path.join(outside, 'secret.csv'), path.join(data, 'in.csv.tmp'));
    renameSync(path.join(data, 'in.csv.tmp'), path.join(data, 'in.csv'));
    for (const read of [() => source.stat(), () => readAll(source)]) {
      const outcome = await outcomeOf(read);
      expect(outcome).toBeInstanceOf(SourceAccessError);
      expect((outcome as Error).message).toMatch(/^in\.csv is no longer the file inside XP_IMPORT_DATA_DIR that was checked/);
    }
  });

  it('refuses when a folder on its path becomes a symlink leading out', async () => {
    mkdirSync(path.join(data, 'sub'));
    writeFileSync(path.join(data, 'sub', 'secret.csv'), 'user_id\nu2\n');
    const source = await openSource(data, { kind: 'file', path: 'sub/secret.csv' });
    renameSync(path.join(data, 'sub'), path.join(data, 'sub-old'));
    symlinkSync(outside, path.join(data, 'sub'));
    const outcome = await outcomeOf(() => readAll(source));
    expect(outcome).toBeInstanceOf(SourceAccessError);
    expect((outcome as Error).message).toMatch(/no longer the file inside XP_IMPORT_DATA_DIR/);
  });

  it('refuses at once, without blocking, when the file becomes a FIFO', async () => {
    writeFileSync(path.join(data, 'pipe.csv'), 'user_id\nu3\n');
    const source = await openSource(data, { kind: 'file', path: 'pipe.csv' });
    unlinkSync(path.join(data, 'pipe.csv'));
    execFileSync('mkfifo', [path.join(data, 'pipe.csv')]);
    const outcome = await Promise.race([outcomeOf(() => readAll(source)), new Promise((resolve) => setTimeout(() => resolve('still blocked after 2 s'), 2_000))]);
    // Unblock a thread that would be stuck opening the FIFO, so the test process can end.
    if (outcome === 'still blocked after 2 s') writeFileSync(path.join(data, 'pipe.csv'), '');
    expect(outcome).toBeInstanceOf(SourceAccessError);
    expect((outcome as Error).message).toMatch(/not a regular file/);
  });
});

describe('a path through a symlink leading out', () => {
  it('is refused as outside whether or not anything is there, so no answer tells what the folder outside holds', async () => {
    const linked = path.join(root, 'linked-data');
    mkdirSync(linked);
    symlinkSync(outside, path.join(linked, 'up'));
    const messageFor = (requested: string) =>
      resolveLocalPath(linked, requested).then(
        () => 'accepted',
        (error: Error) => error.message.replace(requested, '<path>'),
      );
    const existing = await messageFor('up/secret.csv');
    expect(existing).toMatch(/^<path> is outside XP_IMPORT_DATA_DIR/);
    expect(await messageFor('up/no-such-file.csv')).toBe(existing);
    expect(await messageFor('up/secret.csv/x')).toBe(existing);
    // Inside the folder, a missing file is still said to be missing.
    expect(await messageFor('no-such-file.csv')).toMatch(/^<path> does not exist in XP_IMPORT_DATA_DIR/);
  });
});
