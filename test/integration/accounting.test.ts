import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectSource, LocalFileSource, readBatch } from '../../activities/source';
import { CsvFieldSplitter } from '../../activities/source/csvFields';
import { startImport, waitForReport } from '../../client/imports';
import type { MappingInput } from '../../common/mapping';
import { ACCOUNTING_MAPPING, generateAccountingFile, INVALID_KINDS } from '../support/accountingFile';
import { startTestStack, type TestStack } from '../support/stack';

/**
 * The rejects file's rows (header first), read with the importer's own CSV reader. A record that
 * could not be parsed is kept there as one cell of text, so its line has fewer cells than the
 * header: split it anyway.
 */
async function readCsv(file: string): Promise<string[][]> {
  const src = new LocalFileSource(file);
  const { layout, totalRows } = await inspectSource(src, { format: 'csv' });
  const rows: string[][] = [layout.header ?? []];
  const whole = { index: 0, startByte: layout.dataStartByte, endByte: layout.fingerprint.size, firstRow: 1, firstLine: layout.dataStartLine, rowCount: totalRows };
  const splitter = new CsvFieldSplitter(',');
  for await (const record of readBatch(src, { format: 'csv', layout, batch: whole })) {
    if ('cells' in record) {
      rows.push(record.cells);
      continue;
    }
    if (!('error' in record)) throw new Error('the rejects file is CSV');
    splitter.use(record.raw);
    const cells = splitter.split(0, record.raw.length);
    if (!Array.isArray(cells)) throw new Error(`rejects file row ${record.row} does not parse: ${record.error.reason}`);
    rows.push(cells);
  }
  return rows;
}

async function importFile(stack: TestStack, name: string, content: string | Buffer, importId: string, mapping?: MappingInput) {
  await writeFile(path.join(stack.dataDir, name), content);
  const { importId: id } = await startImport(stack.client, { source: name, importId, mapping });
  return waitForReport(stack.client, id);
}

/**
 * Invariant 3 on a messy file: every row ends as exactly one of imported, rejected (in the rejects
 * file, with the column at fault) or skipped (superseded by a later row of its identity), and the
 * sandbox's store holds exactly the valid rows, normalised as the API requires.
 */
describe('accounting: 100,000 rows, 1% invalid in 14 ways, some identities repeated', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack.stop();
  });

  it('imported + rejected + skipped = 100,000; the rejects file holds exactly the invalid rows; the store exactly the valid ones', async () => {
    const generated = generateAccountingFile({ rows: 100_000, invalidShare: 0.01, duplicateShare: 0.005, seed: 2024 });
    const report = await importFile(stack, 'accounting.csv', generated.content, 'accounting', ACCOUNTING_MAPPING);

    expect(report.status).toBe('completed_with_rejections');
    expect(report.rows).toEqual({ total: 100_000, imported: 100_000 - 1_000 - generated.superseded, rejected: 1_000, skipped: generated.superseded, superseded: generated.superseded });
    expect(report.rows.imported + report.rows.rejected + report.rows.skipped).toBe(100_000);
    expect(generated.superseded).toBeGreaterThan(100);

    // The rejects file: exactly the invalid rows, in order, each naming the column at fault.
    const [header, ...rejected] = await readCsv(report.rejectsFile as string);
    expect(header?.slice(0, 4)).toEqual(['xp_import_row', 'xp_import_line', 'xp_import_column', 'xp_import_reason']);
    expect(rejected.map((cells) => Number(cells[0]))).toEqual([...generated.invalid.keys()]);
    const wrongColumn = rejected.filter((cells) => {
      const kind = generated.invalid.get(Number(cells[0]));
      return kind === undefined || cells[2] !== (INVALID_KINDS[kind].column ?? '');
    });
    expect(wrongColumn).toEqual([]);
    // Rows after the header are the original lines (the header is line 1), ready to fix and import again.
    expect(rejected.every((cells) => Number(cells[1]) === Number(cells[0]) + 1)).toBe(true);

    // The store: exactly the last row of every valid identity, normalised.
    const store = stack.sandbox.profiles();
    expect(store.size).toBe(generated.expectedStore.size);
    const mismatches: string[] = [];
    for (const [key, expected] of generated.expectedStore) {
      const stored = store.get(key);
      if (!isDeepStrictEqual(stored, expected)) {
        mismatches.push(key);
        if (mismatches.length >= 5) break;
      }
    }
    expect(mismatches).toEqual([]);
    // Spot checks of the normalised forms: E.164 digits without +, subscriptions 1/0, compact JSON strings.
    const sample = [...store.values()].find((p) => typeof p.mobile_number === 'string' && p.prefs !== undefined && p.vip !== undefined) as Record<string, unknown>;
    expect(sample.mobile_number).toMatch(/^35385\d{7}$/);
    expect([0, 1]).toContain(sample.sms_subscription);
    expect(typeof sample.prefs).toBe('string');
    expect(sample.prefs).not.toMatch(/\s/);
    expect(typeof sample.vip).toBe('boolean');
  });
});

/** Invariant 4's second half: a blank cell leaves the stored value alone unless the mapping clears it. */
describe('blank cells', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack.stop();
  });

  it('keeps a stored email when a row leaves it blank, and clears it with policy clear', async () => {
    const first = await importFile(stack, 'first.csv', 'user_id,email,email_subscription,first_name\nb1,x@example.com,1,Ann\n', 'blank-first');
    expect(first.status).toBe('completed');
    expect(stack.sandbox.profiles().get('user_id:b1')).toEqual({ user_id: 'b1', email: 'x@example.com', email_subscription: 1, first_name: 'Ann' });

    const blank = await importFile(stack, 'blank.csv', 'user_id,email,email_subscription,first_name\nb1,,,Anna\n', 'blank-leave');
    expect(blank.rows).toEqual({ total: 1, imported: 1, rejected: 0, skipped: 0, superseded: 0 });
    expect(stack.sandbox.profiles().get('user_id:b1')).toEqual({ user_id: 'b1', email: 'x@example.com', email_subscription: 1, first_name: 'Anna' });

    // A cleared email is still an email: Xtremepush wants its subscription with it.
    const clear = await importFile(stack, 'clear.csv', 'user_id,email,email_subscription,first_name\nb1,,0,\n', 'blank-clear', { columns: { email: { blank: 'clear' } } });
    expect(clear.rows).toEqual({ total: 1, imported: 1, rejected: 0, skipped: 0, superseded: 0 });
    expect(stack.sandbox.profiles().get('user_id:b1')).toEqual({ user_id: 'b1', email: '', email_subscription: 0, first_name: 'Anna' });
  });
});
