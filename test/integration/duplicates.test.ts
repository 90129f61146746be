import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startImport, waitForReport } from '../../client/imports';
import { completedActivities } from '../support/history';
import { startTestStack, type TestStack } from '../support/stack';

const ROWS = 1_600;
const BATCH_SIZE = 100;
const RUNS = 20;

/**
 * Identities that appear more than once, at these rows (1-based; batches of 100): in the first
 * and the last batch, in the first, a middle and the last, twice inside the first batch, and at
 * the end of the first batch and in the last.
 */
const DUPLICATES: Record<string, number[]> = {
  'dup-a': [1, 1_600],
  'dup-b': [2, 750, 1_599],
  'dup-c': [50, 60],
  'dup-d': [99, 1_501],
};
const SUPERSEDED = Object.values(DUPLICATES).reduce((n, rows) => n + rows.length - 1, 0);

function identityAt(row: number): string {
  for (const [identity, rows] of Object.entries(DUPLICATES)) if (rows.includes(row)) return identity;
  return `u${row}`;
}

/** Every row's values name the run and the row, so the store shows which row won. */
function fileFor(run: number): string {
  const lines = ['user_id,first_name,city'];
  for (let row = 1; row <= ROWS; row++) lines.push(`${identityAt(row)},name-${run}-${row},city-${row % 7}`);
  return `${lines.join('\n')}\n`;
}

/** A file of `rows` data rows under `header`: `plain(row)` for each, but where `at` says another line. */
function linesOf(header: string, rows: number, at: Record<number, string>, plain: (row: number) => string): string[] {
  return [header, ...Array.from({ length: rows }, (_, i) => at[i + 1] ?? plain(i + 1))];
}

/** Imports run in lanes of their own (worker, sandbox, task queue), side by side, to keep the test short. */
const LANES = 4;

/**
 * Invariant 4: when an identity appears more than once, the last row wins whatever order batches
 * finish in. The sandbox answers after a random 0-80 ms (seeded differently for every run), so
 * batches and their tasks complete in a different order each time; 16 batches run 8 at a time.
 */
