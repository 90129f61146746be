import { describe, expect, it } from 'vitest';
import type { Delimiter, SourceFormat } from '../../../common/source';
import { LocalFileSource } from '../../../activities/source/byteSource';
import { MAX_BYTES_PER_ROW, SourceFormatError, type SourceFormatErrorCode } from '../../../activities/source/errors';
import { inspectSource, MAX_HEADER_BYTES } from '../../../activities/source/inspect';
import { planAll, writeTemp } from './support';
import { rejectionOf } from '../../support/rejection';

let fileNumber = 0;

/** Small chunks by default, so that every check also runs on bytes that straddle chunks. */
async function inspectionError(content: string | Buffer, format: SourceFormat = 'csv', delimiter?: Delimiter, chunkBytes = 3): Promise<SourceFormatError> {
  const file = writeTemp(`format-${fileNumber++}.${format}`, content);
  const error = await rejectionOf(inspectSource(new LocalFileSource(file, { chunkBytes }), { format, delimiter }));
  if (!(error instanceof SourceFormatError)) throw new Error(`expected a SourceFormatError, got ${String(error)}`);
  expect(error.retryable).toBe(false);
  expect(error.name).toBe('SourceFormatError');
  expect(error.message).toContain(file);
  return error;
}

function expectError(error: SourceFormatError, code: SourceFormatErrorCode, position: { line?: number; byteOffset?: number }, secrets: string[] = []): void {
  expect(error.code).toBe(code);
  expect(error.position).toMatchObject(position);
  if (position.line !== undefined) expect(error.message).toContain(`line ${position.line}`);
  if (position.byteOffset !== undefined && position.byteOffset > 0) expect(error.message).toContain(`byte ${position.byteOffset}`);
  // The file's own path (a random temporary folder name, which may hold such letters) is not what the line holds.
  const told = error.message.replace(/^.*?\.(csv|ndjson): /, '');
  for (const secret of secrets) expect(told).not.toContain(secret);
}

