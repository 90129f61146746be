import { constants } from 'node:fs';
import { open, readlink, realpath, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { SourceRef } from '../common/source';
import { SourceAccessError } from './failures';
import { LocalFileSource, type ByteSource } from './source/byteSource';
import { HttpRangeSource } from './source/httpSource';

/**
 * Resolves a source reference to bytes the worker may read. Local paths are confined to
 * XP_IMPORT_DATA_DIR: `..`, absolute paths elsewhere and symlinks leading out are refused, so a
 * workflow input cannot make a worker read arbitrary files. Only regular files are read: a FIFO
 * or a device would block a worker or never end.
 */
export async function resolveLocalPath(dataDir: string | undefined, requested: string): Promise<string> {
  return (await confinedPath(dataDir, requested)).real;
}

async function confinedPath(dataDir: string | undefined, requested: string): Promise<{ real: string; root: string }> {
  if (!dataDir) {
    throw new SourceAccessError('this worker has no XP_IMPORT_DATA_DIR: set it to the folder that holds the files to import');
  }
  // A NUL byte cuts a path short in system calls: refuse it before any of them sees it.
  if (requested.includes('\0')) throw new SourceAccessError('a source path must not contain a NUL byte');
  const given = path.resolve(dataDir);
  // The data folder itself may be a symlink (a mounted volume, /data -> /mnt/...): its target is the root.
  const root = await realpath(given).catch(() => {
    throw new SourceAccessError(`XP_IMPORT_DATA_DIR (${dataDir}) does not exist on this worker`);
  });
  // Refused before touching the file system, so no answer tells whether a file outside exists.
  const candidate = path.isAbsolute(requested) ? path.resolve(requested) : path.resolve(root, requested);
  if (candidate === root || candidate === given) throw new SourceAccessError(`${requested} is the data folder itself: name a file inside it`);
  if (!isInside(root, candidate) && !isInside(given, candidate)) throw outside(requested);
  const real = await realpath(candidate).catch(async (error: NodeJS.ErrnoException) => {
    // Through a symlink leading out, the answer is "outside" whether or not anything is there:
    // "does not exist" or ENOTDIR would tell what the folder outside holds.
    if (!isInsideOrRoot(root, await nearestExisting(candidate))) throw outside(requested);
    if (error.code === 'ENOENT') throw new SourceAccessError(`${requested} does not exist in XP_IMPORT_DATA_DIR (${dataDir})`);
    throw new SourceAccessError(`${requested} cannot be read (${error.code ?? 'error'})`);
  });
  if (!isInside(root, real)) throw outside(requested);
  const info = await stat(real).catch((error: NodeJS.ErrnoException) => {
    throw new SourceAccessError(`${requested} cannot be read (${error.code ?? 'error'})`);
  });
  if (info.isDirectory()) throw new SourceAccessError(`${requested} is a folder, not a file: name a CSV or NDJSON file inside it`);
  if (!info.isFile()) throw notRegular(requested);
  return { real, root };
}

/** The real path of the nearest ancestor of `candidate` that exists. */
async function nearestExisting(candidate: string): Promise<string> {
  for (let at = path.dirname(candidate); ; at = path.dirname(at)) {
    const real = await realpath(at).catch(() => undefined);
    if (real !== undefined || at === path.dirname(at)) return real ?? at;
  }
}

/**
 * A file checked by path can be swapped (for a symlink leading out, or a FIFO) before it is read:
 * so every read opens it without following a last symlink and without blocking, and checks the
 * descriptor it got: a regular file whose real path is inside the data folder.
 */
class ConfinedFileSource extends LocalFileSource {
  constructor(
    real: string,
    private readonly root: string,
    private readonly requested: string,
  ) {
    super(real);
  }

  protected override async open(): Promise<FileHandle> {
    const handle = await open(this.path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch((error: NodeJS.ErrnoException) => {
      throw error.code === 'ELOOP' ? replaced(this.requested) : new SourceAccessError(`${this.requested} cannot be read (${error.code ?? 'error'})`);
    });
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw notRegular(this.requested);
      if (!isInside(this.root, await openedPath(handle, this.path, info))) throw replaced(this.requested);
      return handle;
    } catch (error) {
      await handle.close();
      throw error;
    }
  }
}

/** Where an open descriptor leads: Linux says so in /proc; elsewhere, the path's real path if it is still the same file. */
async function openedPath(handle: FileHandle, opened: string, info: { dev: number; ino: number }): Promise<string> {
  const viaProc = await readlink(`/proc/self/fd/${handle.fd}`).catch(() => undefined);
  if (viaProc !== undefined) return viaProc;
  const real = await realpath(opened);
  const now = await stat(real);
  return now.dev === info.dev && now.ino === info.ino ? real : '';
}

function notRegular(requested: string): SourceAccessError {
  return new SourceAccessError(`${requested} is not a regular file (a pipe, socket or device): only regular files are imported`);
}

function replaced(requested: string): SourceAccessError {
  return new SourceAccessError(`${requested} is no longer the file inside XP_IMPORT_DATA_DIR that was checked (a symlink, or a folder on its path, was put in its place): the worker reads local files only inside that folder`);
}

/** Whether `candidate` is `root` or below it (real paths: a link is resolved before it is asked). */
export function isInsideOrRoot(root: string, candidate: string): boolean {
  return candidate === root || isInside(root, candidate);
}

function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative !== '' && relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative);
}

function outside(requested: string): SourceAccessError {
  return new SourceAccessError(`${requested} is outside XP_IMPORT_DATA_DIR: the worker reads local files only inside that folder`);
}

/** A local file inside XP_IMPORT_DATA_DIR, or an http(s) URL read with Range requests. */
export async function openSource(dataDir: string | undefined, ref: SourceRef): Promise<ByteSource> {
  if (ref.kind === 'file') {
    const { real, root } = await confinedPath(dataDir, ref.path);
    return new ConfinedFileSource(real, root, ref.path);
  }
  return new HttpRangeSource(ref.url);
}
