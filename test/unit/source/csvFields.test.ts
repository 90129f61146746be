import { describe, expect, it } from 'vitest';
import { csvCellAt, CsvFieldSplitter } from '../../../activities/source/csvFields';
import { seededRandom } from './support';

/** Fields of every shape the splitter knows: plain, quoted, escaped quotes, literal quotes, and broken quoting. */
const FIELDS = ['', 'abc', ' x ', 'a b', '"q"', '"a""b"', '""""', '""', '"a,b"', '"a;b"', '"tab\there"', 'x"y', '5\'10"', '"unclosed', '"a"b', '"a" ', 'é"'];
const DELIMITERS = [',', ';', '\t'];

/** What csvCellAt must return: the cell of split, when split gives exactly `count` cells. */
function expected(splitter: CsvFieldSplitter, from: number, to: number, index: number, count: number): string | undefined {
  const cells = splitter.split(from, to);
  return Array.isArray(cells) && cells.length === count ? cells[index] : undefined;
}

describe('csvCellAt reads one cell from the bytes as split reads them all from the text', () => {
  it('agrees with split on random records, for every index and for counts around the true one', () => {
    const random = seededRandom(11);
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)] as T;
    let compared = 0;
    let defined = 0;
    for (const delimiter of DELIMITERS) {
      // Many records in one text, read in order, as parseRecords does with an ASCII region.
      const records = Array.from({ length: 400 }, () => Array.from({ length: 1 + Math.floor(random() * 5) }, () => pick(FIELDS)).join(delimiter));
      const text = records.join('\n');
      const bytes = Buffer.from(text);
      const reference = new CsvFieldSplitter(delimiter);
      reference.use(text);
      let from = 0;
      let byteFrom = 0;
      for (const record of records) {
        const to = from + record.length;
        const byteTo = byteFrom + Buffer.byteLength(record);
        const cells = reference.split(from, to);
        const width = Array.isArray(cells) ? cells.length : 3;
        for (const count of [width - 1, width, width + 1]) {
          for (let index = 0; index < width; index++) {
            const want = expected(reference, from, to, index, count);
            expect(csvCellAt(bytes, byteFrom, byteTo, index, count, delimiter.charCodeAt(0)), `${JSON.stringify(record)} cell ${index} of ${count}`).toBe(want);
            compared++;
            if (want !== undefined) defined++;
          }
        }
        from = to + 1;
        byteFrom = byteTo + 1;
      }
    }
    // Both outcomes were exercised many times.
    expect(defined).toBeGreaterThan(1_000);
    expect(compared - defined).toBeGreaterThan(1_000);
  });

  it('unescapes a quoted cell, decodes UTF-8, and steps over the others', () => {
    const bytes = Buffer.from('a,"b ""c"", d",é€');
    const comma = ','.charCodeAt(0);
    expect([0, 1, 2].map((i) => csvCellAt(bytes, 0, bytes.length, i, 3, comma))).toEqual(['a', 'b "c", d', 'é€']);
    expect(csvCellAt(bytes, 0, bytes.length, 0, 2, comma)).toBeUndefined();
    expect(csvCellAt(bytes, 0, bytes.length, 0, 4, comma)).toBeUndefined();
  });
});
