import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

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
