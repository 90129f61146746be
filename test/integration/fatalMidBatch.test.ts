import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { retryFailed, startImport, waitForReport } from '../../client/imports';
import { SANDBOX_TOKEN, startTestStack, type TestStack } from '../support/stack';

/**
 * The apptoken revoked in the middle of a batch (the sandbox's `revokeTokenAfterImports`): the
 * import stops, as it must, but the batch's report still says what it did (the rows validation
 * refused, the request the API accepted), so that the counts agree with the rejects file and the
 * store, and a re-run takes the accepted request over instead of posting it again.
 *
 * One batch of 401 rows: 200 that fill `first_name`, one with no identity (rejected by
 * validation), 200 that fill `city`; rows filling different attributes go in different requests,
 * so the batch is two requests of 200 rows, each answered with a task.
 */
const CSV = `user_id,first_name,city\n${[
  ...Array.from({ length: 200 }, (_, i) => `f${i},Name ${i},`),
  ',Nobody,',
  ...Array.from({ length: 200 }, (_, i) => `c${i},,City ${i}`),
].join('\n')}\n`;
const BATCH = { batchSize: 401, concurrency: 1 };

describe('a fatal answer in the middle of a batch', () => {
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });
  const acceptedImports = () => stack!.sandbox.requestLog().filter((r) => r.method === 'import/profile' && (r.status === 200 || r.status === 202));

  async function rejectedRowNumbers(file: string | null): Promise<string[]> {
    if (file === null) return [];
    const lines = (await readFile(file, 'utf8')).split(/\r?\n/).filter((line) => line !== '');
    return lines.slice(1).map((line) => line.split(',')[0] as string);
  }

  it.each([
    ['its submit, run by the import', 'the second request', {}, 1, 'in-import-submit'],
    ['its submit, run by a batch workflow', 'the second request', { XP_IMPORT_API_RATE_LIMIT: '50' }, 1, 'in-batch-submit'],
    ['the wait of its batch workflow', 'the first look at its tasks', { XP_IMPORT_API_RATE_LIMIT: '50' }, 2, 'in-batch-wait'],
  ])('revoked during %s (401 to %s): the report keeps the rejected row and the accepted requests, and a retry posts none of them again', async (_where, _at, workerEnv, acceptedBefore, name) => {
    stack = await startTestStack({ sandbox: { faults: { revokeTokenAfterImports: acceptedBefore } }, workerEnv });
    await writeFile(path.join(stack.dataDir, `${name}.csv`), CSV);
    const { importId } = await startImport(stack.client, { source: `${name}.csv`, ...BATCH });
    const first = await waitForReport(stack.client, importId);

    expect(first.status).toBe('failed');
    expect(first.failure?.code).toBe('AuthenticationError');
    expect(acceptedImports()).toHaveLength(acceptedBefore);
    const taskIds = acceptedImports().map((r) => String(r.taskId));
    // The counts agree with the rejects file: the row without identity is rejected, not skipped.
    expect(await rejectedRowNumbers(first.rejectsFile)).toEqual(['201']);
    expect(first.rows).toEqual({ total: 401, imported: 0, rejected: 1, skipped: 400, superseded: 0 });
    // The accepted requests are counted and named: their tasks may apply their rows.
    expect(first.requests).toBe(acceptedBefore);
    expect(first.taskIds).toEqual(taskIds);
    expect(first.failedBatches[0]?.failure?.message).toContain(`task ${taskIds.join(', ')} had been posted`);

    // The token is valid again; the re-run looks at the tasks instead of posting their rows again.
    stack.sandbox.configure({});
    await retryFailed(stack.client, importId);
    const second = await waitForReport(stack.client, importId);
    expect(second.rows).toEqual({ total: 401, imported: 400, rejected: 1, skipped: 0, superseded: 0 });
    expect(acceptedImports()).toHaveLength(2);
    expect(second.possibleDuplicates).toBe(0);
    expect(stack.sandbox.profiles().size).toBe(400);
  }, 120_000);
});

describe('an import that failed before it planned a batch', () => {
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });

  // The worker started with the token working; then the API refused it (403) on every method.
  it('is re-run whole by retry, not refused as one whose every batch succeeded', async () => {
    stack = await startTestStack();
    await writeFile(path.join(stack.dataDir, 'refused-at-start.csv'), CSV);
    stack.sandbox.configure({ forbiddenTokens: [SANDBOX_TOKEN], faultMethods: ['import/profile', 'info/task', 'list/task', 'list/profile'] });
    const { importId } = await startImport(stack.client, { source: 'refused-at-start.csv', ...BATCH });
    const first = await waitForReport(stack.client, importId);
    expect(first.status).toBe('failed');
    expect(first.failure?.code).toBe('ForbiddenError');
    expect(first.batches).toMatchObject({ total: 0, succeeded: 0, failed: 0 });

    // Before, retry answered "nothing to retry: every batch succeeded", and start sent to retry: no way on under this ID.
    stack.sandbox.configure({});
    await retryFailed(stack.client, importId);
    const second = await waitForReport(stack.client, importId);
    expect(second.status).toBe('completed_with_rejections');
    expect(second.rows).toEqual({ total: 401, imported: 400, rejected: 1, skipped: 0, superseded: 0 });
    expect(stack.sandbox.profiles().size).toBe(400);
  }, 120_000);
});
