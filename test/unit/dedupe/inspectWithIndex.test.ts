import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inspectWithIdentityIndex } from '../../../activities/dedupe';
import { LocalFileSource } from '../../../activities/source';
import { readRows, seededRandom, tempPath } from './support';

/** Identity cells: the same few identities spelled every way a CSV can, plus cells that are no identity. */
const SPELLINGS: Array<{ cell: string; identity: string | undefined }> = [
  ...['c1', 'c2', 'c3', 'Zoë', 'é€', 'q"x'].flatMap((id) => {
    const escaped = id.replaceAll('"', '""');
    // A quote inside an unquoted cell is a literal, so `q"x` is also its own plain spelling.
    return [id, ` ${id} `, `\t${id}`, `"${escaped}"`, `" ${escaped}"`, `\u00a0${id}\u2003`].map((cell) => ({ cell, identity: id }));
  }),
  { cell: '', identity: undefined },
  { cell: '  ', identity: undefined },
  { cell: '""', identity: undefined },
];

/** Records that readBatch rejects whatever their identity: they supersede nothing. */
const BROKEN = ['short', 'long', 'text_after_quote', 'invalid_utf8'] as const;

describe('inspectWithIdentityIndex: the superseded rows are those whose identity a later row has', () => {
  it('agrees with a plain last-row-wins count over identities spelled every way, across ASCII and UTF-8 chunks', async () => {
    const random = seededRandom(21);
    const lines: Buffer[] = [Buffer.from('name,user_id,city\n')];
    const identities: Array<string | undefined> = [];
    for (let row = 1; row <= 30_000; row++) {
      const { cell, identity } = SPELLINGS[Math.floor(random() * SPELLINGS.length)]!;
      // Padding makes several 64 KiB chunks, some all ASCII, some not (a rare é elsewhere in the row).
      const name = random() < 0.002 ? 'Renée' : `name ${row} ${'x'.repeat(Math.floor(random() * 40))}`;
      const broken = random() < 0.03 ? BROKEN[Math.floor(random() * BROKEN.length)] : undefined;
      let line: Buffer;
      if (broken === 'short') line = Buffer.from(`${name},${cell}\n`);
      else if (broken === 'long') line = Buffer.from(`${name},${cell},city,more\n`);
      else if (broken === 'text_after_quote') line = Buffer.from(`"${name}"x,${cell},city\n`);
      else if (broken === 'invalid_utf8') line = Buffer.concat([Buffer.from(`${name}`), Buffer.from([0xff]), Buffer.from(`,${cell},city\n`)]);
      else line = Buffer.from(`${name},${cell},city ${row}\n`);
      lines.push(line);
      identities.push(broken === undefined ? identity : undefined);
    }
    const file = tempPath('spellings.csv');
    writeFileSync(file, Buffer.concat(lines));

    const lastRow = new Map<string, number>();
    identities.forEach((identity, i) => identity !== undefined && lastRow.set(identity, i + 1));
    const expected = identities.flatMap((identity, i) => (identity !== undefined && lastRow.get(identity) !== i + 1 ? [i + 1] : []));

    const supersededFile = tempPath('spellings-superseded.bin');
    const inspection = await inspectWithIdentityIndex(new LocalFileSource(file), { format: 'csv', supersededFile });
    expect(inspection.totalRows).toBe(30_000);
    expect(readRows(supersededFile)).toEqual(expected);
    expect(inspection.index.superseded).toBe(expected.length);
    // Every identity kept exactly one row, so nearly all rows were superseded: the check has teeth.
    expect(expected.length).toBeGreaterThan(20_000);
    expect(inspection.index.indexed).toBe(identities.filter((identity) => identity !== undefined).length);
  });
});
