import { appendFile, open } from 'node:fs/promises';
import path from 'node:path';
import { isRejectColumn, REJECT_COLUMNS } from '../../common/report';
import type { SourceLayout } from '../../common/plan';
import type { SourceFormat } from '../../common/source';
import { csvLine } from './csvWrite';
import { keepLaterRowWarning } from './laterRow';
import { makePrivateFolder, PRIVATE_FILE_MODE, readTextIfPresent, removeIfPresent, writeWhole } from '../wholeFiles';

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

/** How a rejects file is written: its first line, then one line per rejected row. */
export interface RejectsFileLines {
  /** For CSV the four xp_import_* columns, then the source's header; NDJSON has none. */
  readonly header: string;
  /** One rejected row as the rejects file has it: where and why, then the row's own values. */
  line(row: RejectedRow): string;
}

/**
 * What of the source a rejects file follows: its header, and a CSV file's delimiter and byte order
 * mark, so that the rejects file opens where the source did (a semicolon file in the Excel of a
 * locale that writes them) and is imported again as the source was. Absent fields: a comma, no mark.
 */
export type RejectsFileDialect = Partial<Pick<SourceLayout, 'header' | 'delimiter' | 'hasBom'>>;

/**
 * The lines of a rejects file, so the file can be fixed and imported again. A source that is
 * itself a rejects file already has xp_import_* columns (or keys): the new ones replace them, in
 * the header and in every row, so the file keeps one of each and its rejects file can be imported
 * in turn, however many times the loop goes round (a warning of a later row goes on with the
 * row). A record that could not be split or parsed (`raw`) is kept whole, as it was.
 */
export function rejectsFileLines(format: SourceFormat, dialect: RejectsFileDialect = {}): RejectsFileLines {
  const [rowKey, lineKey, columnKey, reasonKey] = REJECT_COLUMNS;
  if (format === 'csv') {
    const source = dialect.header ?? [];
    const delimiter = dialect.delimiter ?? ',';
    const stale = new Set<number>();
    source.forEach((name, index) => {
      if (isRejectColumn(name)) stale.add(index);
    });
    const own = (cells: readonly string[]) => (stale.size === 0 ? cells : cells.filter((_, index) => !stale.has(index)));
    const reasonAt = source.indexOf(reasonKey);
    // Only a rejects file has a reason before: a source without the column says nothing of the kind.
    const reasonBefore = (row: RejectedRow) => (reasonAt < 0 ? undefined : row.cells ? row.cells[reasonAt] : row.raw);
    return {
      header: `${dialect.hasBom ? '\uFEFF' : ''}${csvLine([...REJECT_COLUMNS, ...own(source)], delimiter)}`,
      line: (row) =>
        csvLine([row.row, row.line, row.column ?? '', keepLaterRowWarning(row.reason, reasonBefore(row)), ...(row.cells ? own(row.cells) : row.raw === undefined ? [] : [row.raw])], delimiter),
    };
  }
  const reasonBefore = (row: RejectedRow) => {
    const before = row.value?.[reasonKey];
    if (typeof before === 'string') return before;
    return row.raw?.includes(`"${reasonKey}"`) ? row.raw : undefined;
  };
  return {
    header: '',
    line: (row) => {
      const original = row.value ? withoutRejectKeys(row.value) : row.raw === undefined ? {} : { raw: row.raw };
      return `${JSON.stringify({ [rowKey]: row.row, [lineKey]: row.line, [columnKey]: row.column, [reasonKey]: keepLaterRowWarning(row.reason, reasonBefore(row)), ...original })}\n`;
    },
  };
}

/** The object without the xp_import_* keys an earlier rejects file gave it, its other keys in order. */
function withoutRejectKeys(value: Record<string, unknown>): Record<string, unknown> {
  if (!Object.keys(value).some(isRejectColumn)) return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => !isRejectColumn(key)));
}

function toLines(rows: RejectedRow[]): string {
  return rows.map((r) => `${JSON.stringify(r)}\n`).join('');
}

/**
 * Rewrites a part whole: validation rejects are deterministic, so every attempt writes the same.
 * No rows, no part: every reader takes a missing part for an empty one, and most batches reject
 * nothing, so each was writing a file before its first POST and the report reading it back (a
 * 10,000-batch import: 10,000 empty files).
 */
export async function writeRejectPart(file: string, rows: RejectedRow[]): Promise<void> {
  if (rows.length > 0) await writeWhole(file, toLines(rows));
  else await removeIfPresent(file);
}

export async function appendRejectPart(file: string, rows: RejectedRow[]): Promise<void> {
  if (rows.length === 0) return;
  await makePrivateFolder(path.dirname(file));
  await dropTornLine(file);
  await appendFile(file, toLines(rows), { mode: PRIVATE_FILE_MODE });
}

/**
 * Every line of a part ends with a newline once written: a last line without one was cut short
 * (a full disk, a crash mid-append) and is not read. Its row is appended again by the attempt that
 * sends its request again.
 */
export async function readRejectPart(file: string): Promise<RejectedRow[]> {
  const text = await readTextIfPresent(file);
  if (text === undefined) return [];
  const lines = text.split('\n');
  lines.pop();
  const rows: RejectedRow[] = [];
  for (const [index, line] of lines.entries()) {
    if (line.length === 0) continue;
    try {
      rows.push(JSON.parse(line) as RejectedRow);
    } catch {
      throw new RejectPartError(file, index + 1);
    }
  }
  return rows;
}

/**
 * A line of a reject part that is not one written whole: the file was edited, or two writers
 * appended at once (a report folder on a file system whose appends are not atomic). Its message
 * names the line and never quotes it (JSON.parse's would, with the row's cells); tried again, so
 * that the line can be mended or removed while the import waits.
 */
export class RejectPartError extends Error {
  override name = 'RejectPartError';
  constructor(
    readonly file: string,
    readonly line: number,
  ) {
    super(`line ${line} of ${file} is not a rejected row as the worker writes them (was the file edited, or written by two workers at once?): mend or remove that line; the step is tried again`);
  }
}

/** Cuts a line an append left without its newline, so that the next line does not run on from it. */
async function dropTornLine(file: string): Promise<void> {
  let handle;
  try {
    handle = await open(file, 'r+');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  try {
    const block = Buffer.alloc(64 * 1024);
    let end = (await handle.stat()).size;
    for (let lastByte = true; end > 0; lastByte = false) {
      const start = Math.max(0, end - block.length);
      const { bytesRead } = await handle.read(block, 0, end - start, start);
      const newline = block.subarray(0, bytesRead).lastIndexOf(0x0a);
      if (newline === bytesRead - 1 && lastByte) return;
      if (newline >= 0) {
        await handle.truncate(start + newline + 1);
        return;
      }
      end = start;
    }
    await handle.truncate(0);
  } finally {
    await handle.close();
  }
}