describe('SourceFormatError', () => {
  it('an empty file', async () => {
    const error = await inspectionError('');
    expect(error.code).toBe('empty');
    expect(error.message).toMatch(/empty \(0 bytes\)/);
  });

  it('a file that holds only a BOM', async () => {
    const error = await inspectionError(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(error.code).toBe('bom_only');
  });

  it('a blank first line instead of a header', async () => {
    expectError(await inspectionError('\nemail,name\nalice@example.com,Alice\n'), 'header_missing', { line: 1 });
  });

  it.each([
    ['cust-991,alice.murphy@example.com,1,+353851234567\n', 2, 'an email address'],
    ['u1;Ann;+353 85 123 4567\nu2;Bob;+353 85 765 4321\n', 3, 'a phone number'],
    ['u1,353851234567,1\n', 2, 'a phone number'],
  ])('a file without a header is refused without quoting its first row: %j', async (content, column, what) => {
    const error = await inspectionError(content, 'csv', content.includes(';') ? ';' : ',');
    expectError(error, 'header_missing', { line: 1 }, ['alice', 'cust-991', '353', 'Ann', '123']);
    expect(error.message).toContain(`column ${column} holds ${what}`);
  });

  it('column names that merely mention email or phone are a header', async () => {
    const file = writeTemp(`format-${fileNumber++}.csv`, 'user_id,Email Address,Phone (mobile),2024\nu1,a@example.com,+353851234567,x\n');
    const inspection = await inspectSource(new LocalFileSource(file), { format: 'csv' });
    expect(inspection.layout.header).toEqual(['user_id', 'Email Address', 'Phone (mobile)', '2024']);
  });

  it('a file of blank lines only', async () => {
    expect((await inspectionError('\r\n\n')).code).toBe('header_missing');
  });

  it('a duplicate column name names both columns', async () => {
    const error = await inspectionError('email,name,email\nalice@example.com,Alice,x\n');
    expectError(error, 'header_duplicate_name', { line: 1 }, ['alice', 'Alice']);
    expect(error.message).toContain('"email" twice (columns 1 and 3)');
  });

  it.each([
    ['email,,name\n', 2],
    ['email,name,\n', 3],
    ['email,  \n', 2],
  ])('an empty column name in %j', async (content, column) => {
    const error = await inspectionError(content);
    expectError(error, 'header_empty_name', { line: 1 });
    expect(error.message).toContain(`column ${column} `);
  });

  it('a quote opened in the data and never closed names its line and byte, not the cell', async () => {
    const content = 'email,name\nalice@example.com,"Alice Secret\nbob@example.com,Bob\n';
    const error = await inspectionError(content);
    expectError(error, 'unclosed_quote', { line: 2, byteOffset: 29 }, ['alice', 'Alice', 'Secret', 'bob']);
  });

  it('a stray pair of quotes thousands of lines apart stops the file at the row it starts in', async () => {
    const rows = Array.from({ length: 3_000 }, (_, i) => `u${i},Person${i}`);
    rows[10] = 'u10,"Stray Secret';
    rows[2_500] = 'u2500,Closer"';
    const content = `user_id,name\n${rows.join('\n')}\n`;
    const byteOffset = Buffer.byteLength(`user_id,name\n${rows.slice(0, 10).join('\n')}\n`);
    // In one chunk the row is seen whole; in small ones the pass stops while the quote is open.
    for (const [chunkBytes, span] of [[1 << 20, 'spans 2,491 lines'], [3, 'spans more than 1,001 lines']] as const) {
      const error = await inspectionError(content, 'csv', undefined, chunkBytes);
      expectError(error, 'row_too_many_lines', { line: 12, byteOffset }, ['Stray', 'Secret', 'Closer', 'Person']);
      expect(error.message).toContain(`${span}, because a quoted cell in it holds their line breaks; a row may span 1,000.`);
      expect(error.message).toContain('a stray quote. Remove it, or double it ("") if it is part of the value.');
    }
  });

  it('a row of 1,000 lines is read as one; an open quote past that stops the pass before the end', async () => {
    const cell = Array.from({ length: 999 }, (_, i) => `line ${i}`).join('\n');
    const fits = writeTemp(`format-${fileNumber++}.csv`, `user_id,note\nu1,"${cell}"\nu2,short\n`);
    const inspected = await inspectSource(new LocalFileSource(fits, { chunkBytes: 64 }), { format: 'csv' });
    expect(inspected.totalRows).toBe(2);

    const endless = `user_id,note\nu1,"open\n${Array.from({ length: 50_000 }, (_, i) => `u${i},x`).join('\n')}\n`;
    const error = await inspectionError(endless, 'csv', undefined, 4_096);
    expectError(error, 'row_too_many_lines', { line: 2, byteOffset: 13 });
    // Told while the quote is still open, a few chunks in: not `unclosed_quote` at the end of the file.
    expect(error.message).toMatch(/spans more than 1,\d{3} lines/);
  });

  it('a row of 16 MiB is read; a byte more stops the file at that row, without quoting it', async () => {
    const head = 'user_id,note\nu1,short\n';
    const at = (cellBytes: number) => `${head}u2,${'Secret'.repeat(Math.ceil(cellBytes / 6)).slice(0, cellBytes)}\nu3,after\n`;
    const fits = writeTemp(`format-${fileNumber++}.csv`, at(MAX_BYTES_PER_ROW - 3));
    expect((await inspectSource(new LocalFileSource(fits, { chunkBytes: 32 << 20 }), { format: 'csv' })).totalRows).toBe(3);

    // In one chunk the row is seen whole, with its size.
    const whole = await inspectionError(at(MAX_BYTES_PER_ROW - 2), 'csv', undefined, 32 << 20);
    expectError(whole, 'row_too_large', { line: 3, byteOffset: Buffer.byteLength(head) }, ['Secret']);
    expect(whole.message).toContain('holds 16,777,217 bytes; a row may hold 16,777,216. No profile attribute is that long');
    expect(whole.message).toContain('Fix or remove that row.');
  });

  it('a row with no end in sight stops the pass once it passes 16 MiB, before it is held whole (CSV and NDJSON)', async () => {
    const endless = 'x'.repeat(MAX_BYTES_PER_ROW + (8 << 20));
    const csv = await inspectionError(`user_id,note\nu1,${endless}\n`, 'csv', undefined, 64 << 10);
    expectError(csv, 'row_too_large', { line: 2, byteOffset: 13 });
    // Told a chunk past the limit, not at the row's end 8 MiB on.
    const told = Number(/holds more than ([\d,]+) bytes/.exec(csv.message)?.[1]?.replace(/,/g, ''));
    expect(told).toBeGreaterThan(MAX_BYTES_PER_ROW);
    expect(told).toBeLessThanOrEqual(MAX_BYTES_PER_ROW + (64 << 10));

    const ndjson = await inspectionError(`{"user_id":"u1"}\n{"user_id":"u2","note":"${endless}"}\n`, 'ndjson', undefined, 64 << 10);
    expectError(ndjson, 'row_too_large', { line: 2, byteOffset: 17 });
  });

  it('a quote opened in the header and never closed', async () => {
    expectError(await inspectionError('email,"name\nx,y\n'), 'unclosed_quote', { line: 1, byteOffset: 6 });
  });

  it('text after a closing quote in the header', async () => {
    expectError(await inspectionError('"email"x,name\n'), 'header_malformed', { line: 1, byteOffset: 7 });
  });

  it.each([
    ['an NDJSON file', '{"user_id":"u1","email":"alice@example.com"}\n{"user_id":"u2"}\n'],
    ['a JSON array', '[{"user_id":"u1","name":"Alice"}]\n'],
  ])('%s read as CSV: it says so, and how to read it as NDJSON, never what the line holds', async (_what, text) => {
    const error = await inspectionError(text);
    expectError(error, 'header_malformed', { line: 1, byteOffset: 0 }, ['u1', 'alice', 'Alice']);
    expect(error.message).toMatch(/is this an NDJSON file .*--format ndjson/);
  });

  it.each([
    ['sep=;', 'sep=;\r\nuser_id;email\r\nu1;alice@example.com\r\n', ';', undefined],
    ['sep=,', '"sep=,"\nuser_id,email\n', ',', undefined],
    ['sep=; with --delimiter ;', 'sep=;\nuser_id;email\n', ';', ';' as const],
  ])('Excel\'s %s line above the header: it says to delete that line, not that a column has no name', async (_what, text, sep, delimiter) => {
    const error = await inspectionError(text, 'csv', delimiter);
    expectError(error, 'header_malformed', { line: 1, byteOffset: 0 }, ['alice']);
    expect(error.message).toContain(`line 1 is "sep=${sep}", Excel's hint of the delimiter, not the header line. Delete that line`);
  });

  it('a delimiter given that the header does not use: it names the one it does use, not a column named like the whole line', async () => {
    const error = await inspectionError('user_id,email,first_name\nu1,alice@example.com,Alice\n', 'csv', ';');
    expectError(error, 'header_malformed', { line: 1 }, ['alice']);
    expect(error.message).toContain('the header (line 1) read with the delimiter ";" is one column with "," in it: the file seems to be ","-separated. Pass --delimiter \',\' (quoted: ; and | end a shell command), or leave --delimiter out to detect it.');
    const tabs = await inspectionError('user_id\temail\nu1\ta@example.com\n', 'csv', ',');
    expect(tabs.message).toContain('is one column with tab in it');
  });

  it('classic Mac (CR only) line endings', async () => {
    const error = await inspectionError('email,name\ralice@example.com,Alice\r');
    expectError(error, 'header_malformed', { line: 1, byteOffset: 10 }, ['alice', 'Alice']);
    expect(error.message).toMatch(/CR only/);
  });

  it('a header that is not UTF-8', async () => {
    expectError(await inspectionError(Buffer.concat([Buffer.from('em'), Buffer.from([0xff]), Buffer.from('ail,name\n')])), 'not_utf8', {
      line: 1,
      byteOffset: 2,
    });
  });

  it.each([
    ['gzip', Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00]), /gzip/],
    ['xlsx', Buffer.from('PK\x03\x04rest of a zip', 'latin1'), /ZIP archive/],
    ['UTF-16 with BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('email,name\n', 'utf16le')]), /UTF-16/],
    ['UTF-16 without BOM', Buffer.from('email,name\n', 'utf16le'), /NUL byte/],
  ])('a file that is not text: %s', async (_name, content, message) => {
    const error = await inspectionError(content);
    expect(error.code).toBe('not_text');
    expect(error.message).toMatch(message);
  });

  it('a header line that never ends', async () => {
    const error = await inspectionError('a'.repeat(MAX_HEADER_BYTES + 10), 'csv', undefined, 64 * 1024);
    expect(error.code).toBe('header_too_long');
  });

  it('a header whose quote stays open past the limit names the quote', async () => {
    const error = await inspectionError(`id,"${'x'.repeat(MAX_HEADER_BYTES)}\n1,2\n`, 'csv', ',', 64 * 1024);
    expectError(error, 'header_too_long', { line: 1, byteOffset: 3 });
  });

  it.each([
    ['a pretty-printed array', '[\n  {"email": "alice@example.com"}\n]\n'],
    ['a pretty-printed object', '{\n  "email": "alice@example.com"\n}\n'],
    ['an array over several lines', '[{"email": "alice@example.com"},\n{"email": "bob@example.com"}]\n'],
    ['a whole array on one line (a minified export)', '[{"email": "alice@example.com"},{"email": "bob@example.com"}]\n'],
    ['a one-line array after blank lines, with no line ending', '\n\n[{"email": "alice@example.com"}]'],
  ])('NDJSON that is %s', async (_name, content) => {
    const error = await inspectionError(content, 'ndjson');
    expectError(error, 'not_ndjson', { line: content.startsWith('\n') ? 3 : 1 }, ['alice', 'bob']);
    expect(error.message).toContain('this looks like a JSON document, not NDJSON. NDJSON needs one JSON object per line.');
  });

  it('NDJSON whose first line is an array of more than a megabyte is told so before the line ends', async () => {
    const profiles = Array.from({ length: 40_000 }, (_, i) => `{"user_id":"u${i}","email":"person${i}@example.com"}`);
    const error = await inspectionError(`[${profiles.join(',')}]\n`, 'ndjson', undefined, 64 << 10);
    expectError(error, 'not_ndjson', { line: 1, byteOffset: 0 }, ['person', 'u1']);
    expect(error.message).toContain('line 1 opens a JSON array longer than a megabyte');
  });
});

