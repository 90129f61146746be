import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { defaultImportId, defaultImportIdFor, probeRemoteVersion, resolveSourceForWorker } from '../../../client/importId';
import { SourceArgumentError, type SourceRef } from '../../../common/source';
import { etagOf, startRangeServer, type RangeServer } from '../../support/rangeServer';
import { MappingSchema } from '../../../common/mapping';

const folder = mkdtempSync(path.join(tmpdir(), 'xp-import-id-'));
const file = path.join(folder, 'exports', 'customers.csv');
mkdirSync(path.dirname(file));
writeFileSync(file, 'user_id\nu1\n');
afterAll(() => rmSync(folder, { recursive: true, force: true }));
let server: RangeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const url = (query: string): Extract<SourceRef, { kind: 'url' }> => ({ kind: 'url', url: `${server!.url}/exports/customers.csv${query}` });

describe('the default import ID of a URL', () => {
  it('names the file and stays the same when only the query (a new signature) changes', async () => {
    server = await startRangeServer(folder);
    const first = await defaultImportIdFor(url('?X-Amz-Signature=aaa'), null);
    const second = await defaultImportIdFor(url('?X-Amz-Signature=bbb'), null);
    expect(first).toMatch(/^customers-[0-9a-f]{12}$/);
    expect(second).toBe(first);
  });

  it('changes when the content changes (new ETag and size), as told by HEAD', async () => {
    server = await startRangeServer(folder);
    const before = await defaultImportIdFor(url(''), null);
    expect(await probeRemoteVersion(url('').url)).toEqual({ size: 11, version: etagOf(file) });
    writeFileSync(file, 'user_id\nu1\nu2\n');
    const after = await defaultImportIdFor(url(''), null);
    expect(after).not.toBe(before);
    expect(await probeRemoteVersion(url('').url)).toEqual({ size: 14, version: etagOf(file) });
  });

  it('asks with a one-byte Range GET where HEAD is refused (a URL pre-signed for GET)', async () => {
    server = await startRangeServer(folder, { head: false });
    expect(await probeRemoteVersion(url('?sig=1').url)).toEqual({ size: 14, version: etagOf(file) });
    expect(server.requests().map((r) => r.method)).toEqual(['HEAD', 'GET']);
  });

  it('falls back to the URL alone when the server cannot be asked', async () => {
    server = await startRangeServer(folder);
    const ref = url('');
    await server.close();
    expect(await probeRemoteVersion(ref.url, 2_000)).toBeNull();
    expect(await defaultImportIdFor(ref, null)).toBe(defaultImportId(ref, null));
    server = undefined;
  });
});

describe('the default import ID of a local file', () => {
  const ref = { kind: 'file' as const, path: 'exports/customers.csv' };

  it('is the same through a symlinked folder, and a dry run has an ID of its own', async () => {
    const link = path.join(folder, 'linked');
    symlinkSync(path.join(folder, 'exports'), link);
    const direct = defaultImportId(ref, file);
    expect(defaultImportId(ref, path.join(link, 'customers.csv'))).toBe(direct);
    const dry = await defaultImportIdFor(ref, file, { dryRun: true });
    expect(dry).toMatch(/^customers-dry-run-[0-9a-f]{12}$/);
    expect(dry.slice(-12)).toBe(direct.slice(-12));
    expect(await defaultImportIdFor(ref, file)).toBe(direct);
  });

  it('differs with a given mapping or another format than the name says, so a corrected start is a new import; the same rows keep the same ID', () => {
    const plain = defaultImportId(ref, file);
    const mapping = MappingSchema.parse({ columns: { 'SMS OK': 'sms_subscription', Email: { to: 'email' } }, constants: { tier: 'gold' } });
    const mapped = defaultImportId(ref, file, null, { mapping });
    const reordered = MappingSchema.parse({ constants: { tier: 'gold' }, columns: { Email: { to: 'email' }, 'SMS OK': 'sms_subscription' } });
    expect(defaultImportId(ref, file, null, { mapping: reordered })).toBe(mapped);
    const fixed = defaultImportId(ref, file, null, { mapping: MappingSchema.parse({ columns: { 'SMS OK': 'sms_subscription', Email: { to: 'email', blank: 'clear' } }, constants: { tier: 'gold' } }) });
    const asNdjson = defaultImportId(ref, file, null, { format: 'ndjson' });
    expect(new Set([plain, mapped, fixed, asNdjson]).size).toBe(4);
    for (const id of [mapped, fixed, asNdjson]) expect(id).toMatch(/^customers-[0-9a-f]{12}$/);
    // What sends the same rows is the same import: the format the name says, or nothing given (the ID of a plain start as it was).
    expect(defaultImportId(ref, file, null, { format: 'csv' })).toBe(plain);
    expect(defaultImportId(ref, file, null, { dryRun: false, format: undefined, mapping: undefined })).toBe(plain);
  });
});

