import { realpath } from 'node:fs/promises';
import path from 'node:path';
import type { SourceRef } from '../common/source';
import { SourceAccessError } from './failures';
import { LocalFileSource, type ByteSource } from './source/byteSource';

/**
 * Resolves a source reference to bytes the worker may read. Local paths are confined to
 * XP_IMPORT_DATA_DIR: `..`, absolute paths elsewhere and symlinks leading out are refused, so a
 * workflow input cannot make a worker read arbitrary files.
 */
export async function resolveLocalPath(dataDir: string | undefined, requested: string): Promise<string> {
  if (!dataDir) {
    throw new SourceAccessError('this worker has no XP_IMPORT_DATA_DIR: set it to the folder that holds the files to import');
  }
  const root = await realpath(dataDir).catch(() => {
    throw new SourceAccessError(`XP_IMPORT_DATA_DIR (${dataDir}) does not exist on this worker`);
  });
  const candidate = path.resolve(root, requested);
  if (!isInside(root, candidate)) throw outside(requested);
  const real = await realpath(candidate).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') throw new SourceAccessError(`${requested} does not exist in XP_IMPORT_DATA_DIR (${dataDir})`);
    throw new SourceAccessError(`${requested} cannot be read (${error.code ?? 'error'})`);
  });
  if (!isInside(root, real)) throw outside(requested);
  return real;
}

function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

function outside(requested: string): SourceAccessError {
  return new SourceAccessError(`${requested} is outside XP_IMPORT_DATA_DIR: the worker reads local files only inside that folder`);
}

export async function openSource(dataDir: string | undefined, ref: SourceRef): Promise<ByteSource> {
  if (ref.kind === 'file') return new LocalFileSource(await resolveLocalPath(dataDir, ref.path));
  throw new SourceAccessError('http(s) sources are not supported yet');
}
