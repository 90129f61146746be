import type { SourceRef } from './source';

/** A URL's scheme (as written), host and path, and whether it has a query; user info and fragment are left out. */
export interface UrlParts {
  scheme: string;
  host: string;
  path: string;
  hasQuery: boolean;
}

/**
 * By pattern rather than with URL, so that the workflow can use it as well; undefined without
 * `scheme://`. A backslash ends the host, as URL parsing (and so the fetch) has it for http(s):
 * `http://a\\@b/` is fetched from a, and must not be shown as b.
 */
export function urlParts(url: string): UrlParts | undefined {
  const parts = /^([a-z][a-z0-9+.-]*):\/\/(?:[^/?#\\]*@)?([^/?#\\]*)([^?#]*)(\?[^#]*)?/i.exec(url);
  if (parts === null) return undefined;
  return { scheme: parts[1] as string, host: parts[2] as string, path: parts[3] as string, hasQuery: parts[4] !== undefined };
}

/** Scheme, host and path only: the query of a pre-signed URL is a credential, user info is one too, and a fragment may hold one. */
export function describeUrl(url: string): string {
  const parts = urlParts(url);
  if (parts === undefined) return 'a URL that cannot be parsed';
  return `${parts.scheme}://${parts.host}${parts.path}${parts.hasQuery ? '?…' : ''}`;
}

/** How reports, summaries, search attributes and messages name a source. */
export function describeSource(ref: SourceRef): string {
  return ref.kind === 'file' ? ref.path : describeUrl(ref.url);
}

/** The ImportSource search attribute's value: the source as named everywhere, within a Keyword's size. */
export function sourceAttribute(ref: SourceRef): string {
  return describeSource(ref).slice(0, 200);
}
