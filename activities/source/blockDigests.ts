import { createHash, type Hash } from 'node:crypto';
import { openIfPresent, writeWhole } from '../wholeFiles';

/**
 * Digests of a source's fixed-size blocks, taken by the inspection and checked by every batch
 * against the bytes it reads. Size and modification time miss a file rewritten in place with its
 * old time put back (`touch -d`, `cp -p`); a batch whose bytes differ from what the inspection read
 * (and so from what the identity index and the plan were made of) stops instead of sending them.
 *
 * Small blocks keep a batch's extra reading small: it reads its own range widened to whole blocks,
 * at most two blocks more.
 */
export const DIGEST_BLOCK_BYTES = 64 * 1024;
/** The first 8 bytes of a block's SHA-256: a changed block passes with probability 2⁻⁶⁴. */
export const DIGEST_BYTES = 8;

/** Digests of consecutive blocks of a stream fed in chunks of any size. */
export class BlockDigester {
  private hash: Hash = createHash('sha256');
  private inBlock = 0;
  private digests = Buffer.alloc(DIGEST_BYTES * 1024);
  private count = 0;

  constructor(private readonly blockBytes = DIGEST_BLOCK_BYTES) {}

  feed(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      const take = Math.min(this.blockBytes - this.inBlock, chunk.length - at);
      this.hash.update(chunk.subarray(at, at + take));
      this.inBlock += take;
      at += take;
      if (this.inBlock === this.blockBytes) this.endBlock();
    }
  }

  /** The digests of the blocks completed so far. */
  peek(): Buffer {
    return this.digests.subarray(0, this.count * DIGEST_BYTES);
  }

  /** The digests, the last (short) block's included. */
  finish(): Buffer {
    if (this.inBlock > 0) this.endBlock();
    return this.peek();
  }

  private endBlock(): void {
    if ((this.count + 1) * DIGEST_BYTES > this.digests.length) {
      const bigger = Buffer.alloc(this.digests.length * 2);
      this.digests.copy(bigger);
      this.digests = bigger;
    }
    this.hash.digest().copy(this.digests, this.count * DIGEST_BYTES, 0, DIGEST_BYTES);
    this.count++;
    this.hash = createHash('sha256');
    this.inBlock = 0;
  }
}

/** The digests of blocks [firstBlock, firstBlock + count) of a source, and the block size they were taken with. */
export interface BlockDigestSlice {
  blockBytes: number;
  firstBlock: number;
  digests: Buffer;
}

/** The blocks a byte range touches: [first, first + count). */
export function blocksOf(startByte: number, endByte: number, blockBytes = DIGEST_BLOCK_BYTES): { first: number; count: number } {
  const first = Math.floor(startByte / blockBytes);
  return { first, count: Math.max(0, Math.ceil(endByte / blockBytes) - first) };
}

/** Writes the digests whole or not at all: a reader never sees half a file. */
export async function writeBlockDigests(file: string, digests: Buffer): Promise<void> {
  await writeWhole(file, digests);
}

/**
 * The digests of the blocks [startByte, endByte) touches; undefined when the file does not exist
 * (an import inspected before digests were taken). A file too short for the range is an error:
 * it belongs to another version of the source.
 */
export async function readBlockDigests(file: string, startByte: number, endByte: number): Promise<BlockDigestSlice | undefined> {
  const { first, count } = blocksOf(startByte, endByte);
  const handle = await openIfPresent(file);
  if (handle === undefined) return undefined;
  try {
    const digests = Buffer.alloc(count * DIGEST_BYTES);
    const { bytesRead } = await handle.read(digests, 0, digests.length, first * DIGEST_BYTES);
    if (bytesRead !== digests.length) throw new Error(`${file} does not cover bytes ${startByte}-${endByte} of the source: it was written for another version of it`);
    return { blockBytes: DIGEST_BLOCK_BYTES, firstBlock: first, digests };
  } finally {
    await handle.close();
  }
}

