import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeSampleFile } from '../../bin/sampleData';
import { IMPORT_WORKFLOW_TYPE } from '../../client/imports';
import { CliFailureSchema } from '../../common/cliFailure';
import { ImportReportSchema } from '../../common/report';
import { CLI, runCli } from '../support/cli';
import { until } from '../support/poll';
import { cliEnvOf, startTestStack, type TestStack } from '../support/stack';

/** `start --wait --json` and the exit codes of DESIGN.md, through the built command. */
describe('the xp-import CLI contract', () => {
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });

  it('prints the report as one JSON document and exits 0 when every row is imported', async () => {
    stack = await startTestStack();
    await writeSampleFile(path.join(stack.dataDir, 'ok.csv'), { rows: 1_200 });
    const result = await runCli(['start', 'ok.csv', '--wait', '--json', '--batch-size', '500'], cliEnvOf(stack));

    expect(result.code).toBe(0);
    const report = ImportReportSchema.parse(JSON.parse(result.stdout));
    expect(report).toMatchObject({
      status: 'completed',
      rows: { total: 1_200, imported: 1_200, rejected: 0, skipped: 0 },
      batches: { total: 3, succeeded: 3, failed: 0 },
      rejectsFile: null,
    });
    expect(report.taskIds).toHaveLength(3);
    expect(Date.parse(report.finishedAt)).toBeGreaterThanOrEqual(Date.parse(report.startedAt));
    // Before, a rejects.csv with its header alone sat beside a report that names none.
    expect(existsSync(path.join(stack.reportDir, report.importId, 'rejects.csv'))).toBe(false);
  });

  it('exits 1 when rows were rejected, and the rejects file names them', async () => {
    stack = await startTestStack();
    const rows = Array.from({ length: 200 }, (_, i) => `u${i},${i === 17 ? 'not-an-email' : `u${i}@example.com`},1`);
    await writeFile(path.join(stack.dataDir, 'some-bad.csv'), `user_id,email,email_subscription\n${rows.join('\n')}\n`);
    const result = await runCli(['start', 'some-bad.csv', '--wait', '--json'], cliEnvOf(stack));

    expect(result.code).toBe(1);
    const report = ImportReportSchema.parse(JSON.parse(result.stdout));
    expect(report.status).toBe('completed_with_rejections');
    expect(report.rows).toEqual({ total: 200, imported: 199, rejected: 1, skipped: 0, superseded: 0 });
    const rejects = readFileSync(report.rejectsFile as string, 'utf8').trim().split(/\r?\n/);
    expect(rejects).toHaveLength(2);
    expect(rejects[0]).toBe('xp_import_row,xp_import_line,xp_import_column,xp_import_reason,user_id,email,email_subscription');
    // Data row 18 sits on line 19 (the header is line 1); the original cells follow the reason.
    expect(rejects[1]).toMatch(/^18,19,email,.+,u17,not-an-email,1$/);
  });

  it('Ctrl-C while start --wait follows an import stops the following only: exit 130, says the import goes on, and it does', async () => {
    // No worker: the import stays running while the command follows it.
    stack = await startTestStack({ inProcessWorker: false });
    await writeSampleFile(path.join(stack.dataDir, 'followed.csv'), { rows: 10 });
    const child = spawn(process.execPath, [CLI, 'start', 'followed.csv', '--id', 'ctrl-c-followed', '--wait'], {
      env: { ...process.env, ...cliEnvOf(stack) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const exited = once(child, 'exit');
    try {
      await until(() => Promise.resolve(stderr), (text) => text.includes('waiting for it to finish'), 30_000);
      child.kill('SIGINT');
      // Before, the signal killed the process (no code), leaving a terminal's cursor hidden and its lines unwrapped.
      const [code] = (await exited) as [number | null];
      expect(code).toBe(130);
      expect(stderr).toContain('stopped following import ctrl-c-followed; it goes on. Follow it again: xp-import watch ctrl-c-followed');
      expect((await stack.client.client.workflow.getHandle('ctrl-c-followed').describe()).status.name).toBe('RUNNING');
    } finally {
      child.kill('SIGKILL');
      await stack.client.client.workflow.getHandle('ctrl-c-followed').terminate('test over').catch(() => undefined);
    }
  });

  it('--version prints the version of package.json, and every --json says what it does', async () => {
    const version = await runCli(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe((JSON.parse(readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as { version: string }).version);
    for (const verb of ['status', 'watch', 'report']) {
      const help = await runCli([verb, '--help']);
      expect(help.stdout).toMatch(/--json\s+print .*JSON document on stdout/);
    }
  });

  it('with --json, a refusal is a JSON document on stdout as well as a message on stderr', async () => {
    stack = await startTestStack();
    const unknown = await runCli(['status', 'no-such-import-json', '--json'], cliEnvOf(stack));
    expect(unknown.code).toBe(2);
    // Before, stdout was empty and a script parsing it failed on an empty document.
    expect(CliFailureSchema.parse(JSON.parse(unknown.stdout))).toEqual({ error: { code: 'ImportNotFoundError', message: expect.stringContaining('no-such-import-json') as string, retryable: false } });
    expect(unknown.stderr).toContain('no-such-import-json');
    const badFlag = await runCli(['start', 'x.csv', '--batch-size', '20000', '--json'], cliEnvOf(stack));
    expect(badFlag.code).toBe(2);
    expect(CliFailureSchema.parse(JSON.parse(badFlag.stdout)).error).toMatchObject({ code: 'UsageError', message: expect.stringContaining('--batch-size') as string });
    // Refused by the argument parser, before the command runs: the same document.
    const unknownFlag = await runCli(['start', 'x.csv', '--batch', '5', '--json'], cliEnvOf(stack));
    expect(unknownFlag.code).toBe(2);
    expect(CliFailureSchema.parse(JSON.parse(unknownFlag.stdout))).toEqual({ error: { code: 'UsageError', message: expect.stringMatching(/^unknown option '--batch'/) as string } });
  });

  it('exits 2 on bad usage, naming the flag', async () => {
    stack = await startTestStack();
    const result = await runCli(['start', 'x.csv', '--batch-size', '20000'], cliEnvOf(stack));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--batch-size/);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('refuses (exit 2) an --id that a running import of another source has, naming its source; the same source is followed', async () => {
    // No worker: the imports stay running.
    stack = await startTestStack({ inProcessWorker: false });
    await writeSampleFile(path.join(stack.dataDir, 'first.csv'), { rows: 10 });
    await writeSampleFile(path.join(stack.dataDir, 'other.csv'), { rows: 10 });
    const env = cliEnvOf(stack);
    const workflows = stack.client.client.workflow;
    try {
      expect((await runCli(['start', 'first.csv', '--id', 'q1', '--batch-size', '500'], env)).code).toBe(0);
      // Before, this said "already running for this source; following it" (exit 0), and other.csv was never imported.
      const other = await runCli(['start', 'other.csv', '--id', 'q1'], env);
      expect(other.code, other.stderr).toBe(2);
      expect(other.stderr).toContain('import q1 is already running for another source (first.csv), so other.csv would not be imported');
      expect(other.stderr).toContain('choose another --id');
      expect(other.stdout).toBe('');
      const same = await runCli(['start', 'first.csv', '--id', 'q1'], env);
      expect(same.code).toBe(0);
      expect(same.stderr).toContain('import q1 is already running for this source');
      expect(same.stdout).toMatch(/^following import q1\n/);
      // Nothing asked, nothing to say (before: the flags' defaults were taken for settings asked for).
      expect(same.stderr).not.toContain('it runs with its own');
      // Before, other settings were dropped without a word, and stdout said "started import q1".
      const slower = await runCli(['start', 'first.csv', '--id', 'q1', '--batch-size', '100', '--concurrency', '2'], env);
      expect(slower.code, slower.stderr).toBe(0);
      expect(slower.stderr).toContain('it runs with its own batch size 500 (not 100), concurrency 4 (not 2)');
      // What is sent must be what was asked: another delimiter is refused, not followed.
      const otherDelimiter = await runCli(['start', 'first.csv', '--id', 'q1', '--delimiter', ';'], env);
      expect(otherDelimiter.code, otherDelimiter.stderr).toBe(2);
      expect(otherDelimiter.stderr).toContain('import q1 is already running for first.csv with another delimiter, so this request');

      // Started without the client, before a worker set its ImportSource: its input names the source.
      await workflows.start(IMPORT_WORKFLOW_TYPE, {
        workflowId: 'q2',
        taskQueue: stack.taskQueue,
        args: [{ importId: 'q2', source: { kind: 'file', path: 'first.csv' }, format: 'csv', batchSize: 10, concurrency: 1, dryRun: false }],
      });
      const unnamed = await runCli(['start', 'other.csv', '--id', 'q2'], env);
      expect(unnamed.code, unnamed.stderr).toBe(2);
      expect(unnamed.stderr).toContain('import q2 is already running for another source (first.csv)');
    } finally {
      for (const id of ['q1', 'q2']) await workflows.getHandle(id).terminate('test over').catch(() => undefined);
    }
  });

  it('exits 2 on a source that names nothing to import, saying what is wrong and what to give, before asking Temporal', async () => {
    // Nothing listens: what is said about the argument cannot depend on the server.
    const env = { TEMPORAL_ADDRESS: '127.0.0.1:1' };
    const cases: Array<[string[], string]> = [
      // Before: "Invalid URL", exit 3.
      [['start', 'http://'], 'source http:// is not a valid URL: it has no host name. Check it and give a path (inside XP_IMPORT_DATA_DIR on the worker) or an http(s) URL'],
      [['start', 'https://exa mple.com/x.csv'], 'source https://exa mple.com/x.csv is not a valid URL: its host name contains a space'],
      // Before: an import of the data folder itself.
      [['start', ''], 'the source is empty: give a path'],
      [['start', 'ftp://example.com/x.csv'], 'only http(s) URLs or local paths can be imported, not ftp:// URLs'],
      [['start', 'file:///srv/imports/x.csv'], 'only http(s) URLs or local paths can be imported, not file:// URLs: give the path itself'],
      // Before: "xp-import validate:  does not exist".
      [['validate', ''], 'the source is empty: give the path of a local CSV or NDJSON file'],
      // Before: the flag was ignored.
      [['start', 'people.ndjson', '--delimiter', ';'], '--delimiter applies to CSV only, and this source is read as NDJSON'],
      // Before: "Too small: expected string to have >=1 characters" beside the rule.
      [['start', 'x.csv', '--id', ''], 'option --id: use letters, digits, ".", "_" and "-" (starting with a letter or digit)\n'],
      // Before: these asked Temporal first ("cannot reach Temporal", exit 3).
      [['status', ''], 'invalid import id: use letters'],
      [['cancel', 'a b'], 'invalid import id: use letters'],
      // Before: "Invalid option: expected one of ...".
      [['resolve', 'x', '1', 'resend'], 'invalid resolution: use "resubmit" (send its stuck requests again) or "abandon" (give up on them)'],
      // Batches are numbered from 1: 0, a negative or a fraction is refused before Temporal is asked which batches there are.
      [['resolve', 'x', '0', 'abandon'], 'invalid batch number: expected a whole number of at least 1, got 0'],
      [['resolve', 'x', '-1', 'abandon'], 'invalid batch number: expected a whole number of at least 1, got "-1"'],
      [['resolve', 'x', '1.5', 'abandon'], 'invalid batch number: expected a whole number of at least 1, got "1.5"'],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(args, env);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toContain(message);
      expect(result.stderr).not.toMatch(/Invalid URL|Too small|Invalid option|\n\s+at /);
    }
  });

  it('the example script exits 2 when it is not told what to import, as the CLI does for bad usage', async () => {
    const script = path.resolve(__dirname, '../../examples/import-from-a-service.js');
    const child = spawn(process.execPath, [script], { env: { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    // Before, 3: the usage line was thrown as a plain Error.
    expect({ code, stderr: stderr.trim() }).toEqual({ code: 2, stderr: 'usage: node examples/import-from-a-service.js <file inside XP_IMPORT_DATA_DIR>' });
  });

  it('exits 2 when the file cannot be imported as it is (no identity column)', async () => {
    stack = await startTestStack();
    await writeFile(path.join(stack.dataDir, 'no-id.csv'), 'email,email_subscription\na@example.com,1\n');
    const result = await runCli(['start', 'no-id.csv', '--wait', '--json'], cliEnvOf(stack));
    expect(result.code).toBe(2);
    const report = ImportReportSchema.parse(JSON.parse(result.stdout));
    expect(report.status).toBe('failed');
    expect(report.failure?.code).toBe('MappingError');
    expect(report.failure?.message).toMatch(/user_id|device_id/);
    expect(stack.sandbox.stats().requests['import/profile'] ?? 0).toBe(0);
  });

  it('exits 3 when the import fails: a wrong token, with a message about the token', async () => {
    stack = await startTestStack({ workerEnv: { XTREMEPUSH_APPTOKEN: 'wrong-token' } });
    await writeSampleFile(path.join(stack.dataDir, 'ok.csv'), { rows: 30_000 });
    const started = Date.now();
    const result = await runCli(['start', 'ok.csv', '--wait', '--json', '--batch-size', '1000', '--concurrency', '4'], cliEnvOf(stack));
    // The whole import fails within seconds, not batch by batch, and no more than `concurrency` requests went out.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(stack.sandbox.stats().requests['import/profile'] ?? 0).toBeLessThanOrEqual(4);
    expect(result.code).toBe(3);
    const report = ImportReportSchema.parse(JSON.parse(result.stdout));
    expect(report.status).toBe('failed');
    expect(report.failure?.message).toMatch(/XTREMEPUSH_APPTOKEN/);
    expect(result.stdout + result.stderr).not.toContain('wrong-token');
  });
});
