import { realpath, stat } from 'node:fs/promises';
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
  const real = await realpath(candidate).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') throw new SourceAccessError(`${requested} does not exist in XP_IMPORT_DATA_DIR (${dataDir})`);
    throw new SourceAccessError(`${requested} cannot be read (${error.code ?? 'error'})`);
  });
  if (!isInside(root, real)) throw outside(requested);
  const info = await stat(real).catch((error: NodeJS.ErrnoException) => {
    throw new SourceAccessError(`${requested} cannot be read (${error.code ?? 'error'})`);
  });
  if (info.isDirectory()) throw new SourceAccessError(`${requested} is a folder, not a file: name a CSV or NDJSON file inside it`);
  if (!info.isFile()) throw new SourceAccessError(`${requested} is not a regular file (a pipe, socket or device): only regular files are imported`);
  return real;
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
  if (ref.kind === 'file') return new LocalFileSource(await resolveLocalPath(dataDir, ref.path));
  return new HttpRangeSource(ref.url);
}
