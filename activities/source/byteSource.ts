import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

export interface SourceStat {
  size: number;
  /** Changes whenever the content may have changed: mtimeMs for files, ETag or Last-Modified for URLs. */
  version: string;
}

/**
 * Random access to the bytes of a source. Kept this small so that an HTTP Range implementation
 * fits beside the local one: every pass asks for one byte range and streams it.
 */
export interface ByteSource {
  /** For messages: a path, or a URL without its query string (which may hold a token). */
  describe(): string;
  stat(): Promise<SourceStat>;
  /** Streams bytes [start, endExclusive), or to the end of the source when endExclusive is omitted. */
  stream(start: number, endExclusive?: number): AsyncIterable<Buffer>;
}

/** Large reads keep the per-chunk overhead of the scanners negligible; memory stays one chunk. */
export const DEFAULT_CHUNK_BYTES = 1024 * 1024;

export class LocalFileSource implements ByteSource {
  private readonly chunkBytes: number;

  /** `chunkBytes` exists for tests that push records across chunk boundaries; callers keep the default. */
  constructor(
    readonly path: string,
    options: { chunkBytes?: number } = {},
  ) {
    this.chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  }

  describe(): string {
    return this.path;
  }

  /**
   * Every stat and read goes through a descriptor opened here, never by name again: a subclass that
   * checks what it opened (ConfinedFileSource) then checks exactly what is read.
   */
  protected open(): Promise<FileHandle> {
    return open(this.path, 'r');
  }

  async stat(): Promise<SourceStat> {
    const handle = await this.open();
    try {
      const info = await handle.stat();
      return { size: info.size, version: String(info.mtimeMs) };
    } finally {
      await handle.close();
    }
  }

  async *stream(start: number, endExclusive?: number): AsyncIterable<Buffer> {
    if (endExclusive !== undefined && endExclusive <= start) return;
    // createReadStream's `end` is inclusive; the stream closes the handle when it ends or is dropped.
    const end = endExclusive === undefined ? undefined : endExclusive - 1;
    const input = createReadStream(this.path, { fd: await this.open(), start, end, highWaterMark: this.chunkBytes });
    for await (const chunk of input) yield chunk as Buffer;
  }
}
