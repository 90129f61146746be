import { describe, expect, it } from 'vitest';
import { BatchPlanSchema, SourceLayoutSchema } from '../../../common/plan';
import type { Delimiter } from '../../../common/source';
import { LocalFileSource } from '../../../activities/source/byteSource';
import { inspectSource } from '../../../activities/source/inspect';
import { readBatch } from '../../../activities/source/readBatch';
import { collect, planAll, RecordingSource, referenceCsv, seededRandom, writeTemp } from './support';

interface Variant {
  name: string;
  eol: '\n' | '\r\n';
  bom: boolean;
  /** Chance of blank lines before each record (and after the last). */
  blankChance: number;
  finalNewline: boolean;
  delimiter: Delimiter;
  rows: number;
}

const VARIANTS: Variant[] = [
  { name: 'LF with quoted newlines', eol: '\n', bom: false, blankChance: 0, finalNewline: true, delimiter: ',', rows: 40 },
  { name: 'CRLF with a BOM', eol: '\r\n', bom: true, blankChance: 0, finalNewline: true, delimiter: ',', rows: 40 },
  { name: 'blank lines everywhere', eol: '\n', bom: false, blankChance: 0.3, finalNewline: true, delimiter: ',', rows: 40 },
  { name: 'final line without newline', eol: '\r\n', bom: false, blankChance: 0, finalNewline: false, delimiter: ',', rows: 40 },
  { name: 'semicolons, detected', eol: '\n', bom: false, blankChance: 0.1, finalNewline: true, delimiter: ';', rows: 40 },
  { name: 'CRLF, BOM, blank lines, no final newline', eol: '\r\n', bom: true, blankChance: 0.2, finalNewline: false, delimiter: '\t', rows: 40 },
];

/** Cells that exercise every quoting rule; all of them round-trip through a correct reader. */
function cell(random: () => number, delimiter: string, eol: string): string {
  const pick = Math.floor(random() * 12);
  switch (pick) {
    case 0:
      return '';
    case 1:
      return '""';
    case 2:
      return `"multi${eol}line${eol}cell"`;
    case 3:
      return `"has ${delimiter} delimiter"`;
    case 4:
      return '"say ""hi"" twice"';
    case 5:
      return 'Zoë 😀 café';
    case 6:
      return `5'10" tall`;
    case 7:
      return `"ends with quote """`;
    case 8:
      return 'a "literal" word';
    case 9:
      return 'the " mark';
    default:
      return `word${Math.floor(random() * 1000)}`;
  }
}

function generate(variant: Variant, seed: number): { content: Buffer; blankLines: number } {
  const random = seededRandom(seed);
  const { eol, delimiter } = variant;
  let text = ['id', 'email', 'note', 'city'].join(delimiter) + eol;
  let blankLines = 0;
  const blanks = () => {
    while (random() < variant.blankChance) {
      text += eol;
      blankLines++;
    }
  };
  for (let row = 1; row <= variant.rows; row++) {
    blanks();
    const cells = [String(row), cell(random, delimiter, eol), cell(random, delimiter, eol), cell(random, delimiter, eol)];
    text += cells.join(delimiter);
    if (row < variant.rows || variant.finalNewline) text += eol;
  }
  if (variant.finalNewline) blanks();
  const body = Buffer.from(text, 'utf8');
  return { content: variant.bom ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body]) : body, blankLines };
}

