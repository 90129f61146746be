import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImportEndedWithoutReportError } from '../../client/importErrors';
import { getReport, IMPORT_WORKFLOW_TYPE, retryFailed, waitForReport } from '../../client/imports';
import { IMPORT_ID_MAX_LENGTH, IMPORT_ID_RULE } from '../../common/batchIds';
import { startTestStack, type TestStack } from '../support/stack';

/**
 * An import that FAILED (not terminated) before it wrote a report: the client says so with
 * ImportEndedWithoutReportError, its status FAILED and the message the workflow failed with, in
 * the words for a failure (fix the cause), not those for an import stopped from outside.
 *
 * Reachable by starting the workflow without the client (which refuses such IDs): an ID the
 * workflow itself refuses before doing anything. (The other way, a report that cannot be written,
 * takes writeReport's 20 attempts; failureText.test.ts covers how its cause is told.)
 */
describe('an import that failed before it wrote its report', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
    writeFileSync(path.join(stack.dataDir, 'failed-noreport-people.csv'), 'user_id,first_name\nfnr-u1,Ann\nfnr-u2,Bob\n');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** Starts the import workflow as a caller that bypasses the client would, and waits for it to fail. */
  async function failedImport(importId: string): Promise<WorkflowFailedError> {
    const input = { importId, source: { kind: 'file', path: 'failed-noreport-people.csv' }, format: 'csv', batchSize: 100, concurrency: 1, dryRun: false };
    const handle = await stack.client.client.workflow.start(IMPORT_WORKFLOW_TYPE, { workflowId: importId, taskQueue: stack.taskQueue, args: [input] });
    const ended = await handle.result().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(ended).toBeInstanceOf(WorkflowFailedError);
    expect((await handle.describe()).status.name).toBe('FAILED');
    return ended as WorkflowFailedError;
  }

  /** What each client call that needs the report raises for the import. */
  async function raised(importId: string): Promise<unknown[]> {
    const calls = [getReport, waitForReport, retryFailed] as Array<(ctx: typeof stack.client, id: string) => Promise<unknown>>;
    return Promise.all(
      calls.map((call) =>
        call(stack.client, importId).then(
          (value) => ({ resolved: value }),
          (error: unknown) => error,
        ),
      ),
    );
  }

  function expectFailedWording(error: unknown, importId: string, failure: string): void {
    expect(error).toBeInstanceOf(ImportEndedWithoutReportError);
    const ended = error as ImportEndedWithoutReportError;
    expect(ended.name).toBe('ImportEndedWithoutReportError');
    expect({ importId: ended.importId, status: ended.status, failure: ended.failure }).toEqual({ importId, status: 'FAILED', failure });
    expect(ended.message).toBe(
      `import ${importId} failed before it could write its report (${failure}), so there is none; ` +
        `what its batches did up to then is in XP_IMPORT_REPORT_DIR/${importId}/results on the worker, as far as it could be written. ` +
        'It cannot be re-run with `xp-import retry`: fix the cause and start the source again with --id <new id>.',
    );
    // Not the words for an import stopped from outside.
    expect(ended.message).not.toMatch(/was failed|terminated|before it wrote a report|xp-import cancel/);
  }

  it('refused by the workflow at its start: the client raises the failure, with the workflow\'s own message', async () => {
    const importId = `failed-noreport bad id ${Date.now()}`;
    const failed = await failedImport(importId);
    const message = `the import ID is not valid: ${IMPORT_ID_RULE}, at most ${IMPORT_ID_MAX_LENGTH} characters`;
    expect(failed.cause?.message).toBe(message);
    for (const error of await raised(importId)) expectFailedWording(error, importId, message);
  });

  it('an ID longer than a report folder may be is refused at the start, before any step, as the client refuses it', async () => {
    const importId = `failed-noreport-${Date.now()}-`.padEnd(IMPORT_ID_MAX_LENGTH + 1, 'x');
    const failed = await failedImport(importId);
    const message = `the import ID is not valid: ${IMPORT_ID_RULE}, at most ${IMPORT_ID_MAX_LENGTH} characters`;
    expect(failed.cause?.message).toBe(message);
    // Before, it was accepted: the inspection and then the report failed on the folder's name.
    const events = (await stack.client.client.workflow.getHandle(importId).fetchHistory()).events ?? [];
    expect(events.filter((e) => e.activityTaskScheduledEventAttributes)).toEqual([]);
    for (const error of await raised(importId)) expectFailedWording(error, importId, message);
  });
});
