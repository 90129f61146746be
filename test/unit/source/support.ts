import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import type { BatchPlan, SourceLayout } from '../../../common/plan';
import type { SourceFormat } from '../../../common/source';
import type { ByteSource, SourceStat } from '../../../activities/source/byteSource';
import { planBatches } from '../../../activities/source/plan';
import { readBatch } from '../../../activities/source/readBatch';
import type { SourceRecord } from '../../../activities/source/recordParsers';

let folder: string | undefined;

// Each test file runs in its own process and gets its own folder; leave nothing behind.
afterAll(() => {
  if (folder) rmSync(folder, { recursive: true, force: true });
});

/** Writes a file into a fresh temporary folder and returns its path. */
export function writeTemp(name: string, content: string | Buffer): string {
  folder ??= mkdtempSync(path.join(tmpdir(), 'xp-import-source-'));
  const file = path.join(folder, name);
  writeFileSync(file, content);
  return file;
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

export interface PlannedFile {
  batches: BatchPlan[];
  pages: BatchPlan[][];
}

/** Plans every page, following the cursors. */
export async function planAll(src: ByteSource, format: SourceFormat, layout: SourceLayout, batchSize: number, maxBatches: number): Promise<PlannedFile> {
  const pages: BatchPlan[][] = [];
  let cursor = null;
  do {
    const page = await planBatches(src, { format, layout, cursor, batchSize, maxBatches });
    pages.push(page.batches);
    cursor = page.next;
  } while (cursor !== null);
  return { batches: pages.flat(), pages };
}

export async function readAll(src: ByteSource, format: SourceFormat, layout: SourceLayout, batches: BatchPlan[]): Promise<SourceRecord[]> {
  const records: SourceRecord[] = [];
  for (const batch of batches) records.push(...(await collect(readBatch(src, { format, layout, batch }))));
  return records;
}

/** A real source that notes every range asked of it, to prove a batch reads only its own bytes. */
export class RecordingSource implements ByteSource {
  readonly ranges: Array<[number, number | undefined]> = [];

  constructor(private readonly inner: ByteSource) {}

  describe(): string {
    return this.inner.describe();
  }

  stat(): Promise<SourceStat> {
    return this.inner.stat();
  }

  stream(start: number, endExclusive?: number): AsyncIterable<Buffer> {
    this.ranges.push([start, endExclusive]);
    return this.inner.stream(start, endExclusive);
  }
}

export interface ReferenceRecord {
  row: number;
  line: number;
  byteOffset: number;
  cells: string[];
}

/**
 * A deliberately naive CSV reader (a character loop over the whole decoded file) to check the
 * streaming passes against. It shares no code with them. Blank lines are skipped, as there.
 */
export function referenceCsv(content: Buffer, delimiter = ','): { header: string[]; records: ReferenceRecord[] } {
  const bom = content[0] === 0xef && content[1] === 0xbb && content[2] === 0xbf ? 3 : 0;
  const text = content.subarray(bom).toString('utf8');
  const all: ReferenceRecord[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const startLine = line;
    const startChar = i;
    const cells: string[] = [];
    let cell = '';
    let fieldStart = true;
    let inQuotes = false;
    for (; i < text.length; i++) {
      const c = text[i] as string;
      if (inQuotes) {
        if (c === '"' && text[i + 1] === '"') {
          cell += '"';
          i++;
        } else if (c === '"') {
          inQuotes = false;
        } else {
          if (c === '\n') line++;
          cell += c;
        }
      } else if (c === '"' && fieldStart) {
        inQuotes = true;
        fieldStart = false;
      } else if (c === delimiter) {
        cells.push(cell);
        cell = '';
        fieldStart = true;
      } else if (c === '\n') {
        break;
      } else {
        cell += c;
        fieldStart = false;
      }
    }
    const lineEnd = i;
    i++;
    line++;
    // A CR right before the LF (or at the very end) is the line ending, not cell content.
    if (text[lineEnd - 1] === '\r') cell = cell.slice(0, -1);
    cells.push(cell);
    const blank = cells.length === 1 && cells[0] === '' && !text.slice(startChar, lineEnd).includes('"');
    if (blank) continue;
    all.push({ row: 0, line: startLine, byteOffset: bom + Buffer.byteLength(text.slice(0, startChar)), cells });
  }
  const [header, ...records] = all;
  records.forEach((record, k) => (record.row = k + 1));
  return { header: header?.cells ?? [], records };
}

/** A small deterministic PRNG, so generated files are the same on every run. */
export { seededRandom } from '../../../bin/sampleData';
