import { z } from 'zod';
import { DelimiterSchema, SourceFormatSchema } from './source';

/**
 * What `xp-import validate` reports: the import's own validation and normalisation of every row,
 * with no API call and no Temporal. Counts, codes, positions and column names only: no row value.
 */

/** One rejected row: where it is and why. The reason names the column and the expected form, never the value. */
export const ValidationErrorSchema = z.object({
  row: z.number().int().positive(),
  line: z.number().int().positive(),
  /** Source column (CSV header cell or NDJSON key), when the problem has one. */
  column: z.string().nullable(),
  /** A RowIssueCode (email_invalid, ...) or a RecordErrorCode (ragged_row, invalid_utf8, ...). */
  code: z.string(),
  reason: z.string(),
});
export type ValidationError = z.infer<typeof ValidationErrorSchema>;

const count = z.number().int().nonnegative();

export const ValidationSummarySchema = z.object({
  source: z.string(),
  format: SourceFormatSchema,
  /** CSV: the delimiter used (given or detected). */
  delimiter: DelimiterSchema.optional(),
  /** The identity attribute; null for NDJSON where no row was valid. */
  identity: z.enum(['user_id', 'device_id']).nullable(),
  rows: z.object({
    /** Data rows (a CSV header and blank lines are not rows). total = valid + rejected + duplicates. */
    total: count,
    /** Rows that would be sent. */
    valid: count,
    rejected: count,
    /** Rows left out because a later row has the same identity (the last row wins); an import counts them as skipped. */
    duplicates: count,
  }),
  blankLines: count,
  rejectedByCode: z.record(z.string(), count),
  /** Rows sent with a warning (e.g. string_too_long), by code. */
  warningsByCode: z.record(z.string(), count),
  /** Attributes that would be sent, in request column order, and how many valid rows fill each. */
  attributes: z.array(z.object({ name: z.string(), rows: count })),
  /**
   * NDJSON: keys the mapping's "columns" names that no line holds (a misspelling makes every line
   * miss what it maps, e.g. its identity). CSV checks its mapping against the header instead.
   */
  unusedMappingKeys: z.array(z.string()).default([]),
  /** The first rejected rows, in file order. */
  firstErrors: z.array(ValidationErrorSchema),
  /** The first values sent with a warning (a row can have several), in file order: what the import's report counts. */
  firstWarnings: z.array(ValidationErrorSchema).default([]),
  /** The rejects file written (`--rejects`), or null. */
  rejectsFile: z.string().nullable(),
  durationMs: z.number().nonnegative(),
  rowsPerSecond: z.number().nonnegative(),
});
export type ValidationSummary = z.infer<typeof ValidationSummarySchema>;

/** `validate --json` when the file or the mapping cannot be validated at all (no row was judged). */
export const ValidationFailureSchema = z.object({
  source: z.string(),
  error: z.object({
    /** SourceFormatError codes (empty, not_utf8, header_duplicate_name, ...), `mapping`, `unreadable`, `usage`, `rejects_file` or `changed`. */
    code: z.string(),
    message: z.string(),
  }),
});
export type ValidationFailure = z.infer<typeof ValidationFailureSchema>;
