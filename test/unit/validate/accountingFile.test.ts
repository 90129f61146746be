import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateSource } from '../../../activities/validate';
import { ACCOUNTING_MAPPING, generateAccountingFile, INVALID_KINDS } from '../../support/accountingFile';

const folder = mkdtempSync(path.join(tmpdir(), 'xp-import-accounting-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** The generator of the accounting acceptance test, checked against `validate` (no Temporal needed). */
describe('the accounting file generator', () => {
  const options = { rows: 20_000, invalidShare: 0.01, duplicateShare: 0.005, seed: 17 };
  const generated = generateAccountingFile(options);

  it('is deterministic', () => {
    expect(generateAccountingFile(options).content.equals(generated.content)).toBe(true);
  });

  it('makes exactly the invalid rows it says, of every kind, and validate finds each one where it says', async () => {
    const file = path.join(folder, 'accounting.csv');
    writeFileSync(file, generated.content);
    const summary = await validateSource(file, { mapping: ACCOUNTING_MAPPING, maxErrors: 10_000 });
    expect(generated.invalid.size).toBe(200);
    expect(new Set(generated.invalid.values()).size).toBe(Object.keys(INVALID_KINDS).length);
    expect(summary.rows).toEqual({ total: 20_000, valid: 20_000 - 200 - generated.superseded, rejected: 200, duplicates: generated.superseded });
    expect(generated.superseded).toBeGreaterThan(50);
    expect(summary.firstErrors.map((e) => [e.row, e.code, e.column])).toEqual(
      [...generated.invalid].map(([row, kind]) => [row, kind, INVALID_KINDS[kind].column]),
    );
  });
});
