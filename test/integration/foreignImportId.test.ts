import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { afterEach, describe, expect, it } from 'vitest';
import { startImport, waitForReport } from '../../client/imports';
import type { BatchWorkflowInput, SubmitBatchInput } from '../../common/batch';
import { SourceUrlCredentialsError } from '../../common/source';
import { runCli } from '../support/cli';
import { completedActivities } from '../support/history';
import { rejectionOf } from '../support/rejection';
import { cliEnvOf, startTestStack, type TestStack } from '../support/stack';

let stack: TestStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

const unique = `${process.pid}-${Date.now()}`;

/** Every file under a folder with its size, modification time and content hash: any write shows. */
function folderState(folder: string): Record<string, string> {
  const state: Record<string, string> = {};
  for (const entry of readdirSync(folder, { recursive: true, withFileTypes: true })) {
    const file = path.join(entry.parentPath, entry.name);
    const stat = statSync(file);
    const hash = entry.isFile() ? createHash('sha256').update(readFileSync(file)).digest('hex') : 'folder';
    state[path.relative(folder, file)] = `${stat.size} ${stat.mtimeMs} ${stat.mode.toString(8)} ${hash}`;
  }
  return state;
}

/** The failure a workflow ended with: its innermost ApplicationFailure. */
async function applicationFailureOf(result: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await rejectionOf(result);
  expect(error).toBeInstanceOf(WorkflowFailedError);
  const cause = (error as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

describe('a workflow started without the client, its input naming another import', () => {
  it('fails as InvalidImportInput, and the other import\'s report folder is untouched (import and batch workflows alike)', async () => {
    stack = await startTestStack();
    writeFileSync(path.join(stack.dataDir, `victim-${unique}.csv`), 'user_id,email,email_subscription\nu1,one@example.com,1\nu2,two@example.com,1\n');
    const victim = `victim-${unique}`;
    await startImport(stack.client, { source: `victim-${unique}.csv`, importId: victim, batchSize: 1, concurrency: 1 });
    expect((await waitForReport(stack.client, victim)).status).toBe('completed');
    const victimFolder = path.join(stack.reportDir, victim);
    const before = folderState(victimFolder);
    expect(Object.keys(before)).toContain('report.json');
    const posted = stack.sandbox.stats().requests['import/profile'] ?? 0;

    // `temporal workflow start --type importProfilesWorkflow -w clobber1 -i '{"importId":"<victim>", ...}'`
    const clobber = `clobber-${unique}`;
    const started = await stack.client.client.workflow.start('importProfilesWorkflow', {
      taskQueue: stack.taskQueue,
      workflowId: clobber,
      args: [{ importId: victim, source: { kind: 'file', path: `victim-${unique}.csv` }, format: 'csv', batchSize: 1, concurrency: 1, dryRun: false }],
    });
    const importFailure = await applicationFailureOf(started.result());
    expect(importFailure.type).toBe('InvalidImportInput');
    expect(importFailure.nonRetryable).toBe(true);
    expect(importFailure.message).toContain(`the input's importId is not this workflow's ID (${clobber})`);

    // A batch workflow of another ID, with the victim's job (as its history has it) in its input.
    const { events } = await stack.client.client.workflow.getHandle(victim).fetchHistory().then((h) => ({ events: h.events ?? [] }));
    const submit = completedActivities(events, 'submitBatch')[0]?.input as SubmitBatchInput;
    expect(submit.job.importId).toBe(victim);
    const batchInput = (parentWorkflowId: string): BatchWorkflowInput => ({
      job: submit.job,
      batch: submit.batch,
      settings: { stuckAfterMs: 60_000, maxTaskResubmits: 0, maxSubmitAttempts: 1 },
      parentWorkflowId,
    });
    const batchNumber = submit.batch.index + 1;
    for (const [workflowId, parent] of [
      [`${clobber}/batch-${batchNumber}`, clobber],
      // Its own import's batch ID, but told to report to another workflow.
      [`${victim}/batch-${batchNumber}`, clobber],
    ] as const) {
      const batch = await stack.client.client.workflow.start('importBatchWorkflow', { taskQueue: stack.taskQueue, workflowId, args: [batchInput(parent)] });
      const batchFailure = await applicationFailureOf(batch.result());
      expect(batchFailure.type, workflowId).toBe('InvalidImportInput');
      expect(batchFailure.nonRetryable).toBe(true);
    }

    expect(folderState(victimFolder)).toEqual(before);
    expect(readdirSync(stack.reportDir)).toEqual([victim]);
    expect(stack.sandbox.stats().requests['import/profile'] ?? 0).toBe(posted);
  });
});

describe('a source URL the client refuses before any workflow starts', () => {
  it('mistyped (https:/, https:\\\\, an invisible character first) or with a user name and password: exit 2, how to write it, no signature shown', async () => {
    stack = await startTestStack();
    const env = cliEnvOf(stack);
    for (const [n, source, says] of [
      [1, 'https:/bucket.example.com/web.csv?X-Amz-Signature=SIG-typed', 'write the URL as https://host/path?...'],
      [2, 'https:\\\\bucket.example.com/web.csv?X-Amz-Signature=SIG-typed', 'write the URL as https://host/path?...'],
      [3, '\u200bhttps://bucket.example.com/web.csv?X-Amz-Signature=SIG-typed', 'an invisible character (U+200B) before "https:"'],
      [4, 'http://alice:SIG-typed@bucket.example.com/web.csv', 'the worker sends no credentials from the URL'],
    ] as const) {
      const importId = `url-refused-${n}-${unique}`;
      const result = await runCli(['start', source, '--id', importId], env);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain(says);
      expect(result.stderr + result.stdout).not.toContain('SIG-typed');
      await expect(stack.client.client.workflow.getHandle(importId).describe()).rejects.toMatchObject({ name: 'WorkflowNotFoundError' });
    }
    // Through the client API, given as an object: refused alike.
    const importId = `url-refused-object-${unique}`;
    const refused = await rejectionOf(startImport(stack.client, { source: { kind: 'url', url: 'http://alice:secret@bucket.example.com/web.csv' }, importId }));
    expect(refused).toBeInstanceOf(SourceUrlCredentialsError);
    await expect(stack.client.client.workflow.getHandle(importId).describe()).rejects.toMatchObject({ name: 'WorkflowNotFoundError' });
  });
});
