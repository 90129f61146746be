import { describe, expect, it } from 'vitest';
import { defaultImportId } from '../../../client/importId';
import { keptSourceRef, MalformedSourceUrlError, SourceArgumentError, sourceRefFromArgument, SourceUrlCredentialsError, type SourceRef } from '../../../common/source';
import { describeSource, sourceAttribute } from '../../../common/sourceName';

/** The error an argument is refused with (it fails the test when the argument is taken). */
function refusalOf(argument: string): SourceArgumentError {
  try {
    sourceRefFromArgument(argument);
  } catch (error) {
    expect(error).toBeInstanceOf(SourceArgumentError);
    return error as SourceArgumentError;
  }
  throw new Error(`${JSON.stringify(argument)} was taken`);
}

describe('the source argument of start', () => {
  it('is a path, or an http(s) URL that parses', () => {
    expect(sourceRefFromArgument('crm/customers.csv')).toEqual({ kind: 'file', path: 'crm/customers.csv' });
    expect(sourceRefFromArgument('C:\\exports\\customers.csv')).toEqual({ kind: 'file', path: 'C:\\exports\\customers.csv' });
    expect(sourceRefFromArgument('https://example.com/x.csv?sig=abc')).toEqual({ kind: 'url', url: 'https://example.com/x.csv?sig=abc' });
    // Kept as URL parsing reads it: what the worker fetches.
    expect(sourceRefFromArgument('HTTP://localhost:8080/a b.csv')).toEqual({ kind: 'url', url: 'http://localhost:8080/a%20b.csv' });
  });

  it('is a URL even with a stray space around it, so that its query (a signature) is never shown as part of a path', () => {
    const ref = sourceRefFromArgument(' https://bucket.example.com/customers.csv?X-Amz-Signature=deadbeef\n');
    expect(ref).toEqual({ kind: 'url', url: 'https://bucket.example.com/customers.csv?X-Amz-Signature=deadbeef' });
    expect(describeSource(ref)).toBe('https://bucket.example.com/customers.csv?…');
  });

  it('names a URL by the host it is fetched from: a backslash ends the host, as URL parsing has it', () => {
    const given = 'http://127.0.0.1:9000\\@trusted-bucket.example.com/exports/customers.csv';
    expect(new URL(given).host).toBe('127.0.0.1:9000');
    const ref = sourceRefFromArgument(given);
    expect(ref).toEqual({ kind: 'url', url: 'http://127.0.0.1:9000/@trusted-bucket.example.com/exports/customers.csv' });
    // Given as it is (through the client API, not the CLI), it is still named by its real host.
    for (const url of [given, (ref as { url: string }).url]) expect(sourceAttribute({ kind: 'url', url })).toMatch(/^http:\/\/127\.0\.0\.1:9000[\\/]@trusted/);
  });

  it('is refused when empty: it would name the data folder itself', () => {
    for (const empty of ['', '  ']) {
      expect(() => sourceRefFromArgument(empty)).toThrow(SourceArgumentError);
      expect(() => sourceRefFromArgument(empty)).toThrow('the source is empty: give a path (inside XP_IMPORT_DATA_DIR on the worker) or an http(s) URL');
    }
  });

  it('is refused, saying what is wrong, when an http(s) URL does not parse (before: "Invalid URL", exit 3)', () => {
    expect(() => sourceRefFromArgument('http://')).toThrow('source http:// is not a valid URL: it has no host name. Check it and give a path');
    expect(() => sourceRefFromArgument('https://exa mple.com/x.csv')).toThrow('source https://exa mple.com/x.csv is not a valid URL: its host name contains a space');
    expect(() => sourceRefFromArgument('https://exa[mple.com/x.csv')).toThrow('is not a valid URL: it cannot be parsed');
    // The query of a pre-signed URL is a credential: never shown.
    expect(() => sourceRefFromArgument('https://:80/x.csv?X-Amz-Signature=secret')).toThrow(/^source https:\/\/:80\/x\.csv\?… is not a valid URL/);
  });

  it('is refused when it is a URL of another scheme: only http(s) URLs or local paths', () => {
    expect(() => sourceRefFromArgument('ftp://example.com/x.csv')).toThrow('only http(s) URLs or local paths can be imported, not ftp:// URLs');
    expect(() => sourceRefFromArgument('file:///srv/imports/x.csv')).toThrow(/not file:\/\/ URLs: give the path itself, without file:\/\//);
    expect(() => sourceRefFromArgument('s3://bucket/x.csv')).toThrow(SourceArgumentError);
  });
});

describe('a mistyped http(s) URL, which URL parsing would still fetch', () => {
  const signed = 'bucket.example.com/web.csv?X-Amz-Signature=SIG-mistyped';

  it('is refused, never taken for a path that would show its signature, with how to write it and without its query', () => {
    for (const [given, scheme] of [
      [`https:/${signed}`, 'https'],
      [`https:\\\\${signed}`, 'https'],
      [`https:\\/${signed}`, 'https'],
      [`https:${signed}`, 'https'],
      [`HTTP:/${signed}`, 'http'],
      [`  http:/${signed}\n`, 'http'],
    ] as const) {
      expect(URL.canParse(given.trim()), given).toBe(true);
      const error = refusalOf(given);
      expect(error, given).toBeInstanceOf(MalformedSourceUrlError);
      expect(error).toMatchObject({ scheme, problem: 'not-scheme-slashes' });
      expect(error.message).toContain(`write the URL as ${scheme}://host/path?...`);
      expect(error.message).not.toMatch(/SIG-mistyped|X-Amz|bucket/);
    }
  });

  it('is refused with an invisible character before its scheme, naming the character', () => {
    for (const invisible of ['\u200b', '\u2060', '\u00ad', '\u200e', '\ufeff\u200b', '\u200b ', '\u0007']) {
      const given = `${invisible}https://${signed}`;
      const error = refusalOf(given);
      expect(error, JSON.stringify(given)).toBeInstanceOf(MalformedSourceUrlError);
      expect(error).toMatchObject({ scheme: 'https', problem: 'invisible-character' });
      expect(error.message).toMatch(/an invisible character \(U\+[0-9A-F]{4}\) before "https:"/);
      expect(error.message).toContain('write the URL as https://host/path?...');
      expect(error.message).not.toMatch(/SIG-mistyped|X-Amz/);
    }
    // Inside the scheme, or before another scheme, it is refused as well: the text was pasted.
    expect(refusalOf(`ht\u200btps://${signed}`)).toMatchObject({ scheme: 'https', problem: 'invisible-character' });
    expect(refusalOf('\u200bftp://example.com/x.csv')).toMatchObject({ scheme: 'ftp', problem: 'invisible-character' });
  });

  it('leaves paths alone, and a well-formed URL is kept as before', () => {
    for (const file of ['exports/http:/x.csv', 'https/x.csv', 'report:2026.csv', 'C:\\exports\\x.csv', 'crm/\u200bodd.csv']) {
      expect(sourceRefFromArgument(file)).toEqual({ kind: 'file', path: file });
    }
    expect(sourceRefFromArgument(`https://${signed}`)).toEqual({ kind: 'url', url: `https://${signed}` });
  });
});

describe('a URL with a user name or password, or a fragment', () => {
  it('is refused at the client: the worker sends no credentials from the URL, and they would be kept in every input', () => {
    for (const given of ['http://alice:secret@host.example.com/f.csv', 'https://alice@host.example.com/f.csv?sig=1', 'https://:secret@host.example.com/f.csv']) {
      const error = refusalOf(given);
      expect(error, given).toBeInstanceOf(SourceUrlCredentialsError);
      expect(error.message).toContain('the worker sends no credentials from the URL');
      expect(error.message).toContain('Use a pre-signed URL whose query carries the signature');
      expect(error.message).not.toMatch(/alice|secret|sig=1/);
      // Given as an object through the client API, the same.
      expect(() => keptSourceRef({ kind: 'url', url: given })).toThrow(SourceUrlCredentialsError);
    }
  });

  it('is kept without its fragment, which is never sent to the server', () => {
    expect(sourceRefFromArgument('https://example.com/x.csv?sig=abc#access_token=SECRET')).toEqual({ kind: 'url', url: 'https://example.com/x.csv?sig=abc' });
    expect(sourceRefFromArgument('https://example.com/x.csv#')).toEqual({ kind: 'url', url: 'https://example.com/x.csv' });
    expect(keptSourceRef({ kind: 'url', url: 'https://example.com/x.csv#frag' })).toEqual({ kind: 'url', url: 'https://example.com/x.csv' });
    expect(keptSourceRef({ kind: 'file', path: 'a#b.csv' })).toEqual({ kind: 'file', path: 'a#b.csv' });
    // What is not a source at all is left for the start's own validation to refuse.
    expect(keptSourceRef(null as unknown as SourceRef)).toBeNull();
  });

  it('keeps the default import ID of a URL without a fragment what it was (and one with a fragment has the same)', () => {
    const url = 'https://bucket.example.com/exports/web.csv?X-Amz-Signature=SIG';
    const remote = { size: 10, version: '"e1"' };
    // Computed by the code before fragments were dropped: imports already started keep their IDs.
    expect(defaultImportId(sourceRefFromArgument(url), null)).toBe('web-172e4fbd2cfa');
    expect(defaultImportId(sourceRefFromArgument(url), null, remote)).toBe('web-693aac0d2aa9');
    expect(defaultImportId(sourceRefFromArgument(`${url}#part`), null, remote)).toBe('web-693aac0d2aa9');
    expect(defaultImportId(keptSourceRef({ kind: 'url', url }), null, remote)).toBe('web-693aac0d2aa9');
  });
});
