import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { REJECT_COLUMNS } from '../../common/report';
import type { SourceFormat } from '../../common/source';
import { csvLine } from './csvWrite';

/**
 * One rejected row as kept in a batch's part file: where it is, why, and its original values.
 * Part files live only in the operator's report folder; they never travel through Temporal.
 */
export interface RejectedRow {
  row: number;
  line: number;
  column: string | null;
  reason: string;
  /** CSV: the record's cells. */
  cells?: string[];
  /** NDJSON: the record's object. */
  value?: Record<string, unknown>;
  /** A record that could not be parsed: its text, decoded leniently. */
  raw?: string;
}

/**
 * The rejects file's first line: for CSV the four xp_import_* columns, then the source's header,
 * so the file can be fixed and imported again; NDJSON has none.
 */
export function rejectsFileHeader(format: SourceFormat, header: readonly string[] | undefined): string {
  return format === 'csv' ? csvLine([...REJECT_COLUMNS, ...(header ?? [])]) : '';
}

/** One rejected row as the rejects file has it: where and why, then the row's own values. */
export function rejectsFileLine(format: SourceFormat, row: RejectedRow): string {
  if (format === 'csv') return csvLine([row.row, row.line, row.column ?? '', row.reason, ...(row.cells ?? (row.raw === undefined ? [] : [row.raw]))]);
  const [rowKey, lineKey, columnKey, reasonKey] = REJECT_COLUMNS;
  const original = row.value ?? (row.raw === undefined ? {} : { raw: row.raw });
  return `${JSON.stringify({ [rowKey]: row.row, [lineKey]: row.line, [columnKey]: row.column, [reasonKey]: row.reason, ...original })}\n`;
}

function toLines(rows: RejectedRow[]): string {
  return rows.map((r) => `${JSON.stringify(r)}\n`).join('');
}

/** Rewrites a part whole: validation rejects are deterministic, so every attempt writes the same. */
export async function writeRejectPart(file: string, rows: RejectedRow[]): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, toLines(rows));
}

export async function appendRejectPart(file: string, rows: RejectedRow[]): Promise<void> {
  if (rows.length === 0) return;
  await mkdir(path.dirname(file), { recursive: true });
  await appendFile(file, toLines(rows));
}

export async function readRejectPart(file: string): Promise<RejectedRow[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as RejectedRow);
}
