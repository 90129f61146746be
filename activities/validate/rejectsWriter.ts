import { createWriteStream, fchmodSync, fstatSync, statSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import type { SourceFormat } from '../../common/source';
import { rejectsFileLines, type RejectedRow, type RejectsFileDialect, type RejectsFileLines } from '../reports/rejectParts';
import { PRIVATE_FILE_MODE } from '../wholeFiles';

/** `validate --rejects FILE` cannot write FILE: the message names it and why (not the source). */
export class RejectsFileError extends Error {
  override readonly name = 'RejectsFileError';

  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`cannot write the rejects file ${file}: ${detail}`);
  }
}

/**
 * Checks, before the file is read, what would stop the rejects file being written after it: a
 * folder that does not exist, a path that is a folder, and the source itself (opening it for
 * writing would empty the file being validated).
 */
export function checkRejectsFile(rejectsFile: string, source: string): void {
  const folder = statSync(path.dirname(path.resolve(rejectsFile)), { throwIfNoEntry: false });
  if (folder === undefined || !folder.isDirectory()) throw new RejectsFileError(rejectsFile, 'its folder does not exist');
  const rejects = statSync(rejectsFile, { throwIfNoEntry: false });
  if (rejects?.isDirectory()) throw new RejectsFileError(rejectsFile, 'it is a folder');
  const original = statSync(source, { throwIfNoEntry: false });
  if (rejects !== undefined && original !== undefined && rejects.dev === original.dev && rejects.ino === original.ino) {
    throw new RejectsFileError(rejectsFile, 'it is the file being validated; name another file for the rejected rows');
  }
}

/**
 * Writes rejected rows as an import's rejects file has them (the four xp_import_* columns, then
 * the original cells or object), so a file checked with `validate --rejects` can be fixed and
 * imported again the same way. It holds row values: it is the operator's file, never logged.
 */
export class RejectsWriter {
  private readonly out: WriteStream;
  /** The stream's first error (a full disk, a quota, an I/O error): every later call throws it, named. */
  private failure: RejectsFileError | undefined;

  private constructor(
    readonly file: string,
    private readonly lines: RejectsFileLines,
  ) {
    this.out = createWriteStream(file, { highWaterMark: 1 << 20, mode: PRIVATE_FILE_MODE });
    // Heard at all times: an error between two writes, with no one waiting, would end the process.
    this.out.on('error', (error) => {
      this.failure ??= new RejectsFileError(file, writeProblem(error));
    });
  }

  static async open(file: string, format: SourceFormat, dialect: RejectsFileDialect): Promise<RejectsWriter> {
    const writer = new RejectsWriter(file, rejectsFileLines(format, dialect));
    let fd: number;
    try {
      [fd] = (await once(writer.out, 'open')) as [number];
    } catch (error) {
      // A missing folder or a folder in its place was refused before the source was read (checkRejectsFile).
      const code = (error as NodeJS.ErrnoException).code;
      throw new RejectsFileError(file, code === 'EACCES' ? 'permission denied' : `it cannot be opened (${code ?? String(error)})`);
    }
    writer.makePrivate(fd);
    await writer.write(writer.lines.header);
    return writer;
  }

  /**
   * The mode given at open applies only to a file it creates: a file that was there (644, say)
   * would keep its mode and show the rows to every user. Before a row is written (the open emptied
   * it), group and others lose every right; a stricter owner mode (from the umask) is kept.
   */
  private makePrivate(fd: number): void {
    try {
      const stat = fstatSync(fd);
      // Only a file keeps what is written: a device or a pipe (/dev/stdout, /dev/null) is not made
      // private, as that would change it for every other user of the machine.
      if (!stat.isFile()) return;
      const mode = stat.mode & 0o777;
      if ((mode & ~PRIVATE_FILE_MODE) !== 0) fchmodSync(fd, mode & PRIVATE_FILE_MODE);
    } catch (error) {
      this.out.destroy();
      const code = (error as NodeJS.ErrnoException).code;
      throw new RejectsFileError(this.file, `its mode cannot be made 600, and it would hold rows other users could read (${code ?? String(error)}): name a file of your own`);
    }
  }

  async add(row: RejectedRow): Promise<void> {
    await this.write(this.lines.line(row));
  }

  async close(): Promise<void> {
    this.throwIfFailed();
    this.out.end();
    await once(this.out, 'finish').catch(() => undefined);
    this.throwIfFailed();
  }

  private async write(text: string): Promise<void> {
    this.throwIfFailed();
    if (!this.out.write(text)) await once(this.out, 'drain').catch(() => undefined);
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}

function writeProblem(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC') return 'the disk is full; free some space or name a file on another disk';
  if (code === 'EDQUOT') return 'the disk quota is used up; free some space or name a file on another disk';
  return `writing failed (${code ?? error.message}); name another file`;
}
