import { z } from 'zod';
import { ImportClientError } from './clientError';
import { describeUrl, urlParts } from './sourceName';

/**
 * Where the rows come from. Only a reference travels through Temporal: a path relative to
 * (or inside) the worker's XP_IMPORT_DATA_DIR, or an http(s) URL. Never the rows.
 */
export const SourceRefSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('file'), path: z.string().min(1) }),
  z.object({ kind: z.literal('url'), url: z.url({ protocol: /^https?$/ }) }),
]);
export type SourceRef = z.infer<typeof SourceRefSchema>;

export const SourceFormatSchema = z.enum(['csv', 'ndjson']);
export type SourceFormat = z.infer<typeof SourceFormatSchema>;

/** CSV field delimiters we accept; `auto` detects one of them from the header line. */
export const DelimiterSchema = z.enum([',', ';', '\t', '|'], { error: 'use one of , ; | or tab (\\t)' });
export type Delimiter = z.infer<typeof DelimiterSchema>;

/** `--delimiter` as `start` and `validate` take it: a delimiter, or `\t` / `tab` typed for a tab. */
export const DelimiterFlagSchema = z
  .string()
  .transform((d) => (d === '\\t' || d.toLowerCase() === 'tab' ? '\t' : d))
  .pipe(DelimiterSchema);

/**
 * Identifies one version of a source. A batch re-checks it before reading its byte range,
 * so a file changed under a running import stops the import instead of mixing versions.
 */
export const FingerprintSchema = z.object({
  size: z.number().int().nonnegative(),
  /** Modification time (ms since epoch) for files; ETag or Last-Modified for URLs. */
  version: z.string(),
  /** sha256 (hex) of the whole content; empty when not computed. */
  sha256: z.string(),
});
export type Fingerprint = z.infer<typeof FingerprintSchema>;

/** A source argument that names nothing that can be imported: bad usage, said before anything runs. */
export class SourceArgumentError extends ImportClientError {
  override name = 'SourceArgumentError';
  readonly retryable = false;
}

const WHAT_A_SOURCE_IS = 'a path (inside XP_IMPORT_DATA_DIR on the worker) or an http(s) URL of a CSV or NDJSON file';

/**
 * A source argument that starts as an http(s) URL but is not written as one (`https:/host`,
 * `https:\\host`), or that has an invisible character before its scheme. URL parsing would
 * fetch the first kind, but as written neither is a URL to this code: taken for a path, its query
 * (a signature) would be shown everywhere the source is named. The message never shows the argument.
 */
export class MalformedSourceUrlError extends SourceArgumentError {
  override name = 'MalformedSourceUrlError';

  constructor(
    /** The scheme as it reads once invisible characters are left out, lower case. */
    readonly scheme: string,
    readonly problem: 'invisible-character' | 'not-scheme-slashes',
    message: string,
  ) {
    super(message);
  }
}

/**
 * An http(s) URL with a user name or password: the worker fetches it without them (undici sends
 * no Authorization from a URL), and kept, they would travel in every workflow and activity input.
 */
export class SourceUrlCredentialsError extends SourceArgumentError {
  override name = 'SourceUrlCredentialsError';

  constructor(
    /** The URL as describeUrl names it: without user info or query. */
    readonly source: string,
  ) {
    super(
      `source ${source} has a user name or password in it: the worker sends no credentials from the URL, and they would be kept in the import's history. ` +
        'Use a pre-signed URL whose query carries the signature, or serve the file without a login',
    );
  }
}

/**
 * Characters that show as nothing (format and control characters, and the other default-ignorable
 * ones such as U+200B), but not the ordinary white space that trim() takes away: text copied from
 * a document or a chat brings them along, and URL parsing does not skip them.
 */
const INVISIBLE = /(?![\t\n\v\f\r])[\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}]/u;
const INVISIBLE_ALL = new RegExp(INVISIBLE.source, 'gu');

