import { describe, expect, it } from 'vitest';
import { SourceArgumentError, sourceRefFromArgument } from '../../../common/source';
import { describeSource, sourceAttribute } from '../../../common/sourceName';

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
