import { mergeRuns } from './mergeRuns';
import { RunWriter } from './runFiles';

export interface RowSorterOptions {
  /** Holds the rows before they are sorted; its length is how many fit in memory. */
  buffer: Uint32Array;
  fanIn: number;
  newRunFile: () => string;
  onProgress?: () => void;
}

/**
 * Sorts row numbers (uint32; one added twice is written once) in bounded memory: a full buffer is sorted and
 * spilled as a run, and the runs are merged at the end. The output is packed uint32 LE.
 */
export class RowSorter {
  private readonly buffer: Uint32Array;
  private used = 0;
  private readonly runs: string[] = [];
  private total = 0;

  constructor(private readonly options: RowSorterOptions) {
    this.buffer = options.buffer;
  }

  get count(): number {
    return this.total;
  }

  add(row: number): void {
    if (this.used === this.buffer.length) this.spill();
    this.buffer[this.used++] = row;
    this.total++;
  }

  /** Writes every row added, ascending, to `file`; returns how many. */
  async writeSorted(file: string): Promise<number> {
    const out = new RunWriter(file, 1, true);
    try {
      if (this.runs.length === 0) {
        writeRows(out, this.buffer.subarray(0, this.used).sort());
      } else {
        if (this.used > 0) this.spill();
        let last = -1;
        await mergeRuns(this.runs, { width: 1, fanIn: this.options.fanIn, newRunFile: this.options.newRunFile, onProgress: this.options.onProgress }, (words, at) => {
          const row = words[at] as number;
          if (row !== last) out.pushWord(row);
          last = row;
        });
      }
    } finally {
      out.close();
    }
    return out.count;
  }

  private spill(): void {
    const run = new RunWriter(this.options.newRunFile(), 1);
    try {
      writeRows(run, this.buffer.subarray(0, this.used).sort());
    } finally {
      run.close();
    }
    this.runs.push(run.file);
    this.used = 0;
  }
}

/** Sorts `rows` in place and writes them to `file` as packed uint32 LE. */
export function writeSortedRows(file: string, rows: Uint32Array): void {
  const out = new RunWriter(file, 1, true);
  try {
    writeRows(out, rows.sort());
  } finally {
    out.close();
  }
}

/** Writes sorted rows, each once. */
function writeRows(out: RunWriter, rows: Uint32Array): void {
  for (let i = 0; i < rows.length; i++) if (i === 0 || rows[i] !== rows[i - 1]) out.pushWord(rows[i] as number);
}
