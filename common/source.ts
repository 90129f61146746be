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
 * Turns the source argument of the CLI into a reference: URLs stay URLs, anything else is a path.
 * Refuses an empty argument (it would name the data folder itself), a URL of another scheme, and
 * an http(s) URL that does not parse; messages show a URL without its query or user info.
 */
export function sourceRefFromArgument(argument: string): SourceRef {
  if (argument.trim() === '') throw new SourceArgumentError(`the source is empty: give ${WHAT_A_SOURCE_IS}`);
  // A URL pasted with a stray space is still a URL: taken for a path, its query (a signature) would be shown everywhere.
  const text = argument.trim();
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
  if (problem === undefined) return { kind: 'url', url: new URL(text).href };
  throw new SourceArgumentError(`source ${describeUrl(text)} is not a valid URL: ${problem}. Check it and give ${WHAT_A_SOURCE_IS}`);
}

