import { describe, expect, it } from 'vitest';
import { describeSource, describeUrl } from '../../../common/sourceName';

describe('how a source is named in reports, summaries, search attributes and messages', () => {
  it('a URL keeps its scheme, host and path, never its user info, query or fragment', () => {
    expect(describeUrl('http://u:SECRET-pw@127.0.0.1:7599/exports/good.csv?sig=SECRET-q#SECRET-f')).toBe('http://127.0.0.1:7599/exports/good.csv?…');
    expect(describeUrl('https://token@example.com/a.csv')).toBe('https://example.com/a.csv');
    expect(describeUrl('https://example.com/a.csv#access_token=SECRET')).toBe('https://example.com/a.csv');
    // An @ in the path is not user info.
    expect(describeUrl('https://example.com/people@2026.csv?x=1')).toBe('https://example.com/people@2026.csv?…');
    expect(describeUrl('not a url')).toBe('a URL that cannot be parsed');
  });

  it('a file keeps its path', () => {
    expect(describeSource({ kind: 'file', path: 'crm/customers.csv' })).toBe('crm/customers.csv');
    expect(describeSource({ kind: 'url', url: 'https://a:b@example.com/x.csv?s=1' })).toBe('https://example.com/x.csv?…');
  });
});
