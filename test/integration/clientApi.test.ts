import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSampleFile } from '../../bin/sampleData';
import { cancelImport, getProgress, getReport, importStatus, pauseImport, retryFailed, setImportConcurrency, startImport, waitForReport } from '../../client/imports';
import { ImportAlreadyExistsError, ImportIdInUseError, ImportNotFoundError, ImportSteeringError, InvalidImportRequestError } from '../../client/importErrors';
import type { Progress } from '../../common/progress';
import { formatProgressLine } from '../../common/progressLine';
import { sourceAttribute } from '../../common/sourceName';
import { runsOf } from '../support/history';
import { until } from '../support/poll';
import { startTestStack, type TestStack } from '../support/stack';

/**
 * The typed client API as a Node service uses it: several instances of a service start and steer
 * imports at the same moment, and each must learn what really happened, as a named error where
 * the API refuses. Requests take 300 ms, so an import of 2,000 rows in batches of 500 runs a while.
 * Default import IDs of files this process cannot see come from their names alone, and the dev
 * server is shared by every test file: the names here are this file's own.
 */
describe('the client API, as services use it', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ sandbox: { faults: { latencyMs: 300 } } });
  });
  afterAll(async () => {
    await stack.stop();
  });

  async function endIt(importId: string): Promise<void> {
    await cancelImport(stack.client, importId, 'abandon').catch(() => undefined);
    await until(() => getReport(stack.client, importId), (r) => r !== null, 60_000);
  }
  const errorOf = (promise: Promise<unknown>): Promise<unknown> => promise.then(() => undefined, (error: unknown) => error);

  it('two instances start the same source at the same moment: one import, and exactly one of them is told it started it', async () => {
    await writeSampleFile(path.join(stack.dataDir, 'client-race.csv'), { rows: 2_000, seed: 1 });
    const [a, b] = await Promise.all([startImport(stack.client, { source: 'client-race.csv', batchSize: 500 }), startImport(stack.client, { source: 'client-race.csv', batchSize: 500 })]);
    try {
      expect(a.importId).toBe(b.importId);
      expect(await runsOf(stack.client.client, a.importId)).toHaveLength(1);
      // Before, both were told `alreadyRunning: false`.
      expect([a.alreadyRunning, b.alreadyRunning].sort()).toEqual([false, true]);
    } finally {
      await endIt(a.importId);
    }
  });

  it('two instances start different sources under one import ID at the same moment: the one whose file is not imported gets ImportIdInUseError', async () => {
    await writeSampleFile(path.join(stack.dataDir, 'client-a.csv'), { rows: 2_000, seed: 2 });
    await writeSampleFile(path.join(stack.dataDir, 'client-b.csv'), { rows: 2_000, seed: 3, idPrefix: 'b' });
    const results = await Promise.allSettled([
      startImport(stack.client, { source: 'client-a.csv', importId: 'client-shared-id', batchSize: 500 }),
      startImport(stack.client, { source: 'client-b.csv', importId: 'client-shared-id', batchSize: 500 }),
    ]);
    try {
      // Before, both succeeded, and one caller took the other's file for its own.
      const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(refused).toHaveLength(1);
      expect(refused[0]!.reason).toBeInstanceOf(ImportIdInUseError);
      const started = results.find((r): r is PromiseFulfilledResult<Awaited<ReturnType<typeof startImport>>> => r.status === 'fulfilled')!.value;
      expect((refused[0]!.reason as ImportIdInUseError).runningSource).toBe(sourceAttribute(started.input.source));
    } finally {
      await endIt('client-shared-id');
    }
  });

  it('a start that joins a running import gets the options it runs with, not the ones it asked for', async () => {
    await writeSampleFile(path.join(stack.dataDir, 'client-opts.csv'), { rows: 2_000, seed: 4 });
    const first = await startImport(stack.client, { source: 'client-opts.csv', batchSize: 500, concurrency: 1 });
    const second = await startImport(stack.client, { source: 'client-opts.csv', batchSize: 1_000, concurrency: 8 });
    try {
      expect(second.alreadyRunning).toBe(true);
      expect([second.input.batchSize, second.input.concurrency]).toEqual([500, 1]);
      expect(second.keptSettings).toEqual(['batch size 500 (not 1000)', 'concurrency 1 (not 8)']);
      // Changed since its start: the concurrency it runs at now, not the one it started with.
      await setImportConcurrency(stack.client, first.importId, 3);
      const third = await startImport(stack.client, { source: 'client-opts.csv', concurrency: 8 });
      expect(third.input.concurrency).toBe(3);
      expect(third.keptSettings).toEqual(['concurrency 3 (not 8)']);
      // Asked for what it runs at now: nothing kept.
      expect((await startImport(stack.client, { source: 'client-opts.csv', concurrency: 3 })).keptSettings).toEqual([]);
    } finally {
      await endIt(first.importId);
    }
  });

  it('an import that failed on its mapping is started again with the mapping corrected: a new import, where the same start is refused', async () => {
    await writeSampleFile(path.join(stack.dataDir, 'client-mapfix.csv'), { rows: 20, seed: 5 });
    const wrong = { columns: { firstname: 'first_name' } };
    const failed = await waitForReport(stack.client, (await startImport(stack.client, { source: 'client-mapfix.csv', mapping: wrong })).importId);
    expect(failed.status).toBe('failed');
    expect(failed.failure?.code).toBe('MappingError');
    // The same start again finds the first import (a re-run would use the wrong mapping again).
    const again = await errorOf(startImport(stack.client, { source: 'client-mapfix.csv', mapping: wrong }));
    expect(again).toMatchObject({ name: 'ImportAlreadyExistsError', status: 'failed' });
    // A re-run would fail the same way: it is not offered.
    expect((again as Error).message).toContain('It failed on its input (MappingError), and a re-run would too');
    expect((again as Error).message).not.toContain('xp-import retry');
    // Nor does retryFailed start one: each would fail the same way, and a service that retries failed imports would loop.
    const runBefore = (await stack.client.client.workflow.getHandle(failed.importId).describe()).runId;
    const retried = await errorOf(retryFailed(stack.client, failed.importId));
    expect(retried).toMatchObject({ name: 'ImportSteeringError', reason: 'fails_again', importId: failed.importId });
    expect((retried as Error).message).toMatch(/failed on its input \(MappingError: [\s\S]*\), and a re-run reads the same file with the same mapping, so it would fail the same way/);
    expect((await stack.client.client.workflow.getHandle(failed.importId).describe()).runId).toBe(runBefore);
    // Before, this was refused as "already ran for this source" too, and nothing had been imported.
    const fixed = await startImport(stack.client, { source: 'client-mapfix.csv', mapping: { columns: { first_name: 'first_name' } } });
    expect(fixed.alreadyRunning).toBe(false);
    expect(fixed.importId).not.toBe(failed.importId);
    expect((await waitForReport(stack.client, fixed.importId)).rows).toMatchObject({ total: 20, imported: 20 });
  });

  it('a wait for the report stops when its signal is aborted or its onProgress throws, and the import goes on', async () => {
    await writeSampleFile(path.join(stack.dataDir, 'client-wait.csv'), { rows: 2_000, seed: 8 });
    const { importId } = await startImport(stack.client, { source: 'client-wait.csv', batchSize: 100, concurrency: 1 });
    try {
      // A service shutting down: the wait ends with the signal's reason, at once, not when the import does.
      const shutdown = new AbortController();
      const waiting = errorOf(waitForReport(stack.client, importId, undefined, 1_000, { signal: shutdown.signal }));
      const asked = Date.now();
      shutdown.abort(new Error('service shutting down'));
      expect(await waiting).toMatchObject({ message: 'service shutting down' });
      expect(Date.now() - asked).toBeLessThan(5_000);
      // A bug in the caller's progress code: its error, not a silent wait to the end.
      const buggy = await errorOf(
        waitForReport(stack.client, importId, () => {
          throw new TypeError('progress view broke');
        }, 100),
      );
      expect(buggy).toBeInstanceOf(TypeError);
      expect((buggy as Error).message).toBe('progress view broke');
      // An already aborted signal: no wait at all.
      const aborted = AbortSignal.abort(new Error('too late'));
      expect(await errorOf(waitForReport(stack.client, importId, undefined, 1_000, { signal: aborted }))).toMatchObject({ message: 'too late' });
      expect(await importStatus(stack.client, importId)).toBe('RUNNING');
    } finally {
      await endIt(importId);
    }
  });

  it("a dry run's progress says it is one: rows that would be imported, where it said imported", async () => {
    await writeSampleFile(path.join(stack.dataDir, 'client-dry.csv'), { rows: 30, seed: 6 });
    const { importId } = await startImport(stack.client, { source: 'client-dry.csv', dryRun: true });
    expect((await waitForReport(stack.client, importId)).rows.imported).toBe(30);
    const progress = await getProgress(stack.client, importId);
    expect(progress.dryRun).toBe(true);
    expect(formatProgressLine(progress)).toMatch(/^done \(dry run\): 30\/30 rows \(30 would be imported, /);
  });

  it('a steering request the import refuses, and progress of an unknown ID, come as named errors carrying the import ID', async () => {
    await writeSampleFile(path.join(stack.dataDir, 'client-steer.csv'), { rows: 2_000, seed: 5 });
    const { importId } = await startImport(stack.client, { source: 'client-steer.csv', batchSize: 500, concurrency: 1 });
    try {
      await until(() => getProgress(stack.client, importId), (p: Progress) => p.phase === 'importing');
      // Before, a raw WorkflowUpdateFailedError.
      const refused = await errorOf(setImportConcurrency(stack.client, importId, 100));
      expect(refused).toBeInstanceOf(ImportSteeringError);
      expect(refused).toMatchObject({ importId, reason: 'refused' });
      // Before, a raw WorkflowNotFoundError.
      expect(await errorOf(getProgress(stack.client, 'no-such-import'))).toBeInstanceOf(ImportNotFoundError);
    } finally {
      await endIt(importId);
    }
    // An ended import: nothing to steer, said with a reason the caller can act on; its phase is `done`.
    expect(await errorOf(pauseImport(stack.client, importId))).toMatchObject({ name: 'ImportSteeringError', importId, reason: 'ended' });
    expect((await getProgress(stack.client, importId)).phase).toBe('done');
  });

  it('retryFailed sent by two instances at once: one re-run, which both are told about', async () => {
    await writeSampleFile(path.join(stack.dataDir, 'client-retry.csv'), { rows: 2_000, seed: 6 });
    const { importId } = await startImport(stack.client, { source: 'client-retry.csv', batchSize: 500, concurrency: 1 });
    await until(() => getProgress(stack.client, importId), (p: Progress) => p.batches.done >= 1);
    await cancelImport(stack.client, importId);
    expect((await waitForReport(stack.client, importId)).status).toBe('cancelled');

    // Before, one of them got a raw WorkflowExecutionAlreadyStartedError.
    const [a, b] = await Promise.all([retryFailed(stack.client, importId), retryFailed(stack.client, importId)]);
    expect([a.alreadyRunning, b.alreadyRunning].sort()).toEqual([false, true]);
    const report = await waitForReport(stack.client, importId);
    expect(report.rows).toEqual({ total: 2_000, imported: 2_000, rejected: 0, skipped: 0, superseded: 0 });
    expect(await runsOf(stack.client.client, importId)).toHaveLength(2);
  });

  it('refusals of a start say why in the terms the caller used: bad options field by field, an ID given twice, a path this client cannot see', async () => {
    await writeFile(path.join(stack.dataDir, 'client-x.csv'), 'user_id\nu1\n');
    // Before, raw ZodErrors.
    const big = await errorOf(startImport(stack.client, { source: 'client-x.csv', batchSize: 20_000 }));
    expect(big).toBeInstanceOf(InvalidImportRequestError);
    expect((big as InvalidImportRequestError).problems).toEqual([expect.stringMatching(/^batchSize: /)]);
    // A misspelled option, from JavaScript: refused, where it was dropped and the import ran with the default.
    const misspelled = await errorOf(startImport(stack.client, { source: 'client-x.csv', batchsize: 10 } as unknown as Parameters<typeof startImport>[1]));
    expect(misspelled).toMatchObject({ name: 'InvalidImportRequestError', problems: [expect.stringMatching(/batchsize/)] });
    expect(await errorOf(startImport(stack.client, { source: 'client-x.csv', importId: '../etc' }))).toMatchObject({
      name: 'InvalidImportRequestError',
      problems: [expect.stringMatching(/^importId: /)],
    });

    // Before, "already ran for this source", of another source.
    await waitForReport(stack.client, (await startImport(stack.client, { source: 'client-x.csv', importId: 'client-nightly-crm' })).importId);
    await writeFile(path.join(stack.dataDir, 'client-y.csv'), 'user_id\nu2\n');
    const given = await errorOf(startImport(stack.client, { source: 'client-y.csv', importId: 'client-nightly-crm' }));
    expect(given).toMatchObject({ name: 'ImportAlreadyExistsError', basis: 'given', status: 'completed' });
    expect((given as Error).message).not.toMatch(/for this source/);
    // Before, it offered `xp-import retry`, which then refused: nothing to retry.
    expect((given as Error).message).toContain('It completed. See its report');
    expect((given as Error).message).not.toContain('retry');

    // This process does not see the data folder: the default ID names the path alone, and a new version of the file is refused as such.
    expect(process.env.XP_IMPORT_DATA_DIR).toBeUndefined();
    await waitForReport(stack.client, (await startImport(stack.client, { source: 'client-x.csv' })).importId);
    await writeFile(path.join(stack.dataDir, 'client-x.csv'), 'user_id\nu1\nu3\n');
    const again = await errorOf(startImport(stack.client, { source: 'client-x.csv' }));
    expect(again).toBeInstanceOf(ImportAlreadyExistsError);
    expect(again).toMatchObject({ basis: 'path' });
    expect((again as Error).message).toContain('cannot see the file');
  });
});