describe('where the client finds a local file', () => {
  it('a name found both in the current folder and in the data folder means the data folder’s', () => {
    const here = mkdtempSync(path.join(tmpdir(), 'xp-import-cwd-'));
    const data = path.join(folder, 'data');
    mkdirSync(data, { recursive: true });
    writeFileSync(path.join(here, 'same.csv'), 'user_id\nhere\n');
    writeFileSync(path.join(data, 'same.csv'), 'user_id\ndata\n');
    writeFileSync(path.join(here, 'only-here.csv'), 'user_id\nhere\n');
    const cwd = process.cwd();
    try {
      process.chdir(here);
      expect(resolveSourceForWorker({ kind: 'file', path: 'same.csv' }, data)).toEqual({ ref: { kind: 'file', path: 'same.csv' }, localPath: path.join(data, 'same.csv') });
      // Found only from here, outside the data folder this process sees: refused here, before an import is made of it
      // (before: named absolutely, for the worker to refuse with a failed import).
      expect(() => resolveSourceForWorker({ kind: 'file', path: 'only-here.csv' }, data)).toThrow(
        new SourceArgumentError(`only-here.csv is outside XP_IMPORT_DATA_DIR (${data}), the only folder workers read files from: copy or move it there`),
      );
      // A name found nowhere (a typo) is refused too, where the data folder is seen; where it is not, it goes to the worker as given.
      expect(() => resolveSourceForWorker({ kind: 'file', path: 'custmers.csv' }, data)).toThrow(
        new SourceArgumentError(`no file custmers.csv in XP_IMPORT_DATA_DIR (${data}) or from the current folder: check the name; workers read files in that folder only`),
      );
      expect(resolveSourceForWorker({ kind: 'file', path: 'custmers.csv' }, path.join(folder, 'no-such-data-folder'))).toEqual({ ref: { kind: 'file', path: 'custmers.csv' }, localPath: null });
      // Not seen here at all: named absolutely, for the worker to refuse if it is outside its folder.
      expect(resolveSourceForWorker({ kind: 'file', path: 'only-here.csv' }, undefined)).toEqual({
        ref: { kind: 'file', path: path.join(here, 'only-here.csv') },
        localPath: path.join(here, 'only-here.csv'),
      });
      // A path from here into the data folder is named relative to it.
      const intoData = path.relative(here, path.join(data, 'same.csv'));
      expect(resolveSourceForWorker({ kind: 'file', path: intoData }, data).ref).toEqual({ kind: 'file', path: 'same.csv' });
      // A data folder named through a symlink, and the file by its real path (`cd` resolves links): inside all the same.
      const linkedData = path.join(folder, 'data-link');
      symlinkSync(data, linkedData);
      expect(resolveSourceForWorker({ kind: 'file', path: path.join(data, 'same.csv') }, linkedData).ref).toEqual({ kind: 'file', path: 'same.csv' });
      // A name that begins with two dots is a name, not the way out (before: refused as outside the data folder).
      writeFileSync(path.join(data, '..dots.csv'), 'user_id\ndots\n');
      expect(resolveSourceForWorker({ kind: 'file', path: '..dots.csv' }, data).ref).toEqual({ kind: 'file', path: '..dots.csv' });
      // A folder (`start .` from inside the data folder) is refused with what to give instead.
      process.chdir(data);
      expect(() => resolveSourceForWorker({ kind: 'file', path: '.' }, data)).toThrow(new SourceArgumentError('. is a folder, not a file: give the path of a CSV or NDJSON file in it'));
    } finally {
      process.chdir(cwd);
      rmSync(here, { recursive: true, force: true });
    }
  });
});
