import path from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import { afterEach, describe, expect, it } from 'vitest';
import { writeSampleFile } from '../../bin/sampleData';
import { ImportWorkflowInputSchema, type ImportWorkflowInput } from '../../common/importInput';
import { runCli } from '../support/cli';
import { cliEnvOf, startTestStack, type TestStack } from '../support/stack';

/** `start --stuck-after`: the stuck-task watchdog set from the command line reaches the workflow. */
describe('start --stuck-after', () => {
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });

  /** What the import's run was started with: the first event of its history. */
  const startedWith = async (s: TestStack, importId: string): Promise<ImportWorkflowInput> => {
    const history = await s.client.client.workflow.getHandle(importId).fetchHistory();
    const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    return ImportWorkflowInputSchema.parse(payload && defaultPayloadConverter.fromPayload(payload));
  };

  it('sets the workflow input\'s watchdog, keeps the default import ID, and a start that joins says the running import keeps its own', async () => {
    // No worker: the import stays running, so later starts join it.
    stack = await startTestStack({ inProcessWorker: false });
    await writeSampleFile(path.join(stack.dataDir, 'watchdog.csv'), { rows: 10 });
    const env = cliEnvOf(stack);
    let importId: string | undefined;
    try {
      const first = await runCli(['start', 'watchdog.csv', '--stuck-after', '45m', '--json'], env);
      expect(first.code, first.stderr).toBe(0);
      importId = (JSON.parse(first.stdout) as { importId: string }).importId;
      // Before: "error: unknown option '--stuck-after'", exit 2, and every import waited 30 minutes.
      expect((await startedWith(stack, importId)).tuning?.stuckAfterMs).toBe(45 * 60_000);

      // How long to wait is not what is sent: the same file without the flag has the same default ID, and joins.
      const plain = await runCli(['start', 'watchdog.csv', '--json'], env);
      expect(plain.code, plain.stderr).toBe(0);
      expect(JSON.parse(plain.stdout)).toMatchObject({ importId, alreadyRunning: true });
      expect(plain.stderr).not.toContain('it runs with its own');

      const longer = await runCli(['start', 'watchdog.csv', '--stuck-after', '2h'], env);
      expect(longer.code, longer.stderr).toBe(0);
      expect(longer.stderr).toContain('it runs with its own stuck-task watchdog 45m (not 2h)');
    } finally {
      if (importId) await stack.client.client.workflow.getHandle(importId).terminate('test over').catch(() => undefined);
    }
  });

  it('refuses (exit 2) a duration out of bounds or without a unit, naming the flag and giving an example, before asking Temporal', async () => {
    // Nothing listens: what is said about the flag cannot depend on the server.
    const env = { TEMPORAL_ADDRESS: '127.0.0.1:1' };
    for (const given of ['30s', '8d', '45', '1h30m']) {
      const result = await runCli(['start', 'x.csv', '--stuck-after', given], env);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain(`option --stuck-after: expected a duration from 1m to 7d: a whole number and s, m, h or d, such as 90s, 45m or 2h, got "${given}"`);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
    const help = await runCli(['start', '--help']);
    expect(help.stdout.replace(/\s+/g, ' ')).toContain('--stuck-after <duration> report a task stuck');
  });
});
