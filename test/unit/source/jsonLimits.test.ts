import { describe, expect, it } from 'vitest';
import { firstInexactJsonNumber, isExactNumber, MAX_JSON_DEPTH } from '../../../activities/source/jsonLimits';
import { ndjsonRecordParser } from '../../../activities/source/recordParsers';

describe('isExactNumber: a literal a double reads back as the same decimal value', () => {
  it.each(['0', '-0', '42', '-3.5', '1.50', '0.1', '1e3', '1E+3', '2.5e-7', '9007199254740991', '1234567890.12345000', '1e21', '0.000000000000000000001'])('%s is exact', (text) => {
    expect(isExactNumber(text)).toBe(true);
  });
  it.each(['12345678901234567890', '9007199254740993', '123456789012345.6789', '1e999', '-1e999', '1e-400', '0.1000000000000000055511151231257827'])('%s is not', (text) => {
    expect(isExactNumber(text)).toBe(false);
  });
});

describe('firstInexactJsonNumber finds the first number JSON.parse would change, outside strings', () => {
  it('passes lines whose numbers are exact, and digits inside strings', () => {
    for (const line of ['{"user_id":"u1","points":42,"ratio":0.25}', '{"card":"12345678901234567890","note":"1e999"}', '{"esc":"a\\"12345678901234567890\\"","n":[1,2.5e-3]}']) {
      expect(firstInexactJsonNumber(line), line).toBe(-1);
    }
  });
  it('gives where the first inexact number starts, nested or not', () => {
    const line = '{"a":"x","b":[1,{"c":12345678901234567890}],"d":1e999}';
    expect(firstInexactJsonNumber(line)).toBe(line.indexOf('12345'));
    expect(firstInexactJsonNumber('{"user_id":-1e999}')).toBe(11);
  });
  it('counts the digits on both sides of the point (before: only 16 in a row, so these were rounded and sent)', () => {
    expect(firstInexactJsonNumber('{"user_id":"inx1","score":12345678.123456789}')).toBe(26);
    expect(firstInexactJsonNumber('{"user_id":100000000.000000001,"name":"first"}')).toBe(11);
    expect(firstInexactJsonNumber('{"p":{"last_seen":1700000000.123456789}}')).toBe(18);
    // As many digits, exact: still passed.
    for (const line of ['{"a":1234567890.123456}', '{"a":0.0000000000000001}', '{"v":"1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16"}']) {
      expect(firstInexactJsonNumber(line), line).toBe(-1);
    }
  });
});

describe('an NDJSON line holding an inexact number is refused, with where it is and what to do, not its value', () => {
  it.each([
    ['{"user_id":12345678901234567890,"name":"first"}', 11],
    ['{"user_id":"u10","account":9007199254740993}', 27],
    ['{"user_id":"i1","n":1e999}', 20],
    ['{"user_id":"é","tags":[1e-400]}', 24],
  ])('%s', (line, byte) => {
    const parser = ndjsonRecordParser();
    parser.use(line);
    const record = parser.parse(0, line.length, 100, 3, 4);
    expect('error' in record && record.error).toEqual({
      code: 'inexact_number',
      reason: `the number at byte ${100 + byte} cannot be read exactly (more significant digits than 15, or too large or too small); write it as a string ("...") to keep every digit`,
      byteOffset: 100 + byte,
    });
  });
});

describe('an NDJSON line nested deeper than MAX_JSON_DEPTH is refused before anything serialises it', () => {
  const nested = (depth: number) => `{"user_id":"d","p":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`;
  const parse = (line: string) => {
    const parser = ndjsonRecordParser();
    parser.use(line);
    return parser.parse(0, line.length, 0, 1, 1);
  };
  it('accepts exactly MAX_JSON_DEPTH levels, refuses one more, and one of 100,000', () => {
    expect('value' in parse(nested(MAX_JSON_DEPTH))).toBe(true);
    for (const depth of [MAX_JSON_DEPTH + 1, 100_000]) {
      const record = parse(nested(depth));
      expect('error' in record && record.error.code).toBe('nested_too_deep');
    }
  });
});