/** What comes before the first `:` (with no `/?#\\` before it), read as a scheme once invisible characters are left out. */
function writtenScheme(text: string): { scheme: string; invisible: string | undefined } | undefined {
  const head = /^([^:/?#\\]*):/u.exec(text)?.[1];
  if (head === undefined) return undefined;
  // Space between an invisible character and the scheme is the stray space trim() took from the start.
  const scheme = head.replace(INVISIBLE_ALL, '').trimStart();
  if (!/^[a-z][a-z0-9+.-]*$/i.test(scheme)) return undefined;
  return { scheme: scheme.toLowerCase(), invisible: INVISIBLE.exec(head)?.[0] };
}

/** `U+200B`: how a message names a character that cannot be seen. */
function codePointName(character: string): string {
  return `U+${(character.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Refuses what would be taken for a path though it was meant as a URL: an invisible character
 * before a scheme, or an http(s) scheme not followed by `//` (URL parsing fetches `https:/host`
 * and `https:\\host` from host, but urlParts, and so describeSource, needs `://`).
 */
function refuseMalformedUrl(text: string): void {
  const written = writtenScheme(text);
  if (written === undefined) return;
  const { scheme, invisible } = written;
  const isHttp = scheme === 'http' || scheme === 'https';
  const howToWrite = `write the URL as ${isHttp ? scheme : 'https'}://host/path?...`;
  if (invisible !== undefined) {
    throw new MalformedSourceUrlError(
      scheme,
      'invisible-character',
      `the source has an invisible character (${codePointName(invisible)}) before "${scheme}:", as text copied from a document or a chat can have: type it again, and ${howToWrite}`,
    );
  }
  if (isHttp && !new RegExp(`^${scheme}://`, 'i').test(text)) {
    throw new MalformedSourceUrlError(scheme, 'not-scheme-slashes', `the source starts with "${scheme}:" but not with "${scheme}://" (a slash missing, or a backslash): ${howToWrite}`);
  }
}

/**
 * What is kept of a well-formed http(s) URL: as URL parsing reads it (what is fetched), without
 * its fragment (never sent to the server, and it may hold a token). A user name or password is
 * refused (SourceUrlCredentialsError). The default import ID names origin and path alone, so it
 * does not change.
 */
function keptUrl(text: string): string {
  const url = new URL(text);
  if (url.username !== '' || url.password !== '') throw new SourceUrlCredentialsError(describeUrl(url.href));
  url.hash = '';
  return url.href;
}

/**
 * A source reference given as an object (the client API), as the client keeps it: an http(s) URL
 * that parses goes through the same refusal and clean-up as a URL argument; anything else is left
 * for the input schema to judge.
 */
export function keptSourceRef(ref: SourceRef): SourceRef {
  const parsed = SourceRefSchema.safeParse(ref);
  if (!parsed.success || parsed.data.kind !== 'url') return ref;
  return { kind: 'url', url: keptUrl(parsed.data.url) };
}

/**
 * Turns the source argument of the CLI into a reference: URLs stay URLs, anything else is a path.
 * Refuses an empty argument (it would name the data folder itself), a URL of another scheme, an
 * http(s) URL that does not parse or is not written `http(s)://`, one with an invisible character
 * before its scheme, and one with a user name or password; messages show a URL without its query
 * or user info.
 */
export function sourceRefFromArgument(argument: string): SourceRef {
  if (argument.trim() === '') throw new SourceArgumentError(`the source is empty: give ${WHAT_A_SOURCE_IS}`);
  // A URL pasted with a stray space is still a URL: taken for a path, its query (a signature) would be shown everywhere.
  const text = argument.trim();
  refuseMalformedUrl(text);
  const parts = urlParts(text);
  if (parts === undefined) return { kind: 'file', path: argument };
  const scheme = parts.scheme.toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') {
    const instead = scheme === 'file' ? 'give the path itself, without file://' : 'download the file into XP_IMPORT_DATA_DIR, or serve it over http(s)';
    throw new SourceArgumentError(`only http(s) URLs or local paths can be imported, not ${scheme}:// URLs: ${instead}`);
  }
  const { host } = parts;
  let problem: string | undefined;
  if (host === '') problem = 'it has no host name';
  else if (!URL.canParse(text) || !SourceRefSchema.safeParse({ kind: 'url', url: text }).success) {
    problem = /\s/.test(host) ? 'its host name contains a space' : 'it cannot be parsed';
  }
  // Kept as URL parsing reads it, which is what is fetched: a backslash becomes the slash it stands for.
  if (problem === undefined) return { kind: 'url', url: keptUrl(text) };
  throw new SourceArgumentError(`source ${describeUrl(text)} is not a valid URL: ${problem}. Check it and give ${WHAT_A_SOURCE_IS}`);
}
