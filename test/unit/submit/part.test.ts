import { describe, expect, it } from 'vitest';
import { partRow, PartBuilder, rowsJson } from '../../../activities/submit/part';
import type { Cell } from '../../../activities/xtremepush/client';
import { sandboxApi } from '../../support/sandboxApi';

/** Cells that JSON must escape or that look like its own syntax. */
const awkward: Cell[][] = [
  ['u1', 'plain', 1, true],
  ['u2', 'a, "quoted", [bracketed] {braced}', 0, false],
  ['u3', 'line\nbreak\ttab \\ backslash', 3.5, true],
  ['u4', 'Zoë – 東京 – 🎉', -1, false],
  ['u5', '', 1e21, true],
  ['u6', ']', 2, false],
];

function partOf(rows: Cell[][]) {
  const builder = new PartBuilder(['user_id', 'first_name', 'visits', 'flag']);
  rows.forEach((cells, i) => builder.add(i + 1, i + 2, cells));
  return builder.finish();
}

describe('a part keeps its rows as the JSON the API receives', () => {
  it('every range of rows reads back as exactly those rows', () => {
    const part = partOf(awkward);
    expect(part.rows).toEqual([1, 2, 3, 4, 5, 6]);
    for (let start = 0; start <= awkward.length; start++) {
      for (let end = start; end <= awkward.length; end++) {
        expect(JSON.parse(rowsJson(part, start, end)), `rows ${start}-${end}`).toEqual(awkward.slice(start, end));
      }
    }
  });

  it('one row reads back with its row number, line and cells, for the rejects file', () => {
    const part = partOf(awkward);
    expect(partRow(part, 1)).toEqual({ row: 2, line: 3, cells: awkward[1] });
    expect(partRow(part, 5)).toEqual({ row: 6, line: 7, cells: awkward[5] });
  });
});

describe('importProfiles with rows given as JSON text', () => {
  const api = sandboxApi('part-test');

  it('stores the same profiles as the same rows given as arrays', async () => {
    // Fewer than 100 rows: the sandbox applies them at once, so the store can be read right away.
    const { sandbox, client } = await api.start();
    const columns = ['user_id', 'first_name'];
    const names = awkward.map(([, name]) => (name === '' ? 'blank' : String(name)));
    const builder = new PartBuilder(columns);
    names.forEach((name, i) => builder.add(i + 1, i + 2, [`json-${i}`, name]));
    expect(await client.importProfiles(columns, { json: rowsJson(builder.finish(), 0, names.length) })).toEqual({ mode: 'sync' });
    expect(await client.importProfiles(columns, names.map((name, i) => [`array-${i}`, name]))).toEqual({ mode: 'sync' });
    const profiles = sandbox.profiles();
    names.forEach((name, i) => {
      expect(profiles.get(`user_id:json-${i}`)?.first_name).toBe(name);
      expect(profiles.get(`user_id:array-${i}`)?.first_name).toBe(name);
    });
  });
});
