import type { SourceRef } from './source';

/**
 * Scheme, host and path only: the query of a pre-signed URL is a credential, user info is one too,
 * and a fragment may hold one. A pattern rather than URL, so that the workflow can use it as well.
 */
export function describeUrl(url: string): string {
  const parts = /^([a-z][a-z0-9+.-]*:\/\/)(?:[^/?#]*@)?([^?#]*)(\?[^#]*)?/i.exec(url);
  if (parts === null) return 'a URL that cannot be parsed';
  return `${parts[1]}${parts[2]}${parts[3] ? '?…' : ''}`;
}

/** How reports, summaries, search attributes and messages name a source. */
export function describeSource(ref: SourceRef): string {
  return ref.kind === 'file' ? ref.path : describeUrl(ref.url);
}
