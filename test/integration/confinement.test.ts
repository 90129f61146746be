import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { InputError, SourceAccessError } from '../../activities/failures';
import { ReportPaths } from '../../activities/reports/reportPaths';
import { LocalFileSource } from '../../activities/source/byteSource';
import { HttpRangeSource } from '../../activities/source/httpSource';
import { openSource, resolveLocalPath } from '../../activities/sourceAccess';
import { ImportReportSchema } from '../../common/report';
import { runCli } from '../support/cli';
import { cliEnvOf, startTestStack, type TestStack } from '../support/stack';
import { rejectionOf } from '../support/rejection';

/** Issue 7, point 5: a workflow input cannot make a worker read a file outside XP_IMPORT_DATA_DIR. */
describe('local sources stay inside XP_IMPORT_DATA_DIR', () => {
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });

  it('refuses ../x.csv, /etc/passwd and a symlink out of the folder with exit code 2, and sends nothing', async () => {
    stack = await startTestStack();
    const rows = 'user_id,email,email_subscription\nu1,outside@example.com,1\n';
    // A readable CSV just outside the data folder, reachable as ../x.csv and through a symlink.
    const outside = path.join(path.dirname(stack.dataDir), 'x.csv');
    writeFileSync(outside, rows);
    symlinkSync(outside, path.join(stack.dataDir, 'link.csv'));

    for (const [source, id] of [
      ['../x.csv', 'confined-dotdot'],
      ['/etc/passwd', 'confined-etc'],
      ['link.csv', 'confined-symlink'],
    ] as const) {
      // --format csv: /etc/passwd has no extension, and the worker (not the client) must refuse it:
      // this client does not see the data folder, so it passes the paths on as given.
      const { XP_IMPORT_DATA_DIR: _seen, ...blind } = cliEnvOf(stack);
      const result = await runCli(['start', source, '--id', id, '--format', 'csv', '--wait', '--json'], blind);
      expect(result.code, `${source}: ${result.stderr}`).toBe(2);
      const report = ImportReportSchema.parse(JSON.parse(result.stdout));
      expect(report.status).toBe('failed');
      expect(report.failure?.code).toBe('SourceAccessError');
      expect(report.failure?.message).toMatch(/outside XP_IMPORT_DATA_DIR/);
      expect(report.rows.total).toBe(0);
    }
    const stats = stack.sandbox.stats();
    expect(stats.requests['import/profile'] ?? 0).toBe(0);
    expect(stats.profiles).toBe(0);
  });

  it('a client that sees the data folder refuses a file outside it, or a name found nowhere, before it starts an import (exit 2)', async () => {
    stack = await startTestStack();
    writeFileSync(path.join(path.dirname(stack.dataDir), 'beside.csv'), 'user_id\nu1\n');
    const env = cliEnvOf(stack);
    const outside = await runCli(['start', '../beside.csv', '--id', 'confined-client-outside', '--wait'], env);
    expect(outside.code, outside.stderr).toBe(2);
    expect(outside.stderr).toContain(`../beside.csv is outside XP_IMPORT_DATA_DIR (${stack.dataDir}), the only folder workers read files from`);
    const typo = await runCli(['start', 'custmers.csv', '--id', 'confined-client-typo', '--wait'], env);
    expect(typo.code, typo.stderr).toBe(2);
    expect(typo.stderr).toContain(`no file custmers.csv in XP_IMPORT_DATA_DIR (${stack.dataDir}) or from the current folder: check the name`);
    // Before, each made an import that failed: a workflow, a report folder and a report of 0 rows.
    for (const id of ['confined-client-outside', 'confined-client-typo']) {
      await expect(stack.client.client.workflow.getHandle(id).describe()).rejects.toMatchObject({ name: 'WorkflowNotFoundError' });
    }
    expect(existsSync(path.join(stack.reportDir, 'confined-client-typo'))).toBe(false);
  });

  it('refuses an import ID that would lead out of XP_IMPORT_REPORT_DIR, from a workflow started without the client', async () => {
    stack = await startTestStack();
    writeFileSync(path.join(stack.dataDir, 'good.csv'), 'user_id,email,email_subscription\nu1,inside@example.com,1\n');
    const escaped = path.join(path.dirname(stack.reportDir), `escaped-${path.basename(stack.reportDir)}`);
    const importId = `../${path.basename(escaped)}/pwn`;
    const handle = await stack.client.client.workflow.start('importProfilesWorkflow', {
      taskQueue: stack.taskQueue,
      workflowId: 'confined-report-dir',
      args: [{ importId, source: { kind: 'file', path: 'good.csv' }, format: 'csv', batchSize: 100, concurrency: 1, dryRun: false }],
    });
    const failure = await rejectionOf(handle.result());
    expect(String((failure as Error & { cause?: Error }).cause?.message)).toMatch(/import ID is not valid: use letters, digits/);
    expect(existsSync(escaped)).toBe(false);
    expect(stack.sandbox.stats().requests['import/profile'] ?? 0).toBe(0);
    // The worker's own check, where the folders are named, whatever workflow code asks.
    expect(() => new ReportPaths(stack!.reportDir, importId)).toThrow(/not a folder name of XP_IMPORT_REPORT_DIR/);
    expect(() => new ReportPaths(stack!.reportDir, '..')).toThrow(InputError);
    expect(new ReportPaths(stack.reportDir, 'ok-1.2_3').root).toBe(path.join(stack.reportDir, 'ok-1.2_3'));
  });
});

