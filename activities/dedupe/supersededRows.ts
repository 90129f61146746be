import { open, type FileHandle } from 'node:fs/promises';

/** The superseded-rows file of an import cannot be read: a batch cannot tell which rows to leave out. */
export class SupersededRowsError extends Error {
  override readonly name = 'SupersededRowsError';
  /** A shared folder that is not mounted yet may come back: let the activity retry. */
  readonly retryable = true;

  constructor(
    readonly file: string,
    detail: string,
    /** The file is not there (ENOENT), as opposed to there and unreadable. */
    readonly missing = false,
  ) {
    super(`the superseded-rows file ${file} ${detail}; it is written by the import's inspection into XP_IMPORT_REPORT_DIR, which every worker must share`);
  }
}

/** Where the superseded unreadable rows are written beside the superseded rows' file: `x.bin` → `x-unreadable.bin`. */
export function unreadableSupersededFileFor(supersededFile: string): string {
  return besideSuperseded(supersededFile, 'unreadable');
}

/** Where the superseding rows are written beside the superseded rows' file: `x.bin` → `x-by.bin`. */
export function supersedingFileFor(supersededFile: string): string {
  return besideSuperseded(supersededFile, 'by');
}

function besideSuperseded(supersededFile: string, kind: string): string {
  return supersededFile.replace(/(\.bin)?$/, `-${kind}.bin`);
}

/**
 * The rows in [firstRow, lastRow] of a file the inspection writes beside superseded.bin (the
 * unreadable superseded rows, the superseding rows). Imports inspected before such a file was
 * written have none.
 */
export async function markedRowsIn(file: string, firstRow: number, lastRow: number): Promise<Uint32Array> {
  try {
    return await supersededRowsIn(file, firstRow, lastRow);
  } catch (error) {
    // Only a file that is not there means "none"; one that cannot be read fails as the other does.
    if (error instanceof SupersededRowsError && error.missing) return new Uint32Array(0);
    throw error;
  }
}

/** Answers "is this row in the list?" for rows asked in increasing order, from a list in increasing order. */
export class AscendingRows {
  private next = 0;

  constructor(private readonly rows: ArrayLike<number> = []) {}

  has(row: number): boolean {
    while (this.next < this.rows.length && (this.rows[this.next] as number) < row) this.next++;
    return this.rows[this.next] === row;
  }
}

/**
 * The superseded rows in [firstRow, lastRow], ascending, from a file of sorted uint32 LE row
 * numbers. Two binary searches of 4-byte reads find the range, then only the range is read: a
 * batch costs O(log n + its own rows) whatever the file size.
 */
export async function supersededRowsIn(file: string, firstRow: number, lastRow: number): Promise<Uint32Array> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SupersededRowsError(file, code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? 'error'})`, code === 'ENOENT');
  }
  try {
    const { size } = await handle.stat();
    if (size % 4 !== 0) throw new SupersededRowsError(file, `has ${size} bytes, not a whole number of rows`);
    const count = size / 4;
    const word = Buffer.alloc(4);
    const rowAt = async (index: number): Promise<number> => {
      await handle.read(word, 0, 4, index * 4);
      return word.readUInt32LE(0);
    };
    /** The first index whose row is >= row. */
    const lowerBound = async (row: number): Promise<number> => {
      let low = 0;
      let high = count;
      while (low < high) {
        const middle = (low + high) >>> 1;
        if ((await rowAt(middle)) < row) low = middle + 1;
        else high = middle;
      }
      return low;
    };
    const from = await lowerBound(firstRow);
    const to = lastRow >= 0xffffffff ? count : await lowerBound(lastRow + 1);
    const bytes = Buffer.alloc((to - from) * 4);
    if (bytes.length > 0) await handle.read(bytes, 0, bytes.length, from * 4);
    const rows = new Uint32Array(to - from);
    for (let i = 0; i < rows.length; i++) rows[i] = bytes.readUInt32LE(i * 4);
    return rows;
  } finally {
    await handle.close();
  }
}
