import { describe, expect, it } from 'vitest';
import type { BatchPlan } from '../../../common/plan';
import type { SourceFormat } from '../../../common/source';
import { LocalFileSource } from '../../../activities/source/byteSource';
import { inspectSource } from '../../../activities/source/inspect';
import { readBatch } from '../../../activities/source/readBatch';
import { sourceRecordParser, type SourceRecord } from '../../../activities/source/recordParsers';
import { collect, seededRandom, writeTemp } from './support';

/** Inspection with a record visitor: every record once, exactly as readBatch yields it. */
async function visited(file: string, format: SourceFormat, chunkBytes: number): Promise<{ records: SourceRecord[]; header: string[] | undefined; calls: number }> {
  const records: SourceRecord[] = [];
  let header: string[] | undefined;
  let calls = 0;
  await inspectSource(new LocalFileSource(file, { chunkBytes }), {
    format,
    records: (h, delimiter) => {
      calls++;
      header = h;
      return { parser: sourceRecordParser(format, h, delimiter), visit: (record) => records.push(record) };
    },
  });
  return { records, header, calls };
}

/** readBatch over the whole data range as one batch: the reference the visitor must match. */
async function readWhole(file: string, format: SourceFormat): Promise<SourceRecord[]> {
  const src = new LocalFileSource(file);
  const inspection = await inspectSource(src, { format });
  const { layout } = inspection;
  const batch: BatchPlan = { index: 0, startByte: layout.dataStartByte, endByte: layout.fingerprint.size, firstRow: 1, firstLine: layout.dataStartLine, rowCount: inspection.totalRows };
  return collect(readBatch(src, { format, layout, batch }));
}

function messyCsv(seed: number): Buffer {
  const random = seededRandom(seed);
  const parts: Buffer[] = [Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('user_id,name,note\r\n\r\n')];
  for (let row = 1; row <= 300; row++) {
    const kind = Math.floor(random() * 8);
    if (kind === 0) parts.push(Buffer.from(`u${row},"multi\r\nline",x\r\n`));
    else if (kind === 1) parts.push(Buffer.concat([Buffer.from(`u${row},bad `), Buffer.from([0xff, 0xfe]), Buffer.from(',x\r\n')]));
    else if (kind === 2) parts.push(Buffer.from(`u${row},ragged\r\n`));
    else if (kind === 3) parts.push(Buffer.from(`u${row},Zoë 😀,"a ""quoted"" word"\r\n\r\n`));
    else parts.push(Buffer.from(`u${row},name${row},plain\r\n`));
  }
  parts.push(Buffer.from('u-last,no,newline'));
  return Buffer.concat(parts);
}

describe('inspectSource with a record visitor', () => {
  it.each([7, 64, 1024, 1 << 20])('visits every CSV record as readBatch reads it (chunks of %i bytes)', async (chunkBytes) => {
    const file = writeTemp(`messy-${chunkBytes}.csv`, messyCsv(5));
    const expected = await readWhole(file, 'csv');
    const { records, header, calls } = await visited(file, 'csv', chunkBytes);
    expect(calls).toBe(1);
    expect(header).toEqual(['user_id', 'name', 'note']);
    expect(records).toHaveLength(301);
    expect(records).toEqual(expected);
    // The mix really holds every kind of record.
    expect(records.some((r) => 'error' in r && r.error.code === 'invalid_utf8')).toBe(true);
    expect(records.some((r) => 'error' in r && r.error.code === 'ragged_row')).toBe(true);
    expect(records.at(-1)).toMatchObject({ row: 301, cells: ['u-last', 'no', 'newline'] });
  });

  it.each([5, 1 << 20])('visits every NDJSON record, the first one included (chunks of %i bytes)', async (chunkBytes) => {
    const lines = Array.from({ length: 50 }, (_, i) => (i % 9 === 4 ? '{"user_id": oops}' : JSON.stringify({ user_id: `n${i}`, name: 'Zoë' })));
    const file = writeTemp(`lines-${chunkBytes}.ndjson`, `\n${lines.join('\n\n')}\n`);
    const expected = await readWhole(file, 'ndjson');
    const { records, header, calls } = await visited(file, 'ndjson', chunkBytes);
    expect(calls).toBe(1);
    expect(header).toBeUndefined();
    expect(records).toEqual(expected);
    expect(records[0]).toMatchObject({ row: 1, line: 2, value: { user_id: 'n0' } });
    expect(records.filter((r) => 'error' in r)).toHaveLength(6);
  });

  it('asks for the visitor once even when there is no data row', async () => {
    const { records, header, calls } = await visited(writeTemp('header-only.csv', 'user_id,email\n\n'), 'csv', 1 << 20);
    expect({ records, header, calls }).toEqual({ records: [], header: ['user_id', 'email'], calls: 1 });
  });

  it('stops the pass when the visitor factory throws (a mapping that does not fit the header)', async () => {
    const file = writeTemp('refused.csv', 'email\na@example.com\n');
    await expect(
      inspectSource(new LocalFileSource(file), {
        format: 'csv',
        records: () => {
          throw new Error('no identity column');
        },
      }),
    ).rejects.toThrow('no identity column');
  });
});
