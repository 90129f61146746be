import { createHash } from 'node:crypto';
import { existsSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { request } from 'undici';
import { inferFormat, type ImportOptions } from '../common/importInput';
import { SourceArgumentError, type SourceRef } from '../common/source';

/**
 * Where the worker should look for a local file, and a stable import ID for it. A file inside
 * XP_IMPORT_DATA_DIR is named relative to it (workers may mount that folder elsewhere); a file
 * found from the current folder is named absolutely; anything else is passed on as given. A path
 * that names a file both from the current folder and in the data folder means the data folder's:
 * the worker reads nothing else. A path that names only folders is refused (SourceArgumentError).
 */
export function resolveSourceForWorker(ref: SourceRef, dataDir = process.env.XP_IMPORT_DATA_DIR): { ref: SourceRef; localPath: string | null } {
  if (ref.kind !== 'file') return { ref, localPath: null };
  const inside = (folder: string, file: string): string | undefined => {
    const relative = path.relative(folder, file);
    // `..` as a whole first segment leads out; `..dots.csv` is a file's name like any other.
    const out = relative === '..' || relative.startsWith(`..${path.sep}`);
    return relative !== '' && !out && !path.isAbsolute(relative) ? relative : undefined;
  };
  // As named, or through symlinks: the data folder may be a mounted volume's link, and the current
  // folder its real path (`cd` into it resolves the link), as the worker also resolves them.
  const inData = (file: string): string | undefined => {
    if (!dataDir) return undefined;
    return inside(path.resolve(dataDir), file) ?? (existsSync(dataDir) ? inside(realpathSync(dataDir), realpathSync(file)) : undefined);
  };
  const existing = [path.resolve(ref.path), ...(dataDir ? [path.resolve(dataDir, ref.path)] : [])].filter((c) => existsSync(c));
  const candidates = existing.filter((c) => !statSync(c).isDirectory());
  // Said here, before an import is started for the worker to refuse (`start .` names the data folder).
  if (candidates.length === 0 && existing.length > 0) throw new SourceArgumentError(`${ref.path} is a folder, not a file: give the path of a CSV or NDJSON file in it`);
  const found = candidates.find((c) => inData(c) !== undefined) ?? candidates[0];
  // Where this process sees the workers' data folder, a path the workers would refuse is refused
  // here, before an import (a workflow, a report folder, a failed report) is made of a typo.
  const seesDataDir = dataDir !== undefined && dataDir !== '' && existsSync(dataDir) && statSync(dataDir).isDirectory();
  if (found === undefined) {
    if (!seesDataDir) return { ref, localPath: null };
    throw new SourceArgumentError(
      `no file ${ref.path} in XP_IMPORT_DATA_DIR (${dataDir})${path.isAbsolute(ref.path) ? '' : ' or from the current folder'}: check the name; workers read files in that folder only`,
    );
  }
  const relative = inData(found);
  if (relative === undefined && seesDataDir) {
    throw new SourceArgumentError(`${ref.path} is outside XP_IMPORT_DATA_DIR (${dataDir}), the only folder workers read files from: copy or move it there`);
  }
  return { ref: { kind: 'file', path: relative ?? found }, localPath: found };
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

/** What a server says about the version of a URL's content: its size and ETag or Last-Modified. */
export interface RemoteVersion {
  size: number;
  version: string;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first?.trim() || undefined;
}

/**
 * Asks the server for the version of a URL: HEAD, or a one-byte Range GET where HEAD is refused
 * (pre-signed URLs are signed for GET only). Null when neither tells a size and a version: the
 * import ID then names the URL alone. Never throws; the worker reports real access problems.
 */
export async function probeRemoteVersion(url: string, timeoutMs = 10_000): Promise<RemoteVersion | null> {
  const ask = async (method: 'HEAD' | 'GET'): Promise<RemoteVersion | null> => {
    const response = await request(url, {
      method,
      headers: { 'accept-encoding': 'identity', ...(method === 'GET' ? { range: 'bytes=0-0' } : {}) },
      headersTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body.dump().catch(() => undefined);
    const version = headerValue(response.headers.etag) ?? headerValue(response.headers['last-modified']);
    if (version === undefined) return null;
    if (method === 'HEAD' && response.statusCode === 200) {
      const length = headerValue(response.headers['content-length']);
      return length !== undefined && /^\d+$/.test(length) ? { size: Number(length), version } : null;
    }
    const total = method === 'GET' && response.statusCode === 206 ? /\/(\d+)\s*$/.exec(headerValue(response.headers['content-range']) ?? '') : null;
    return total ? { size: Number(total[1]), version } : null;
  };
  try {
    return (await ask('HEAD')) ?? (await ask('GET'));
  } catch {
    return null;
  }
}

/** What, besides the source, decides what an import sends, and so names it apart. */
export type ImportIdOptions = Partial<Pick<ImportOptions, 'dryRun' | 'format' | 'mapping'>>;

/**
 * The default import ID: the same source version gives the same ID, so starting it twice finds
 * the first import. A local file is identified by its path, size and modification time; a URL by
 * its origin and path (never its query, which changes each time a URL is signed again) and, when
 * the server tells them, its size and ETag or Last-Modified. A dry run has an ID of its own, so the
 * real import of the same file is not taken for it; so do a mapping and a format other than the
 * name's, so that an import that failed on a wrong mapping is started again with the right one (a
 * re-run would run with the wrong one). Only what changes the rows sent counts: `--format csv` on
 * a .csv file, or a delimiter (found in the file when not given), would otherwise give the same
 * rows a second ID, and send them twice.
 */
export function defaultImportId(ref: SourceRef, localPath: string | null, remote: RemoteVersion | null = null, options: ImportIdOptions = {}): string {
  const hash = createHash('sha256');
  let name: string;
  if (ref.kind === 'file') {
    name = path.basename(ref.path);
    // The real path: the same file reached through another folder or a symlink is the same import.
    hash.update(`file\0${localPath ? realpathSync(localPath) : ref.path}`);
    if (localPath) {
      const stat = statSync(localPath);
      hash.update(`\0${stat.size}\0${stat.mtimeMs}`);
    }
  } else {
    const url = new URL(ref.url);
    name = path.basename(url.pathname) || url.hostname;
    hash.update(`url\0${url.origin}${url.pathname}`);
    if (remote) hash.update(`\0${remote.size}\0${remote.version}`);
  }
  const { dryRun, mapping } = options;
  const format = options.format !== undefined && options.format !== inferFormat(ref.kind === 'file' ? ref.path : ref.url) ? options.format : undefined;
  // Nothing that changes the rows, nothing added: the ID of a plain start is what it has always been.
  if (format !== undefined || mapping !== undefined) hash.update(`\0${canonicalJson({ format, mapping })}`);
  return `${slug(name)}${dryRun ? '-dry-run' : ''}-${hash.digest('hex').slice(0, 12)}`;
}

/** JSON with every object's keys in order: the same mapping written in another order is the same mapping. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** defaultImportId, asking the server for a URL's version first. */
export async function defaultImportIdFor(ref: SourceRef, localPath: string | null, options: ImportIdOptions = {}): Promise<string> {
  return defaultImportId(ref, localPath, ref.kind === 'url' ? await probeRemoteVersion(ref.url) : null, options);
}
