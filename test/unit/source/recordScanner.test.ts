import { isUtf8 } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { detectDelimiter } from '../../../activities/source/delimiter';
import { RecordScanner } from '../../../activities/source/recordScanner';
import { findInvalidUtf8 } from '../../../activities/source/utf8';
import { seededRandom } from './support';

type Found = Array<[start: number, contentEnd: number, end: number, line: number]>;

function scan(bytes: Buffer, format: 'csv' | 'ndjson', cuts: number[]): { found: Found; blankLines: number; open: unknown } {
  const found: Found = [];
  const scanner = new RecordScanner({ format, delimiter: ',', startByte: 0, startLine: 1 });
  const sink = {
    record(start: number, contentEnd: number, end: number, line: number) {
      found.push([start, contentEnd, end, line]);
      return true;
    },
  };
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    scanner.feed(bytes.subarray(from, cut), sink);
    from = cut;
  }
  const open = scanner.finish(sink);
  return { found, blankLines: scanner.blankLines, open };
}

describe('RecordScanner', () => {
  const csv = Buffer.from('a,b\r\n"x\r\ny","say ""hi"""\r\n\r\n\n5\'10",q\n"",""\n"tail"', 'utf8');

  it('finds records, their lines and content ends', () => {
    expect(scan(csv, 'csv', [])).toEqual({
      found: [
        [0, 3, 5, 1],
        [5, 24, 26, 2],
        [29, 36, 37, 6],
        [37, 42, 43, 7],
        [43, 49, 49, 8],
      ],
      blankLines: 2,
      open: undefined,
    });
  });

  it('gives the same answer however the bytes are cut into chunks', () => {
    const expected = scan(csv, 'csv', []);
    const random = seededRandom(42);
    for (let trial = 0; trial < 300; trial++) {
      const cuts: number[] = [];
      for (let at = 1; at < csv.length; at++) if (random() < 0.3) cuts.push(at);
      expect(scan(csv, 'csv', cuts)).toEqual(expected);
    }
    // Every single-byte cut, too.
    expect(scan(csv, 'csv', Array.from({ length: csv.length - 1 }, (_, i) => i + 1))).toEqual(expected);
  });

  it('reports where an unclosed quote opened', () => {
    const bytes = Buffer.from('a,b\n1,2\n3,"never closed\n4,5\n');
    expect(scan(bytes, 'csv', [13]).open).toEqual({ byteOffset: 10, line: 3 });
  });

  it('opens a quote only at the start of a field', () => {
    const bytes = Buffer.from('a,b\nx "y,z\nnext,row\n');
    expect(scan(bytes, 'csv', []).found.map((r) => r[3])).toEqual([1, 2, 3]);
  });

  it('NDJSON: every LF ends a record, whitespace-only lines are blank', () => {
    const bytes = Buffer.from('{"a":"x\\"y"}\n  \t\r\n\n{"b":1}\r\n   {"c":2}');
    const expected = {
      found: [
        [0, 12, 13, 1],
        [19, 26, 28, 4],
        [28, 38, 38, 5],
      ],
      blankLines: 2,
      open: undefined,
    };
    expect(scan(bytes, 'ndjson', [])).toEqual(expected);
    expect(scan(bytes, 'ndjson', Array.from({ length: bytes.length - 1 }, (_, i) => i + 1))).toEqual(expected);
  });

  it('stops when the sink says so', () => {
    const scanner = new RecordScanner({ format: 'csv', startByte: 0, startLine: 1 });
    let seen = 0;
    const more = scanner.feed(Buffer.from('1\n2\n3\n'), { record: () => ++seen < 2 });
    expect(more).toBe(false);
    expect(seen).toBe(2);
  });
});

describe('detectDelimiter', () => {
  it.each([
    ['a;b;c\n1,2;3', ';'],
    ['a\tb\tc\n', '\t'],
    ['a|b|c', '|'],
    ['a,b;c\n', ','],
    ['"x;y;z",b\n', ','],
    ['single\n', ','],
  ])('%j → %j', (header, delimiter) => {
    expect(detectDelimiter(Buffer.from(header), 0).delimiter).toBe(delimiter);
  });

  it('says whether the header line was complete', () => {
    expect(detectDelimiter(Buffer.from('a;b'), 0).complete).toBe(false);
    expect(detectDelimiter(Buffer.from('"a\nb";c\n'), 0)).toEqual({ delimiter: ';', complete: true });
  });
});

describe('findInvalidUtf8', () => {
  it.each([
    ['c0 80', 0],
    ['61 ed a0 80', 1],
    ['61 62 f4 90 80 80', 2],
    ['e2 82', 0],
    ['61 ff', 1],
    ['f0 9f 98 80 80', 4],
    ['c3 a9 e2 82 ac f0 9f 98 80', -1],
  ])('%s → %d', (hex, at) => {
    const bytes = Buffer.from(hex.replace(/ /g, ''), 'hex');
    expect(findInvalidUtf8(bytes, 0, bytes.length)).toBe(at);
  });

  it('agrees with buffer.isUtf8 on random bytes', () => {
    const random = seededRandom(7);
    const alphabet = [0x41, 0x7f, 0x80, 0xbf, 0xc2, 0xdf, 0xe0, 0xa0, 0xed, 0x9f, 0xef, 0xf0, 0x90, 0xf4, 0x8f, 0xf5, 0xff];
    for (let trial = 0; trial < 3000; trial++) {
      const bytes = Buffer.from(Array.from({ length: 1 + Math.floor(random() * 8) }, () => alphabet[Math.floor(random() * alphabet.length)] ?? 0));
      const at = findInvalidUtf8(bytes, 0, bytes.length);
      expect(at === -1, bytes.toString('hex')).toBe(isUtf8(bytes));
      if (at !== -1) expect(isUtf8(bytes.subarray(0, at))).toBe(true);
    }
  });
});
