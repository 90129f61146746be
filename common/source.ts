import { z } from 'zod';

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

/** Turns the source argument of the CLI into a reference: URLs stay URLs, anything else is a path. */
export function sourceRefFromArgument(argument: string): SourceRef {
  return /^https?:\/\//i.test(argument) ? { kind: 'url', url: argument } : { kind: 'file', path: argument };
}

