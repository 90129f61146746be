import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileMapping } from '../../../activities/rows';
import { validateSource } from '../../../activities/validate';
import { plainNumberText } from '../../../common/numberText';

const folder = mkdtempSync(path.join(tmpdir(), 'xp-import-number-ids-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('a number as an identity', () => {
  it.each([
    [1e21, '1000000000000000000000'],
    [1.234e21, '1234000000000000000000'],
    [-2.5e22, '-25000000000000000000000'],
    [1e-7, '0.0000001'],
    [1.5e-7, '0.00000015'],
    [-1.25e-10, '-0.000000000125'],
    [123, '123'],
    [0.5, '0.5'],
    [-0, '0'],
  ])('%d is written %s, never in exponent form', (value, text) => {
    expect(plainNumberText(value)).toBe(text);
    expect(Number(plainNumberText(value))).toBe(value === 0 ? 0 : value);
  });

  it('is sent with its digits from an NDJSON line (before: "1e+21")', () => {
    const outcome = compileMapping({ format: 'ndjson' }).map({ row: 1, line: 1, byteOffset: 0, value: { user_id: 1e21 } });
    expect(outcome).toMatchObject({ ok: true, identity: 'user_id:1000000000000000000000' });
  });

  // The identity index and the rows sent read a number the same way: the last row of the profile wins.
  it('is one profile with the same digits written as a string', async () => {
    const file = path.join(folder, 'ids.ndjson');
    writeFileSync(file, '{"user_id":0.0000001,"first_name":"Old"}\n{"user_id":"0.0000001","first_name":"New"}\n');
    const summary = await validateSource(file);
    expect(summary.rows).toEqual({ total: 2, valid: 1, rejected: 0, duplicates: 1 });
  });

  it('in a string column is sent with its digits too, as an identity is (before: "1e+21" and "1e-7", JavaScript\'s forms)', () => {
    const mapping = compileMapping({ format: 'ndjson', mapping: { columns: { label: { type: 'string' }, tiny: { type: 'string' }, code: { type: 'string' } } } });
    const outcome = mapping.map({ row: 1, line: 1, byteOffset: 0, value: { user_id: 'ps1', label: 1e21, tiny: 1e-7, code: 1.5 } });
    if (!outcome.ok) throw new Error(outcome.issue.reason);
    expect(Object.fromEntries(outcome.values)).toEqual({ user_id: 'ps1', label: '1000000000000000000000', tiny: '0.0000001', code: '1.5' });
  });
});