describe('batches tile the data and agree with a whole-file parse', () => {
  VARIANTS.forEach((variant, v) => {
    const { content, blankLines } = generate(variant, 1000 + v);
    const file = writeTemp(`variant-${v}.csv`, content);
    const reference = referenceCsv(content, variant.delimiter);

    it(`${variant.name}: the reference sees what the generator wrote`, () => {
      expect(reference.header).toEqual(['id', 'email', 'note', 'city']);
      expect(reference.records.map((r) => r.cells[0])).toEqual(Array.from({ length: variant.rows }, (_, i) => String(i + 1)));
    });

    for (const chunkBytes of [5, 64 * 1024]) {
      it(`${variant.name} (chunks of ${chunkBytes} bytes)`, async () => {
        const src = new LocalFileSource(file, { chunkBytes });
        const inspection = await inspectSource(src, { format: 'csv' });
        const { layout } = inspection;
        expect(SourceLayoutSchema.parse(layout)).toEqual(layout);
        expect(layout.delimiter).toBe(variant.delimiter);
        expect(layout.header).toEqual(reference.header);
        expect(layout.hasBom).toBe(variant.bom);
        expect(inspection.totalRows).toBe(variant.rows);
        expect(inspection.blankLines).toBe(blankLines);
        expect(layout.dataStartByte).toBe(reference.records[0]?.byteOffset);
        expect(layout.dataStartLine).toBe(reference.records[0]?.line);

        for (const batchSize of [1, 2, 3, 7, 100]) {
          for (const maxBatches of [1, 2, 5]) {
            const { batches, pages } = await planAll(src, 'csv', layout, batchSize, maxBatches);
            const context = `batchSize ${batchSize}, maxBatches ${maxBatches}`;

            // Pages: full until the last one.
            pages.slice(0, -1).forEach((page) => expect(page.length, context).toBe(maxBatches));
            expect(pages.at(-1)?.length ?? 0, context).toBeLessThanOrEqual(maxBatches);

            // Batches: valid payloads, numbered, full but the last, contiguous, covering [dataStartByte, size).
            expect(BatchPlanSchema.array().parse(batches)).toEqual(batches);
            expect(batches.map((b) => b.index)).toEqual(batches.map((_, i) => i));
            expect(batches.length).toBe(Math.ceil(variant.rows / batchSize));
            batches.slice(0, -1).forEach((b) => expect(b.rowCount, context).toBe(batchSize));
            expect(batches[0]?.startByte).toBe(layout.dataStartByte);
            expect(batches.at(-1)?.endByte).toBe(content.length);
            for (let k = 1; k < batches.length; k++) {
              expect(batches[k]?.startByte, context).toBe(batches[k - 1]?.endByte);
              expect(batches[k]?.firstRow, context).toBe((batches[k - 1]?.firstRow ?? 0) + (batches[k - 1]?.rowCount ?? 0));
            }

            // Reading: each batch asks for its own range only, and the records add up to the whole file.
            const records = [];
            for (const batch of batches) {
              const recording = new RecordingSource(src);
              const got = await collect(readBatch(recording, { format: 'csv', layout, batch }));
              expect(recording.ranges, context).toEqual([[batch.startByte, batch.endByte]]);
              expect(got.length, context).toBe(batch.rowCount);
              expect(got[0]?.row).toBe(batch.firstRow);
              expect(got[0]?.line).toBe(batch.firstLine);
              records.push(...got);
            }
            expect(records.map((r) => r.row)).toEqual(Array.from({ length: variant.rows }, (_, i) => i + 1));
            expect(records, context).toEqual(reference.records);
          }
        }
      });
    }
  });

  it('a bigger random file plans and reads the same with small and large batches', async () => {
    const variant: Variant = { name: 'big', eol: '\r\n', bom: true, blankChance: 0.05, finalNewline: false, delimiter: '|', rows: 2000 };
    const { content } = generate(variant, 7);
    const src = new LocalFileSource(writeTemp('big.csv', content), { chunkBytes: 4093 });
    const { layout } = await inspectSource(src, { format: 'csv' });
    const reference = referenceCsv(content, '|');
    for (const [batchSize, maxBatches] of [
      [7, 50],
      [100, 3],
      [10_000, 500],
    ] as const) {
      const { batches } = await planAll(src, 'csv', layout, batchSize, maxBatches);
      const records = [];
      for (const batch of batches) records.push(...(await collect(readBatch(src, { format: 'csv', layout, batch }))));
      expect(records).toEqual(reference.records);
    }
  });
});
