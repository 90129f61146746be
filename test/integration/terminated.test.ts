import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeSampleFile } from '../../bin/sampleData';
import { ImportEndedWithoutReportError } from '../../client/importErrors';
import { getProgress, retryFailed, startImport } from '../../client/imports';
import type { Progress } from '../../common/progress';
import { runCli } from '../support/cli';
import { until } from '../support/poll';
import { startTestStack, type TestStack } from '../support/stack';

/** An import terminated in the Temporal UI (not cancelled) ends without writing its report. */
describe('an import stopped from outside', () => {
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });

  it('is said to have ended without a report (exit 3), not to be still running; retry is refused with what to do instead', async () => {
    stack = await startTestStack({ sandbox: { faults: { latencyMs: 500 } } });
    await writeSampleFile(path.join(stack.dataDir, 'terminated.csv'), { rows: 2_000 });
    const { importId } = await startImport(stack.client, { source: 'terminated.csv', batchSize: 200, concurrency: 2 });
    await until(() => getProgress(stack!.client, importId), (p: Progress) => p.batches.done >= 2, 60_000, 100);
    await stack.client.client.workflow.getHandle(importId).terminate('stopped from the UI');

    const env = { TEMPORAL_ADDRESS: stack.env.TEMPORAL_ADDRESS, XP_IMPORT_TASK_QUEUE: stack.taskQueue };
    for (const command of ['report', 'status']) {
      const said = await runCli([command, importId], env);
      expect({ command, code: said.code, stdout: said.stdout }).toEqual({ command, code: 3, stdout: '' });
      expect(said.stderr).toMatch(new RegExp(`^xp-import: import ${importId} was terminated before it wrote a report, so there is none;`));
    }
    const retried = await retryFailed(stack.client, importId).then(
      () => null,
      (error: unknown) => error,
    );
    expect(retried).toBeInstanceOf(ImportEndedWithoutReportError);
    expect((retried as Error).message).toMatch(/cannot be re-run with `xp-import retry`: start the source again with --id <new id>/);
  }, 120_000);
});
