import { z } from 'zod';
import { DelimiterSchema, FingerprintSchema } from './source';

/** One batch: a byte range of the source that holds whole records, and where it sits in the file. */
export const BatchPlanSchema = z.object({
  /** 0-based batch number; activity summaries, batch workflow IDs and report files use it. */
  index: z.number().int().nonnegative(),
  /** First byte of the batch's first record. */
  startByte: z.number().int().nonnegative(),
  /** One past the last byte of the batch's last record (its line ending and any blank lines after it). */
  endByte: z.number().int().nonnegative(),
  /** 1-based data row number of the first record (the CSV header is not a data row). */
  firstRow: z.number().int().positive(),
  /** 1-based physical line where the first record starts; differs from rows when cells hold newlines. */
  firstLine: z.number().int().positive(),
  /** Data records in the range (blank lines excluded). */
  rowCount: z.number().int().nonnegative(),
});
export type BatchPlan = z.infer<typeof BatchPlanSchema>;

/** Where planning continues on the next page. */
export const PlanCursorSchema = z.object({
  byte: z.number().int().nonnegative(),
  row: z.number().int().positive(),
  line: z.number().int().positive(),
  nextBatchIndex: z.number().int().nonnegative(),
});
export type PlanCursor = z.infer<typeof PlanCursorSchema>;

/** What a whole-file inspection learns before batches are planned. Column names are not row values. */
export const SourceLayoutSchema = z.object({
  fingerprint: FingerprintSchema,
  /** CSV: the delimiter in use; NDJSON: absent. */
  delimiter: DelimiterSchema.optional(),
  /** CSV: header cells in file order. NDJSON: absent (each line names its own keys). */
  header: z.array(z.string()).optional(),
  /** Byte where the first data record starts (after a BOM and the CSV header). */
  dataStartByte: z.number().int().nonnegative(),
  /** Physical line of the first data record. */
  dataStartLine: z.number().int().positive(),
  hasBom: z.boolean(),
});
export type SourceLayout = z.infer<typeof SourceLayoutSchema>;

export const PlanPageSchema = z.object({
  batches: z.array(BatchPlanSchema),
  /** null when the source is exhausted. */
  next: PlanCursorSchema.nullable(),
});
export type PlanPage = z.infer<typeof PlanPageSchema>;
