import { mkdir, open, readFile, rename, rm, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import path from 'node:path';

/**
 * What the worker writes under XP_IMPORT_REPORT_DIR (and a `validate --rejects` file) may hold
 * refused rows, personal data: folders and files are the worker's user's alone, whatever the
 * umask, which can only make them stricter. To share reports with a group, change the modes after.
 */
export const PRIVATE_FOLDER_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Creates a folder (and its missing parents) that only the worker's user can enter. */
export async function makePrivateFolder(folder: string): Promise<void> {
  await mkdir(folder, { recursive: true, mode: PRIVATE_FOLDER_MODE });
}

/**
 * Where a file is written before a rename puts it in place whole. Its own name: two writes of one
 * file in a process (a timed-out attempt and its retry) must not remove each other's.
 */
export function partialFileFor(file: string): string {
  return `${file}.${process.pid}.${randomUUID()}.partial`;
}

/** Writes a file whole or not at all (a temporary file, then a rename): a reader never sees half of it. */
export async function writeWhole(file: string, data: string | Uint8Array): Promise<void> {
  const partial = partialFileFor(file);
  await makePrivateFolder(path.dirname(file));
  try {
    await writeFile(partial, data, { mode: PRIVATE_FILE_MODE });
    await rename(partial, file);
  } finally {
    await rm(partial, { force: true });
  }
}

/** A file's text, or undefined when there is no such file (any other error is thrown). */
export function readTextIfPresent(file: string): Promise<string | undefined> {
  return unlessMissing(() => readFile(file, 'utf8'));
}

/** Removes a file; one that is not there is fine (any other error is thrown). */
export async function removeIfPresent(file: string): Promise<void> {
  await unlessMissing(() => unlink(file));
}

/** A file opened for reading, or undefined when there is no such file (any other error is thrown). */
export function openIfPresent(file: string): Promise<FileHandle | undefined> {
  return unlessMissing(() => open(file, 'r'));
}

async function unlessMissing<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
