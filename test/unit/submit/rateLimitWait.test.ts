import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { ActivityCancellationDetails } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import type { ActivityDeps } from '../../../activities/deps';
import { ReportPaths } from '../../../activities/reports/reportPaths';
import { LocalFileSource, planBatches } from '../../../activities/source';
import { createSourceActivities } from '../../../activities/sourceActivities';
import { createBatchBuilds } from '../../../activities/submit/batchBuilds';
import { createSubmitBatch } from '../../../activities/submit/submitBatch';
import type { XtremepushClient } from '../../../activities/xtremepush/client';
import { RateLimitedError } from '../../../activities/xtremepush/errors';
import type { ImportJob, SubmitBatchInput, SubmitBatchResult } from '../../../common/batch';
import { tempFolder } from '../dedupe/support';
import { until } from '../../support/poll';


/** A submit of one 10-row batch against an API stand-in that answers 429 until told otherwise (unit: the activity alone). */
function setUp(name: string, stopping?: () => boolean) {
  const root = path.join(tempFolder(), name);
  const dataDir = path.join(root, 'data');
  const reportDir = path.join(root, 'reports');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(path.join(dataDir, 'p.csv'), `user_id,first_name\n${Array.from({ length: 10 }, (_, i) => `u${i},n${i}`).join('\n')}\n`);
  const calls: Array<{ aborted: boolean }> = [];
  const api = { answer: 'rateLimit' as 'rateLimit' | 'ok' };
  const xtremepush = {
    importProfiles(_columns: string[], _rows: unknown, signal?: AbortSignal) {
      calls.push({ aborted: signal?.aborted === true });
      // As undici does: an aborted signal fails the request before anything is sent.
      if (signal?.aborted) return Promise.reject(new DOMException('This operation was aborted', 'AbortError'));
      if (api.answer === 'rateLimit') return Promise.reject(new RateLimitedError(30_000));
      return Promise.resolve({ mode: 'sync' as const });
    },
    rateLimitedWithin: () => false,
  } as unknown as XtremepushClient;
  const deps: ActivityDeps = { dataDir, reportDir, buildThreads: 0, xtremepush, ...(stopping ? { stopping } : {}) };
  const builds = createBatchBuilds(deps);
  const submitBatch = createSubmitBatch(deps, builds);
  const input = async (): Promise<SubmitBatchInput> => {
    const source = createSourceActivities(deps, builds);
    const inspect = () => source.inspectSource({ importId: name, source: { kind: 'file', path: 'p.csv' }, format: 'csv' });
    const inspected: Awaited<ReturnType<typeof inspect>> = await new MockActivityEnvironment().run(inspect);
    const page = await planBatches(new LocalFileSource(path.join(dataDir, 'p.csv')), { format: 'csv', layout: inspected.layout, cursor: null, batchSize: 10, maxBatches: 10 });
    const job = JSON.parse(JSON.stringify({ importId: name, source: { kind: 'file', path: 'p.csv' }, format: 'csv', layout: inspected.layout, dryRun: false })) as ImportJob;
    return { job, batch: page.batches[0]!, maxSubmitAttempts: 25 };
  };
  const journal = () => {
    const file = new ReportPaths(reportDir, name).submitJournal(0);
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { sending: string[] }) : undefined;
  };
  return { calls, api, submitBatch, input, journal, info: { activityId: '7', workflowExecution: { workflowId: name, runId: 'run-1' } } };
}

describe('a 429 waited out within a submit attempt', () => {
  it.each([
    ['TIMED_OUT', { timedOut: true }],
    ['WORKER_SHUTDOWN', { workerShutdown: true }],
  ] as const)('cut short by %s: the attempt ends without sending again, and the next counts no possible duplicate', async (reason, details) => {
    const { calls, api, submitBatch, input, journal, info } = setUp(`wait-${reason}`);
    const request = await input();
    let lastHeartbeat: unknown;
    const first = new MockActivityEnvironment({ ...info, attempt: 1 });
    first.on('heartbeat', (d: unknown) => (lastHeartbeat = d));
    const attempt1 = first.run(() => submitBatch(request)).then(
      () => undefined,
      (error: unknown) => error,
    );
    await until(() => Promise.resolve(calls.length), (n) => n === 1, 5_000, 10);
    // The 429 asked for 30 s; the server times the attempt out (or the worker's grace ends) meanwhile.
    first.cancel(reason, new ActivityCancellationDetails(details));
    expect(await attempt1).toBeInstanceOf(Error);
    // Before, the request was sent again with the aborted signal and left in the journal as in flight.
    expect(calls).toEqual([{ aborted: false }]);
    expect(journal()?.sending ?? []).toEqual([]);

    api.answer = 'ok';
    const result: SubmitBatchResult = await new MockActivityEnvironment({ ...info, attempt: 2, heartbeatDetails: lastHeartbeat }).run(() => submitBatch(request));
    expect(result.rows.sent).toBe(10);
    // Before, 1: a request answered 429 had never been applied.
    expect(result.possibleDuplicates).toBe(0);
  }, 30_000);

  it('on a worker asked to stop, a submit starts no new request: it ends the attempt for another worker to go on', async () => {
    let stopping = false;
    const { calls, api, submitBatch, input, info } = setUp('stopping', () => stopping);
    const request = await input();
    const attempt1 = new MockActivityEnvironment({ ...info, attempt: 1 }).run(() => submitBatch(request)).then(
      () => undefined,
      (error: unknown) => error,
    );
    await until(() => Promise.resolve(calls.length), (n) => n === 1, 5_000, 10);
    stopping = true;
    api.answer = 'ok';
    // Nor is the rest of the 429's wait (30 s): the attempt ends within a second, leaving the request to the next.
    const error = await attempt1;
    expect(calls).toHaveLength(1);
    expect(error).toMatchObject({ type: 'RateLimitedError' });
  }, 10_000);
});
