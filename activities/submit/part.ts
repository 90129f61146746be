import type { Cell } from '../rows';

/**
 * Rows that fill the same attributes: one or more requests. Blank cells are never sent.
 *
 * The cells are kept as the JSON text the API receives, one fragment per row, rather than as
 * arrays of values: a batch of 10,000 rows is then about 1 MB instead of about 5 MB of objects,
 * it crosses from a build thread as one string instead of 70,000, and a request is that text
 * with the columns around it. Only a request the API rejects, split to find the rows at fault,
 * reads single rows back.
 */
export interface Part {
  attributes: string[];
  /** Data row number of each row, in file order. */
  rows: number[];
  /** Physical line each row starts on. */
  lines: number[];
  /** The rows' cell arrays as JSON, joined by commas (without the enclosing brackets). */
  cellsJson: string;
  /** Where each row's fragment starts in cellsJson; one more entry, cellsJson.length + 1, closes the last. */
  offsets: number[];
}

/** Collects a part's rows in order. */
export class PartBuilder {
  private readonly rows: number[] = [];
  private readonly lines: number[] = [];
  private readonly fragments: string[] = [];
  private readonly offsets: number[] = [];
  private length = 0;

  constructor(readonly attributes: string[]) {}

  add(row: number, line: number, cells: Cell[]): void {
    const fragment = JSON.stringify(cells);
    this.rows.push(row);
    this.lines.push(line);
    this.offsets.push(this.length);
    this.fragments.push(fragment);
    this.length += fragment.length + 1;
  }

  finish(): Part {
    return { attributes: this.attributes, rows: this.rows, lines: this.lines, cellsJson: this.fragments.join(','), offsets: [...this.offsets, this.length] };
  }
}

/** The JSON array of rows [start, end) of the part: the `rows` of one request. */
export function rowsJson(part: Part, start: number, end: number): string {
  if (start >= end) return '[]';
  return `[${part.cellsJson.slice(part.offsets[start], (part.offsets[end] as number) - 1)}]`;
}

/** One row read back: for the rejects file when the API refuses it alone. */
export function partRow(part: Part, index: number): { row: number; line: number; cells: Cell[] } {
  const [cells] = JSON.parse(rowsJson(part, index, index + 1)) as [Cell[]];
  return { row: part.rows[index] as number, line: part.lines[index] as number, cells };
}
