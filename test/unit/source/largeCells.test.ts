import { describe, expect, it } from 'vitest';
import { LocalFileSource } from '../../../activities/source/byteSource';
import { MAX_LINES_PER_ROW } from '../../../activities/source/errors';
import { inspectSource } from '../../../activities/source/inspect';
import { planAll, readAll, writeTemp } from './support';

/**
 * A 5 MB cell with quotes and line breaks inside, between ordinary rows: 6 KB lines, so the row
 * spans fewer lines than a row may (MAX_LINES_PER_ROW; more is a stray quote, formatErrors.test.ts).
 */
function hugeCell(): string {
  const line = 'Lorem "ipsum" dolor, sit amet; '.repeat(200);
  const lines = Math.ceil((5 * 1024 * 1024) / line.length);
  expect(lines).toBeLessThan(MAX_LINES_PER_ROW);
  return Array.from({ length: lines }, () => line).join('\n');
}

describe('huge cells', () => {
  const cell = hugeCell();
  const quoted = `"${cell.replace(/"/g, '""')}"`;
  const content = `id,text\r\n1,short\r\n2,${quoted}\r\n3,after\r\n`;
  const file = writeTemp('huge.csv', content);
  const newlinesInCell = cell.split('\n').length - 1;

  for (const chunkBytes of [64 * 1024, 1024 * 1024]) {
    it(`a 5 MB quoted cell round-trips (chunks of ${chunkBytes} bytes)`, async () => {
      const src = new LocalFileSource(file, { chunkBytes });
      const { layout, totalRows } = await inspectSource(src, { format: 'csv' });
      expect(totalRows).toBe(3);
      const { batches } = await planAll(src, 'csv', layout, 1, 10);
      expect(batches.map((b) => b.firstLine)).toEqual([2, 3, 4 + newlinesInCell]);
      const records = await readAll(src, 'csv', layout, batches);
      expect(records.map((r) => ('cells' in r ? r.cells[0] : 'failed'))).toEqual(['1', '2', '3']);
      const big = records[1];
      expect(big && 'cells' in big && big.cells[1] === cell).toBe(true);
      expect(records[2]).toMatchObject({ line: 4 + newlinesInCell, cells: ['3', 'after'] });
    });
  }

  it('a long NDJSON line round-trips', async () => {
    const value = { id: 1, text: cell };
    const src = new LocalFileSource(writeTemp('huge.ndjson', `${JSON.stringify(value)}\n{"id":2}\n`), { chunkBytes: 100_000 });
    const { layout } = await inspectSource(src, { format: 'ndjson' });
    const records = await readAll(src, 'ndjson', layout, (await planAll(src, 'ndjson', layout, 1, 1)).batches);
    expect(records).toHaveLength(2);
    expect(records[0] && 'value' in records[0] && records[0].value.text === cell).toBe(true);
    expect(records[1]).toMatchObject({ row: 2, line: 2, value: { id: 2 } });
  });
});