describe('duplicate identities across batches: the last row wins', () => {
  const stacks: TestStack[] = [];
  beforeAll(async () => {
    // Tasks finish 10 ms after their request: a run's time goes into the race, not into polling.
    for (let lane = 0; lane < LANES; lane++) stacks.push(await startTestStack({ sandbox: { taskTiming: { queuedMs: 0, processingMs: 10 } } }));
  });
  afterAll(async () => {
    await Promise.all(stacks.map((stack) => stack.stop()));
  });

  async function importAndCheck(stack: TestStack, run: number): Promise<void> {
    stack.sandbox.reset();
    stack.sandbox.configure({ latencyMs: [0, 80], seed: 100 + run });
    const source = `dups-${run}.csv`;
    await writeFile(path.join(stack.dataDir, source), fileFor(run));
    const { importId } = await startImport(stack.client, { source, importId: `dups-${run}`, batchSize: BATCH_SIZE, concurrency: 8 });
    const report = await waitForReport(stack.client, importId);

    expect(report.status).toBe('completed');
    expect(report.batches.total).toBe(16);
    expect(report.rows).toEqual({ total: ROWS, imported: ROWS - SUPERSEDED, rejected: 0, skipped: SUPERSEDED, superseded: SUPERSEDED });
    const store = stack.sandbox.profiles();
    expect(store.size).toBe(ROWS - SUPERSEDED);
    for (const [identity, rows] of Object.entries(DUPLICATES)) {
      const row = rows.at(-1) as number;
      expect(store.get(`user_id:${identity}`), `${identity} in run ${run}`).toEqual({ user_id: identity, first_name: `name-${run}-${row}`, city: `city-${row % 7}` });
    }
    // The superseded rows were never sent: the API received each profile once.
    const received = stack.sandbox.requestLog().filter((r) => r.method === 'import/profile').reduce((n, r) => n + r.rows, 0);
    expect(received).toBe(ROWS - SUPERSEDED);
  }

  it(`holds the last row's values after each of ${RUNS} imports (16 batches, concurrency 8)`, async () => {
    await Promise.all(
      stacks.map(async (stack, lane) => {
        for (let run = lane; run < RUNS; run += LANES) await importAndCheck(stack, run);
      }),
    );
  });

  it('reports the superseded rows from the inspection, which wrote them to the report folder', async () => {
    const stack = stacks[0] as TestStack;
    const history = await stack.client.client.workflow.getHandle('dups-0').fetchHistory();
    const [inspection] = completedActivities(history.events ?? [], 'inspectSource');
    expect(inspection?.result).toMatchObject({ totalRows: ROWS, supersededRows: SUPERSEDED });
    expect(existsSync(path.join(stack.reportDir, 'dups-0', 'superseded.bin'))).toBe(true);
  });

  it('says in the reason of a ragged row whose user_id, as read, a later row has that fixing it would bring back older values', async () => {
    const stack = stacks[1] as TestStack;
    stack.sandbox.reset();
    const at = {
      // Row 2: u-late's older values, ragged (a comma in the name), before its row 250.
      2: 'u-late,Smith, Ann,old city',
      250: 'u-late,Ann,new city',
      // Row 260: u-early's, ragged, after its only readable row (10): the last row, so no warning.
      10: 'u-early,Bo,city',
      260: 'u-early,Bo',
      // Row 270: ragged, no other row of it.
      270: 'u-alone,Cy,city,extra',
    };
    const lines = linesOf('user_id,first_name,city', 300, at, (row) => `u${row},name-${row},city`);
    await writeFile(path.join(stack.dataDir, 'ragged-later.csv'), `${lines.join('\n')}\n`);
    const { importId } = await startImport(stack.client, { source: 'ragged-later.csv', importId: 'ragged-later', batchSize: 100, concurrency: 4 });
    const report = await waitForReport(stack.client, importId);

    expect(report.rows).toEqual({ total: 300, imported: 297, rejected: 3, skipped: 0, superseded: 0 });
    expect(stack.sandbox.profiles().get('user_id:u-late')).toEqual({ user_id: 'u-late', first_name: 'Ann', city: 'new city' });
    const rejects = (await readFile(path.join(stack.reportDir, importId, 'rejects.csv'), 'utf8')).split(/\r?\n/);
    const reasonOf = (row: number) => rejects.find((line) => line.startsWith(`${row},`)) ?? '';
    const warning = 'a later row has the user_id this row reads as';
    expect(reasonOf(2)).toMatch(/^2,3,,"[^"]*fields[^"]*; a later row has the user_id this row reads as: if that is this row's user_id, leave this row out when you import the fixed rows, or its older values win",u-late,Smith, Ann,old city$/);
    expect(reasonOf(260)).not.toContain(warning);
    expect(reasonOf(270)).not.toContain(warning);
    expect(reasonOf(260)).not.toBe('');
    expect(reasonOf(270)).not.toBe('');
    expect(existsSync(path.join(stack.reportDir, importId, 'superseded-unreadable.bin'))).toBe(true);
  });

  it('keeps the warning when the rejects file, in the source\'s own dialect, is imported again and the row is rejected again', async () => {
    const stack = stacks[2] as TestStack;
    stack.sandbox.reset();
    const lines = linesOf('user_id;first_name;city', 150, { 2: 'u-late;Smith; Ann;old city', 140: 'u-late;Ann;new city' }, (row) => `u${row};name-${row};city`);
    // A semicolon export with a byte order mark, as Excel writes them in many locales.
    await writeFile(path.join(stack.dataDir, 'ragged-eu.csv'), `\uFEFF${lines.join('\r\n')}\r\n`);
    const first = await waitForReport(stack.client, (await startImport(stack.client, { source: 'ragged-eu.csv', importId: 'ragged-eu', batchSize: 100 })).importId);
    expect(first.rows).toMatchObject({ total: 150, imported: 149, rejected: 1 });
    const rejects = await readFile(first.rejectsFile as string, 'utf8');
    expect(rejects.startsWith('\uFEFFxp_import_row;xp_import_line;xp_import_column;xp_import_reason;user_id;first_name;city\r\n')).toBe(true);
    expect(rejects).toContain('a later row has the user_id this row reads as');

    // The operator imports the rejects file as it is (fixing other rows first, say): the row is rejected again.
    await writeFile(path.join(stack.dataDir, 'ragged-eu-round-2.csv'), rejects);
    const second = await waitForReport(stack.client, (await startImport(stack.client, { source: 'ragged-eu-round-2.csv', importId: 'ragged-eu-2', batchSize: 100 })).importId);
    expect(second.rows).toMatchObject({ total: 1, imported: 0, rejected: 1 });
    const again = (await readFile(second.rejectsFile as string, 'utf8')).split(/\r?\n/);
    expect(again[0]).toBe('\uFEFFxp_import_row;xp_import_line;xp_import_column;xp_import_reason;user_id;first_name;city');
    expect(again[1]).toMatch(/^1;2;;"[^"]*; the rejects file this row came from said that a later row has the identity this row read as there: [^"]*";u-late;Smith; Ann;old city$/);
    expect(stack.sandbox.profiles().get('user_id:u-late')).toEqual({ user_id: 'u-late', first_name: 'Ann', city: 'new city' });
  });

  it('says in the reason of a rejected last row that the earlier rows of its profile were left out for it', async () => {
    const stack = stacks[3] as TestStack;
    stack.sandbox.reset();
    // u-fix: a valid row 10, then its last row 50 with a bad email; u-alone: a bad email, no other row.
    const at = { 10: 'u-fix,a@example.com,yes', 50: 'u-fix,not-an-email,yes', 60: 'u-alone,not-an-email,yes' };
    const lines = linesOf('user_id,email,email_subscription', 250, at, (row) => `u${row},u${row}@example.com,yes`);
    await writeFile(path.join(stack.dataDir, 'last-row-rejected.csv'), `${lines.join('\n')}\n`);
    const report = await waitForReport(stack.client, (await startImport(stack.client, { source: 'last-row-rejected.csv', importId: 'last-row-rejected', batchSize: 100 })).importId);
    expect(report.rows).toEqual({ total: 250, imported: 247, rejected: 2, skipped: 1, superseded: 1 });
    expect(stack.sandbox.profiles().has('user_id:u-fix')).toBe(false);
    const rejects = (await readFile(report.rejectsFile as string, 'utf8')).split(/\r?\n/);
    const note = 'earlier rows of this user_id were left out for this one, as the last row wins: until it is imported, the profile gets nothing from this file';
    expect(rejects.find((line) => line.startsWith('50,'))).toContain(note);
    expect(rejects.find((line) => line.startsWith('60,'))).not.toContain(note);
  });
});
