import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalFileSource } from '../../../activities/source/byteSource';
import { inspectSource } from '../../../activities/source/inspect';
import { readBatch } from '../../../activities/source/readBatch';
import { collect, planAll, readAll } from './support';

const spectrum = path.dirname(require.resolve('csv-spectrum/package.json'));
const names = readdirSync(path.join(spectrum, 'csvs')).map((file) => path.basename(file, '.csv'));

/**
 * location_coordinates.json is a single object rather than an array, and its phone number does
 * not match the CSV (upstream fixture error: the CSV says 2095257564). Everything else is compared
 * as published.
 */
function expectedRows(name: string): Array<Record<string, string>> {
  const json = JSON.parse(readFileSync(path.join(spectrum, 'json', `${name}.json`), 'utf8')) as unknown;
  const rows = (Array.isArray(json) ? json : [json]) as Array<Record<string, string>>;
  if (name === 'location_coordinates') return rows.map((row) => ({ ...row, 'Contact Phone Number': '2095257564' }));
  return rows;
}

describe('csv-spectrum', () => {
  it('has the cases this suite relies on', () => {
    expect(names).toEqual(expect.arrayContaining(['newlines_crlf', 'quotes_and_newlines', 'empty_crlf', 'escaped_quotes', 'utf8']));
  });

  for (const name of names) {
    for (const chunkBytes of [1, 5, 1024 * 1024]) {
      it(`${name} parses to its JSON (read in ${chunkBytes}-byte chunks)`, async () => {
        const src = new LocalFileSource(path.join(spectrum, 'csvs', `${name}.csv`), { chunkBytes });
        const { layout, totalRows } = await inspectSource(src, { format: 'csv' });
        const { batches } = await planAll(src, 'csv', layout, 1, 2);
        const records = await readAll(src, 'csv', layout, batches);
        const header = layout.header ?? [];
        const rows = records.map((record) => {
          if (!('cells' in record)) throw new Error(`row ${record.row} failed: ${'error' in record ? record.error.reason : ''}`);
          return Object.fromEntries(header.map((column, i) => [column, record.cells[i]]));
        });
        expect(rows).toEqual(expectedRows(name));
        expect(totalRows).toBe(rows.length);
      });
    }
  }

  it('keeps CRLF inside a quoted cell and strips it as a line ending (newlines_crlf)', async () => {
    const src = new LocalFileSource(path.join(spectrum, 'csvs', 'newlines_crlf.csv'));
    const { layout } = await inspectSource(src, { format: 'csv' });
    const [batch] = (await planAll(src, 'csv', layout, 100, 1)).batches;
    if (!batch) throw new Error('no batch');
    const records = await collect(readBatch(src, { format: 'csv', layout, batch }));
    expect(records.map((r) => ({ row: r.row, line: r.line }))).toEqual([
      { row: 1, line: 2 },
      { row: 2, line: 3 },
      { row: 3, line: 5 },
    ]);
    expect(records[1]).toMatchObject({ cells: ['Once upon \r\na time', '5', '6'] });
  });
});
