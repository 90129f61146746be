import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import type { SourceFormat } from '../../common/source';
import { csvLine } from '../reports/csvWrite';
import type { RejectedRow } from '../reports/rejectParts';
import { REJECT_COLUMNS } from '../../common/report';

/**
 * Writes rejected rows as an import's rejects file has them (the four xp_import_* columns, then
 * the original cells or object), so a file checked with `validate --rejects` can be fixed and
 * imported again the same way. It holds row values: it is the operator's file, never logged.
 */
export class RejectsWriter {
  private readonly out: WriteStream;

  private constructor(
    readonly file: string,
    private readonly format: SourceFormat,
  ) {
    this.out = createWriteStream(file, { highWaterMark: 1 << 20 });
  }

  static async open(file: string, format: SourceFormat, header: readonly string[] | undefined): Promise<RejectsWriter> {
    const writer = new RejectsWriter(file, format);
    await once(writer.out, 'open');
    if (format === 'csv') await writer.write(csvLine([...REJECT_COLUMNS, ...(header ?? [])]));
    return writer;
  }

  async add(row: RejectedRow): Promise<void> {
    if (this.format === 'csv') {
      await this.write(csvLine([row.row, row.line, row.column ?? '', row.reason, ...(row.cells ?? (row.raw === undefined ? [] : [row.raw]))]));
      return;
    }
    const [rowKey, lineKey, columnKey, reasonKey] = REJECT_COLUMNS;
    const original = row.value ?? (row.raw === undefined ? {} : { raw: row.raw });
    await this.write(`${JSON.stringify({ [rowKey]: row.row, [lineKey]: row.line, [columnKey]: row.column, [reasonKey]: row.reason, ...original })}\n`);
  }

  async close(): Promise<void> {
    this.out.end();
    await once(this.out, 'finish');
  }

  private async write(text: string): Promise<void> {
    if (!this.out.write(text)) await once(this.out, 'drain');
  }
}
