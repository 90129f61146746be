import { describe, expect, it } from 'vitest';
import type { Cell } from '../../../activities/rows';
import { BatchParts } from '../../../activities/submit/batchParts';
import { rowsJson, rowsText, type Part } from '../../../activities/submit/part';

const ORDER = ['user_id', 'email', 'first_name', 'visits'];

interface Row {
  row: number;
  identity: string;
  values: Map<string, Cell>;
}

/** The plain way: keep the last row of each identity, then group the survivors by their sorted attributes. */
function reference(rows: Row[]): Array<{ attributes: string[]; rows: number[]; cells: Cell[][] }> {
  const last = new Map(rows.map((r) => [r.identity, r.row]));
  const groups = new Map<string, { attributes: string[]; rows: number[]; cells: Cell[][] }>();
  for (const r of rows) {
    if (last.get(r.identity) !== r.row) continue;
    const attributes = ORDER.filter((a) => r.values.has(a));
    const key = attributes.join(',');
    if (!groups.has(key)) groups.set(key, { attributes, rows: [], cells: [] });
    const group = groups.get(key) as { rows: number[]; cells: Cell[][] };
    group.rows.push(r.row);
    group.cells.push(attributes.map((a) => r.values.get(a) as Cell));
  }
  return [...groups.values()];
}

function collected(rows: Row[]): Array<{ attributes: string[]; rows: number[]; cells: Cell[][] }> {
  const parts = new BatchParts(ORDER);
  for (const r of rows) parts.add(r.row, r.row + 1, r.identity, r.values);
  return parts.finish().map((part: Part) => ({ attributes: part.attributes, rows: part.rows, cells: JSON.parse(rowsText(rowsJson(part, 0, part.rows.length))) as Cell[][] }));
}

/** A small deterministic generator, so a failure names its seed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
}

function randomRows(seed: number, count: number, identities: number): Row[] {
  const next = random(seed);
  return Array.from({ length: count }, (_, i) => {
    const values = new Map<string, Cell>();
    // Attributes arrive in any order; the part's order is ORDER's.
    for (const attribute of ORDER.slice(1).sort(() => next() - 0.5)) if (next() < 0.6) values.set(attribute, attribute === 'visits' ? i : `${attribute}-${i}`);
    const identity = `user_id:u${Math.floor(next() * identities)}`;
    values.set('user_id', identity.slice('user_id:'.length));
    return { row: i + 1, identity, values };
  });
}

describe('BatchParts groups a batch as it is read', () => {
  it('rows with the same attributes share a part, in file order, attributes in the mapping order', () => {
    const rows: Row[] = [
      { row: 1, identity: 'user_id:a', values: new Map<string, Cell>([['first_name', 'A'], ['user_id', 'a']]) },
      { row: 2, identity: 'user_id:b', values: new Map<string, Cell>([['user_id', 'b'], ['email', 'b@x.io']]) },
      { row: 3, identity: 'user_id:c', values: new Map<string, Cell>([['user_id', 'c'], ['first_name', 'C']]) },
    ];
    expect(collected(rows)).toEqual([
      { attributes: ['user_id', 'first_name'], rows: [1, 3], cells: [['a', 'A'], ['c', 'C']] },
      { attributes: ['user_id', 'email'], rows: [2], cells: [['b', 'b@x.io']] },
    ]);
  });

  it('a later row of the same identity replaces the earlier one, and a part left empty is dropped', () => {
    const rows: Row[] = [
      { row: 1, identity: 'user_id:a', values: new Map<string, Cell>([['user_id', 'a'], ['visits', 1]]) },
      { row: 2, identity: 'user_id:b', values: new Map<string, Cell>([['user_id', 'b'], ['email', 'b@x.io']]) },
      { row: 3, identity: 'user_id:a', values: new Map<string, Cell>([['user_id', 'a'], ['email', 'a@x.io']]) },
    ];
    const parts = new BatchParts(ORDER);
    expect(rows.map((r) => parts.add(r.row, r.row + 1, r.identity, r.values))).toEqual([false, false, true]);
    expect(parts.finish().map((part) => ({ attributes: part.attributes, rows: part.rows, lines: part.lines }))).toEqual([
      { attributes: ['user_id', 'email'], rows: [2, 3], lines: [3, 4] },
    ]);
  });

  it('matches the plain grouping on random batches with many repeated identities', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const rows = randomRows(seed, 300, 120);
      expect(collected(rows), `seed ${seed}`).toEqual(reference(rows));
    }
  });
});
