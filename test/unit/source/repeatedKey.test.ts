import { describe, expect, it } from 'vitest';
import { ndjsonRecordParser } from '../../../activities/source/recordParsers';
import { repeatedTopLevelKey } from '../../../activities/source/repeatedKey';

const parse = (line: string, byteOffset = 0) => {
  const parser = ndjsonRecordParser();
  parser.use(line);
  return parser.parse(0, line.length, byteOffset, 7, 9);
};
const keptKeys = (line: string) => Object.keys(JSON.parse(line) as object).length;

describe('repeatedTopLevelKey finds a key the line writes twice in its object', () => {
  it.each([
    '{"user_id":"u1","tier":"gold"}',
    '{"user_id":"u1","at":"2023-12-13 11:36:00","note":"a:b:c"}',
    '{"user_id":"u1","p":{"user_id":"x","p":1},"q":[{"p":2},{"p":3}]}',
    '{"user_id":"u1","say":"\\"tier\\":1","tier":2}',
    '{ "user_id" : "u1" , "tier" : "gold" }',
  ])('none in %s', (line) => {
    expect(repeatedTopLevelKey(line, keptKeys(line))).toBeUndefined();
    expect('value' in parse(line)).toBe(true);
  });

  it.each([
    ['{"user_id":"u1","tier":"gold","tier":"silver"}', 'tier', 30],
    ['{"user_id":"u1","p":{"tier":1},"tier":2,"tier":3}', 'tier', 40],
    ['{"a":1,"\\u0061":2,"user_id":"u1"}', 'a', 7],
    ['{ "user_id" : "u1" ,\t"user_id" : "u2" }', 'user_id', 21],
  ])('%s repeats %s', (line, key, at) => {
    expect(repeatedTopLevelKey(line, keptKeys(line))).toEqual({ key, at });
  });

  it('refuses the line with the key, its byte offset in the file, and what to do; the line is kept whole', () => {
    const line = '{"name":"Zoë","tier":"gold","tier":"silver","user_id":"u1"}';
    const record = parse(line, 1_000);
    // "ë" takes two bytes: the offset counts bytes, not characters.
    const byteOffset = 1_000 + line.lastIndexOf('"tier"') + 1;
    expect(record).toEqual({
      row: 7,
      line: 9,
      byteOffset: 1_000,
      raw: line,
      error: {
        code: 'repeated_key',
        reason: `the key "tier" at byte ${byteOffset} is written twice in the line's object, and only one value can be sent; keep the one you mean`,
        column: 'tier',
        byteOffset,
      },
    });
  });
});