/** The same blocks with the same digests. */
export function sameBlocks(a: BlockDigestSlice, b: BlockDigestSlice): boolean {
  return a.blockBytes === b.blockBytes && a.firstBlock === b.firstBlock && Buffer.compare(a.digests, b.digests) === 0;
}

/** How a batch's read widens to whole blocks and what it does with them: check them, or take their digests. */
export interface BlockReading {
  readonly startByte: number;
  endByte(sourceSize: number): number;
  feed(chunk: Buffer): void;
  finish(): void;
}

/**
 * A read of blocks [firstBlock, firstBlock + blockCount), fed from the first block's start, with the
 * digests of what it read. One widening for checks and records alike: a batch built early and
 * compared later must have read exactly the blocks a checked read would.
 */
abstract class WholeBlocksRead implements BlockReading {
  protected readonly digester: BlockDigester;

  constructor(
    protected readonly firstBlock: number,
    private readonly blockCount: number,
    protected readonly blockBytes: number,
  ) {
    this.digester = new BlockDigester(blockBytes);
  }

  /** Where reading must start: the first block's first byte. */
  get startByte(): number {
    return this.firstBlock * this.blockBytes;
  }

  /** Where reading must end: the last block's end, or the source's. */
  endByte(sourceSize: number): number {
    return Math.min(sourceSize, (this.firstBlock + this.blockCount) * this.blockBytes);
  }

  abstract feed(chunk: Buffer): void;
  abstract finish(): void;
}

/**
 * Takes the digests of the blocks a byte range touches, from a read widened to them, for a batch
 * built before the inspection has written its own: they are compared once it has (`sameBlocks`).
 */
export class BlockRecorder extends WholeBlocksRead {
  private taken: Buffer | undefined;

  constructor(startByte: number, endByte: number, blockBytes = DIGEST_BLOCK_BYTES) {
    const { first, count } = blocksOf(startByte, endByte, blockBytes);
    super(first, count, blockBytes);
  }

  feed(chunk: Buffer): void {
    this.digester.feed(chunk);
  }

  finish(): void {
    this.taken = Buffer.from(this.digester.finish());
  }

  /** The digests read, once `finish` has been called. */
  slice(): BlockDigestSlice {
    if (this.taken === undefined) throw new Error('BlockRecorder.slice() before finish()');
    return { blockBytes: this.blockBytes, firstBlock: this.firstBlock, digests: this.taken };
  }
}

/**
 * Checks a stream of the blocks of a slice, fed from the first block's start in chunks of any
 * size; `mismatch` names the first block whose bytes differ. The caller feeds up to the source's
 * end or the last block's end, whichever comes first, and then calls `finish`.
 */
export class BlockChecker extends WholeBlocksRead {
  private checked = 0;

  constructor(
    private readonly slice: BlockDigestSlice,
    /** The error for a block whose bytes differ, given the block's first byte. */
    private readonly mismatch: (blockStartByte: number) => Error,
  ) {
    super(slice.firstBlock, slice.digests.length / DIGEST_BYTES, slice.blockBytes);
  }

  feed(chunk: Buffer): void {
    this.digester.feed(chunk);
    this.compare(false);
  }

  finish(): void {
    this.compare(true);
  }

  private blockStart(): number {
    return (this.firstBlock + this.checked) * this.blockBytes;
  }

  private compare(final: boolean): void {
    const seen = final ? this.digester.finish() : this.digester.peek();
    for (; this.checked * DIGEST_BYTES < seen.length; this.checked++) {
      const at = this.checked * DIGEST_BYTES;
      if (!seen.subarray(at, at + DIGEST_BYTES).equals(this.slice.digests.subarray(at, at + DIGEST_BYTES))) throw this.mismatch(this.blockStart());
    }
    // Fewer blocks than digests: the source ended early (its size is checked apart; this is the backstop).
    if (final && this.checked * DIGEST_BYTES !== this.slice.digests.length) throw this.mismatch(this.blockStart());
  }
}
