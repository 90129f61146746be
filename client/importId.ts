import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { SourceRef } from '../common/source';

/**
 * Where the worker should look for a local file, and a stable import ID for it. A file inside
 * XP_IMPORT_DATA_DIR is named relative to it (workers may mount that folder elsewhere); a file
 * found from the current folder is named absolutely; anything else is passed on as given.
 */
export function resolveSourceForWorker(ref: SourceRef, dataDir = process.env.XP_IMPORT_DATA_DIR): { ref: SourceRef; localPath: string | null } {
  if (ref.kind !== 'file') return { ref, localPath: null };
  const candidates = [path.resolve(ref.path), ...(dataDir ? [path.resolve(dataDir, ref.path)] : [])];
  const found = candidates.find((c) => existsSync(c));
  if (found === undefined) return { ref, localPath: null };
  if (dataDir) {
    const relative = path.relative(path.resolve(dataDir), found);
    if (relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative)) return { ref: { kind: 'file', path: relative }, localPath: found };
  }
  return { ref: { kind: 'file', path: found }, localPath: found };
}

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/\.[a-z0-9]+$/, '')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'import'
  );
}

/**
 * The default import ID: the same source version gives the same ID, so starting it twice finds
 * the first import. A local file is identified by its path, size and modification time.
 */
export function defaultImportId(ref: SourceRef, localPath: string | null): string {
  const hash = createHash('sha256');
  let name: string;
  if (ref.kind === 'file') {
    name = path.basename(ref.path);
    hash.update(`file\0${localPath ?? ref.path}`);
    if (localPath) {
      const stat = statSync(localPath);
      hash.update(`\0${stat.size}\0${stat.mtimeMs}`);
    }
  } else {
    const url = new URL(ref.url);
    name = path.basename(url.pathname) || url.hostname;
    hash.update(`url\0${url.origin}${url.pathname}`);
  }
  return `${slug(name)}-${hash.digest('hex').slice(0, 12)}`;
}
