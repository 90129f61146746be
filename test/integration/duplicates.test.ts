import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
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
    expect(report.rows).toEqual({ total: ROWS, imported: ROWS - SUPERSEDED, rejected: 0, skipped: SUPERSEDED });
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
});
