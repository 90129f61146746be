/** A CSV record as the source reader yields it: cells in header order. */
export interface CsvRecord {
  /** 1-based data row number (the header is not a data row). */
  row: number;
  /** 1-based physical line where the record starts. */
  line: number;
  byteOffset: number;
  cells: string[];
}

/** An NDJSON record: one parsed object per line. */
export interface JsonRecord {
  row: number;
  line: number;
  byteOffset: number;
  value: Record<string, unknown>;
}

export type MappableRecord = CsvRecord | JsonRecord;

/** A value as sent in `import/profile` rows. */
export type Cell = string | number | boolean;

/** Every reason a row is rejected or warned about; docs/mapping.md describes each one. */
export const ROW_ISSUE_CODES = [
  'ragged_row',
  'identity_missing',
  'identity_invalid',
  'attribute_name_invalid',
  'attribute_conflict',
  'email_invalid',
  'email_subscription_missing',
  'sms_subscription_missing',
  'subscription_invalid',
  'mobile_number_invalid',
  'mobile_number_needs_country',
  'timezone_invalid',
  'language_invalid',
  'date_invalid',
  'json_invalid',
  'number_invalid',
  'number_ambiguous',
  'boolean_invalid',
  'string_too_long',
] as const;
export type RowIssueCode = (typeof ROW_ISSUE_CODES)[number];

/**
 * Why a row was rejected (or warned about). `reason` names the column and the expected form and
 * never the cell value: reasons end up in logs, reports and Temporal, row values must not.
 */
export interface RowIssue {
  code: RowIssueCode;
  /** Source column name (CSV header cell or NDJSON key). */
  column?: string;
  reason: string;
}

export type RowOutcome =
  | {
      ok: true;
      /** `<identity attribute>:<value>`, e.g. `user_id:abc`: the key for "last row wins". */
      identity: string;
      /** Only the attributes this row sends: blank cells with policy `leave` are absent. */
      values: Map<string, Cell>;
      warnings: RowIssue[];
    }
  | { ok: false; issue: RowIssue };

export interface RowMapper {
  /**
   * Attribute names that may be sent, identity first, in a stable order: build request columns as
   * `attributes.filter((a) => values.has(a))` (the order of `values` itself carries no meaning).
   * CSV: fixed by the header. NDJSON: grows as accepted rows bring new attributes.
   */
  readonly attributes: string[];
  /** CSV: fixed by the header. NDJSON: null until a row has been accepted, then the first row's. */
  readonly identityAttribute: 'user_id' | 'device_id' | null;
  map(record: MappableRecord): RowOutcome;
}
