import type { Cell } from '../rows';
import type { RowsJson } from '../xtremepush/client';

/**
 * Rows that fill the same attributes: one or more requests. Blank cells are never sent.
 *
 * The cells are kept as the JSON the API receives, already UTF-8, one fragment per row, rather than
 * as arrays of values: a batch of 10,000 rows is then about 1 MB instead of about 5 MB of objects,
 * it crosses from a build thread as one buffer (moved, not copied) instead of 70,000 strings, and a
 * request is those bytes with the columns around them. The main thread, which answers Temporal,
 * then never encodes a request: turning a 1 MB string into bytes held it for 4 to 8 ms a post.
 * Only a request the API rejects, split to find the rows at fault, reads single rows back.
 */
export interface Part {
  attributes: string[];
  /** Data row number of each row, in file order. */
  rows: number[];
  /** Physical line each row starts on. */
  lines: number[];
  /** The rows' cell arrays as UTF-8 JSON, joined by commas (without the enclosing brackets); owns its ArrayBuffer. */
  cellsJson: Uint8Array;
  /** The byte where each row's fragment starts in cellsJson; one more entry, cellsJson.length + 1, closes the last. */
  offsets: number[];
}

/** Collects a part's rows in order. */
export class PartBuilder {
  private rows: number[] = [];
  private lines: number[] = [];
  /** One per row; undefined once the row has been removed. */
  private fragments: Array<string | undefined> = [];
  private removed = 0;

  /** `number` tells builders of one batch apart (see BatchParts). */
  constructor(
    readonly attributes: string[],
    readonly number = 0,
  ) {}

  /** Adds a row; returns its index, for remove. */
  add(row: number, line: number, cells: Cell[]): number {
    this.rows.push(row);
    this.lines.push(line);
    return this.fragments.push(JSON.stringify(cells)) - 1;
  }

  /** Leaves out a row added earlier (a later row of the batch replaced it). */
  remove(index: number): void {
    if (this.fragments[index] === undefined) return;
    this.fragments[index] = undefined;
    this.removed++;
  }

  finish(): Part {
    if (this.removed > 0) this.dropRemoved();
    const fragments = this.fragments as string[];
    const offsets = new Array<number>(fragments.length + 1);
    let length = 0;
    for (let i = 0; i < fragments.length; i++) {
      offsets[i] = length;
      length += Buffer.byteLength(fragments[i] as string) + 1;
    }
    offsets[fragments.length] = length;
    // TextEncoder gives the bytes a buffer of their own, which a build thread can hand over whole.
    return { attributes: this.attributes, rows: this.rows, lines: this.lines, cellsJson: ENCODER.encode(fragments.join(',')), offsets };
  }

  private dropRemoved(): void {
    const kept = this.fragments.flatMap((fragment, i) => (fragment === undefined ? [] : [i]));
    this.rows = kept.map((i) => this.rows[i] as number);
    this.lines = kept.map((i) => this.lines[i] as number);
    this.fragments = kept.map((i) => this.fragments[i]);
    this.removed = 0;
  }
}

const ENCODER = new TextEncoder();
const OPEN = Buffer.from('[');
const CLOSE = Buffer.from(']');

/** The JSON array of rows [start, end) of the part: the `rows` of one request, in pieces that are not copied. */
export function rowsJson(part: Part, start: number, end: number): RowsJson {
  if (start >= end) return { chunks: [OPEN, CLOSE] };
  return { chunks: [OPEN, part.cellsJson.subarray(part.offsets[start], (part.offsets[end] as number) - 1), CLOSE] };
}

/** The parts' buffers, which a build thread hands over rather than copies (each owns its ArrayBuffer). */
export function partBuffers(parts: Part[]): ArrayBuffer[] {
  return parts.flatMap(({ cellsJson }) => (cellsJson.byteLength === cellsJson.buffer.byteLength ? [cellsJson.buffer as ArrayBuffer] : []));
}

/** One row read back: for the rejects file when the API refuses it alone. */
export function partRow(part: Part, index: number): { row: number; line: number; cells: Cell[] } {
  const [cells] = JSON.parse(rowsText(rowsJson(part, index, index + 1))) as [Cell[]];
  return { row: part.rows[index] as number, line: part.lines[index] as number, cells };
}

/** The text of rows given as JSON pieces. */
export function rowsText(rows: RowsJson): string {
  return Buffer.concat(rows.chunks).toString('utf8');
}