describe('valid edge cases', () => {
  it.each([
    ['with a newline', 'email,name\n'],
    ['without a newline', 'email,name'],
    ['with CRLF, BOM and trailing blank lines', '\uFEFFemail,name\r\n\r\n\r\n'],
  ])('a header-only CSV (%s) has 0 rows and no batches', async (_name, content) => {
    const src = new LocalFileSource(writeTemp(`header-only-${fileNumber++}.csv`, content));
    const inspection = await inspectSource(src, { format: 'csv' });
    expect(inspection.totalRows).toBe(0);
    expect(inspection.layout.header).toEqual(['email', 'name']);
    expect((await planAll(src, 'csv', inspection.layout, 10, 10)).batches).toEqual([]);
  });

  it('a BOM is stripped but byte offsets stay file offsets', async () => {
    const src = new LocalFileSource(writeTemp('bom.csv', '\uFEFFemail\nx\n'));
    const { layout } = await inspectSource(src, { format: 'csv' });
    expect(layout).toMatchObject({ hasBom: true, header: ['email'], dataStartByte: 9, dataStartLine: 2 });
  });

  it('a delimiter given by the caller wins over detection', async () => {
    const src = new LocalFileSource(writeTemp('given.csv', 'a;b,c\n1;2,3\n'));
    expect((await inspectSource(src, { format: 'csv', delimiter: ',' })).layout.header).toEqual(['a;b', 'c']);
    expect((await inspectSource(src, { format: 'csv' })).layout.header).toEqual(['a;b', 'c']);
    expect((await inspectSource(src, { format: 'csv', delimiter: ';' })).layout.header).toEqual(['a', 'b,c']);
  });
});