describe('resolveLocalPath', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'xp-import-confine-'));
  const data = path.join(root, 'data');
  mkdirSync(path.join(data, 'sub'), { recursive: true });
  writeFileSync(path.join(data, 'in.csv'), 'user_id\nu1\n');
  writeFileSync(path.join(data, 'sub', 'deep.csv'), 'user_id\nu2\n');
  writeFileSync(path.join(root, 'secret.csv'), 'user_id\nu3\n');
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  async function refusal(dataDir: string, requested: string): Promise<string> {
    const error = await rejectionOf(resolveLocalPath(dataDir, requested));
    expect(error, requested).toBeInstanceOf(SourceAccessError);
    return (error as Error).message;
  }

  it('accepts files inside, by relative path, by absolute path and through symlinks that stay inside', async () => {
    symlinkSync(path.join(data, 'sub', 'deep.csv'), path.join(data, 'alias.csv'));
    expect(await resolveLocalPath(data, 'in.csv')).toBe(path.join(data, 'in.csv'));
    expect(await resolveLocalPath(data, path.join(data, 'sub', 'deep.csv'))).toBe(path.join(data, 'sub', 'deep.csv'));
    expect(await resolveLocalPath(data, 'sub/../in.csv')).toBe(path.join(data, 'in.csv'));
    expect(await resolveLocalPath(data, 'alias.csv')).toBe(path.join(data, 'sub', 'deep.csv'));
  });

  it('accepts a data folder that is itself a symlink, with paths given through the link', async () => {
    const link = path.join(root, 'data-link');
    symlinkSync(data, link);
    expect(await resolveLocalPath(link, 'in.csv')).toBe(path.join(data, 'in.csv'));
    expect(await resolveLocalPath(link, path.join(link, 'sub', 'deep.csv'))).toBe(path.join(data, 'sub', 'deep.csv'));
    expect(await refusal(link, path.join(link, '..', 'secret.csv'))).toMatch(/outside XP_IMPORT_DATA_DIR/);
  });

  it('refuses .., absolute paths elsewhere, symlinked files and folders leading out, without saying whether they exist', async () => {
    symlinkSync(path.join(root, 'secret.csv'), path.join(data, 'escape.csv'));
    symlinkSync(root, path.join(data, 'up'));
    expect(await refusal(data, '../secret.csv')).toMatch(/outside/);
    expect(await refusal(data, '../no-such-file.csv')).toMatch(/outside/);
    expect(await refusal(data, path.join(root, 'secret.csv'))).toMatch(/outside/);
    expect(await refusal(data, '/etc/passwd')).toMatch(/outside/);
    expect(await refusal(data, 'escape.csv')).toMatch(/outside/);
    expect(await refusal(data, 'up/secret.csv')).toMatch(/outside/);
  });

  it('refuses a NUL byte, the folder itself, a sub-folder, a FIFO and a missing file with their own messages', async () => {
    expect(await refusal(data, 'in.csv\0.txt')).toMatch(/NUL byte/);
    expect(await refusal(data, '.')).toMatch(/data folder itself/);
    expect(await refusal(data, 'sub')).toMatch(/is a folder/);
    execFileSync('mkfifo', [path.join(data, 'pipe.csv')]);
    expect(await refusal(data, 'pipe.csv')).toMatch(/not a regular file/);
    expect(await refusal(data, 'missing.csv')).toMatch(/does not exist/);
  });

  it('refuses everything when the worker has no data folder, or it is missing', async () => {
    expect(await refusal(undefined as unknown as string, 'in.csv')).toMatch(/no XP_IMPORT_DATA_DIR/);
    expect(await refusal(path.join(root, 'nowhere'), 'in.csv')).toMatch(/does not exist on this worker/);
  });

  it('opens a file reference as a local file and a URL reference as an HTTP range source', async () => {
    expect(await openSource(data, { kind: 'file', path: 'in.csv' })).toBeInstanceOf(LocalFileSource);
    const remote = await openSource(undefined, { kind: 'url', url: 'https://bucket.example.com/in.csv?X-Amz-Signature=abc' });
    expect(remote).toBeInstanceOf(HttpRangeSource);
    expect(remote.describe()).toBe('https://bucket.example.com/in.csv?…');
  });
});
