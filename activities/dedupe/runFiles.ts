import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { endianness } from 'node:os';
import { PRIVATE_FILE_MODE } from '../wholeFiles';

/*
 * Sorted runs on disk: records of `width` uint32 words, written and read in blocks so that a
 * merge of many runs holds one block per run. Synchronous I/O on purpose: a block is a few
 * hundred KiB from a local temp folder, and the callers yield to the event loop between blocks.
 */

/** Bytes of one block; a merge holds one per run plus one for its output. */
export const BLOCK_BYTES = 128 * 1024;

const NATIVE_IS_LE = endianness() === 'LE';

/** Writes records of `width` words to a file, a block at a time. */
export class RunWriter {
  readonly records: number;
  private readonly fd: number;
  private readonly block: Uint32Array;
  private used = 0;
  private written = 0;

  /**
   * `littleEndian`: files other processes read (the superseded rows) are uint32 LE whatever the
   * machine; temporary runs are read back by the same machine, in its own byte order.
   */
  constructor(
    readonly file: string,
    private readonly width: number,
    private readonly littleEndian = false,
  ) {
    this.fd = openSync(file, 'w', PRIVATE_FILE_MODE);
    this.records = Math.max(1, Math.floor(BLOCK_BYTES / (4 * width)));
    this.block = new Uint32Array(this.records * width);
  }

  /** Records written so far. */
  get count(): number {
    return this.written;
  }

  /** Appends the record src[at, at + width). */
  push(src: Uint32Array, at: number): void {
    const width = this.width;
    const block = this.block;
    const base = this.used * width;
    for (let w = 0; w < width; w++) block[base + w] = src[at + w] as number;
    this.written++;
    if (++this.used === this.records) this.flush();
  }

  /** Appends the single-word record `value` (width 1 only). */
  pushWord(value: number): void {
    this.block[this.used] = value;
    this.written++;
    if (++this.used === this.records) this.flush();
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }

  private flush(): void {
    if (this.used === 0) return;
    const bytes = Buffer.from(this.block.buffer, this.block.byteOffset, this.used * this.width * 4);
    // Buffer.from(buffer) copies, so the swap leaves the block as it is.
    const out = this.littleEndian && !NATIVE_IS_LE ? Buffer.from(bytes).swap32() : bytes;
    for (let done = 0; done < out.length; ) done += writeSync(this.fd, out, done, out.length - done);
    this.used = 0;
  }
}

/** Reads a run's records back in order, one block at a time. */
export class RunReader {
  /** The block; the current record is words [position, position + width). */
  readonly block: Uint32Array;
  position = 0;
  private end = 0;
  private readonly fd: number;
  private done = false;

  constructor(
    readonly file: string,
    private readonly width: number,
  ) {
    this.fd = openSync(file, 'r');
    this.block = new Uint32Array(Math.max(1, Math.floor(BLOCK_BYTES / (4 * width))) * width);
    this.refill();
  }

  /** False once every record has been consumed. */
  get hasRecord(): boolean {
    return this.position < this.end;
  }

  /** Moves to the next record, reading the next block when needed. */
  advance(): void {
    this.position += this.width;
    if (this.position >= this.end && !this.done) this.refill();
  }

  close(): void {
    closeSync(this.fd);
  }

  private refill(): void {
    const bytes = Buffer.from(this.block.buffer, this.block.byteOffset, this.block.byteLength);
    let filled = 0;
    while (filled < bytes.length) {
      const n = readSync(this.fd, bytes, filled, bytes.length - filled, null);
      if (n === 0) {
        this.done = true;
        break;
      }
      filled += n;
    }
    if (filled % (4 * this.width) !== 0) throw new Error(`${this.file}: a run ends inside a record`);
    this.position = 0;
    this.end = filled / 4;
  }
}
