import { describe, expect, it } from 'vitest';
import { LocalFileSource } from '../../../activities/source/byteSource';
import { inspectSource } from '../../../activities/source/inspect';
import { contentFreeJsonMessage } from '../../../activities/source/recordParsers';
import { planAll, readAll, writeTemp } from './support';

const lines = [
  '\uFEFF{"email":"a@x.com","tags":["x","y"],"profile":{"age":30,"nested":{"deep":[1,{"k":null}]}}}',
  '',
  '   \t',
  '{"email":"b@x.com","note":"two\\nlines","emoji":"😀"}',
  '{"email": "secret@x.com",}',
  '[1,2,3]',
  '"secret-string"',
  'null',
  'secret-token',
  '{"name":"Zoë" "x": 1}',
  '{"email":"c@x.com","n":-1.5e3,"ok":true}',
  '',
  '',
];
const content = Buffer.from(lines.join('\r\n'), 'utf8');

describe('NDJSON', async () => {
  const file = writeTemp('mixed.ndjson', content);
  const src = new LocalFileSource(file, { chunkBytes: 11 });
  const inspection = await inspectSource(src, { format: 'ndjson' });
  const { layout } = inspection;
  const offsetOfLine = (line: number) => Buffer.byteLength(lines.slice(0, line - 1).join('\r\n') + (line > 1 ? '\r\n' : ''));

  it('inspection: BOM, no header, rows and blank lines counted', () => {
    expect(layout).toMatchObject({ hasBom: true, dataStartByte: 3, dataStartLine: 1 });
    expect(layout.header).toBeUndefined();
    expect(layout.delimiter).toBeUndefined();
    expect(inspection.totalRows).toBe(9);
    expect(inspection.blankLines).toBe(3);
  });

  for (const batchSize of [1, 2, 4, 100]) {
    it(`yields every record in order, whatever the batch size (${batchSize})`, async () => {
      const records = await readAll(src, 'ndjson', layout, (await planAll(src, 'ndjson', layout, batchSize, 2)).batches);
      expect(records.map((r) => [r.row, r.line, r.byteOffset])).toEqual([
        [1, 1, 3],
        [2, 4, offsetOfLine(4)],
        [3, 5, offsetOfLine(5)],
        [4, 6, offsetOfLine(6)],
        [5, 7, offsetOfLine(7)],
        [6, 8, offsetOfLine(8)],
        [7, 9, offsetOfLine(9)],
        [8, 10, offsetOfLine(10)],
        [9, 11, offsetOfLine(11)],
      ]);
      expect(records[0]).toMatchObject({ value: { email: 'a@x.com', tags: ['x', 'y'], profile: { age: 30, nested: { deep: [1, { k: null }] } } } });
      expect(records[1]).toMatchObject({ value: { email: 'b@x.com', note: 'two\nlines', emoji: '😀' } });
      expect(records[8]).toMatchObject({ value: { email: 'c@x.com', n: -1500, ok: true } });
      const errors = records.map((r) => ('error' in r ? r.error : undefined));
      expect(errors.map((e) => e?.code)).toEqual([
        undefined,
        undefined,
        'invalid_json',
        'not_an_object',
        'not_an_object',
        'not_an_object',
        'invalid_json',
        'invalid_json',
        undefined,
      ]);
      expect(errors[3]?.reason).toBe('the line holds an array, not a JSON object');
      expect(errors[4]?.reason).toBe('the line holds a string, not a JSON object');
      expect(errors[5]?.reason).toBe('the line holds null, not a JSON object');
      for (const error of errors) {
        if (!error) continue;
        expect(error.reason).not.toMatch(/secret|Zoë|x\.com/);
      }
      // JSON's message is kept (without its snippet of the line), with the byte it points at.
      expect(errors[2]?.reason).toMatch(/^the line is not valid JSON: .*position 25/);
      expect(errors[2]?.byteOffset).toBe(offsetOfLine(5) + 25);
      expect(errors[6]?.reason).toBe('the line is not valid JSON: Unexpected token');
      // JSON counts UTF-16 units; "ë" is two bytes, so the byte offset is one more than the position.
      expect(errors[7]?.reason).toMatch(/position 14$/);
      expect(errors[7]?.byteOffset).toBe(offsetOfLine(10) + 15);
    });
  }
});

describe('contentFreeJsonMessage', () => {
  it.each([
    [`Unexpected token 'a', "alice@example.com" is not valid JSON`, undefined, 'Unexpected token'],
    [`Unexpected token a in JSON at position 4`, '4', 'Unexpected token in JSON at position 4'],
    [`Expected ',' or '}' after property value in JSON at position 6`, '6', `Expected ',' or '}' after property value in JSON at position 6`],
    [`"[object Object]" is not valid JSON`, undefined, 'not valid JSON'],
    [`Unexpected end of JSON input`, undefined, 'Unexpected end of JSON input'],
  ])('%s', (message, position, expected) => {
    expect(contentFreeJsonMessage(message, position)).toBe(expected);
  });
});
