import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startImport, waitForReport } from '../../client/imports';
import type { AwaitTaskInput, AwaitTaskResult, SubmitBatchResult } from '../../common/batch';
import { writeSampleFile } from '../../bin/sampleData';
import { completedActivities, importHistories } from '../support/history';
import { expectedFromSampleCsv, expectStoreEquals } from '../support/oracle';
import { startTestStack, type TestStack } from '../support/stack';

describe('a CSV import end to end', () => {
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });

  it('sends 25,000 rows as exactly 3 async requests, awaits the 3 tasks, and the store equals the file', async () => {
    stack = await startTestStack();
    const file = path.join(stack.dataDir, 'profiles.csv');
    await writeSampleFile(file, { rows: 25_000, seed: 7 });

    const started = await startImport(stack.client, { source: 'profiles.csv', importId: 'e2e-25k' });
    const report = await waitForReport(stack.client, started.importId);

    expect(report.status).toBe('completed');
    expect(report.rows).toEqual({ total: 25_000, imported: 25_000, rejected: 0, skipped: 0, superseded: 0 });
    expect(report.batches).toEqual({ total: 3, succeeded: 3, failed: 0 });
    const imports = stack.sandbox.requestLog().filter((r) => r.method === 'import/profile');
    expect(imports.map((r) => `${r.status}:${r.rows}`).sort()).toEqual(['202:10000', '202:10000', '202:5000']);
    expect([...report.taskIds].sort()).toEqual(imports.map((r) => String(r.taskId)).sort());
    // Each batch workflow saw its task complete, once: watched by the submit, or else by a wait.
    const histories = await importHistories(stack.client.client, started.importId);
    const watched = histories
      .flatMap((h) => completedActivities(h.events, 'submitBatch'))
      .flatMap((s) => (s.result as SubmitBatchResult).taskOutcomes ?? [])
      .map((o) => ({ taskId: o.taskId, status: o.status }));
    const waited = histories
      .flatMap((h) => completedActivities(h.events, 'awaitImportTask'))
      .map((w) => ({ taskId: (w.input as AwaitTaskInput).taskId, status: (w.result as AwaitTaskResult).status }));
    const seen = [...watched, ...waited];
    expect(seen.map((o) => o.taskId).sort()).toEqual([...report.taskIds].sort());
    expect(seen.every((o) => o.status === 'completed')).toBe(true);
    expectStoreEquals(stack.sandbox, expectedFromSampleCsv(file));
  });
});
