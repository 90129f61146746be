import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Info } from '@temporalio/activity';
import type { LogEntry } from '@temporalio/worker';
import { DefaultLogger } from '@temporalio/worker';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import type { ActivityDeps } from '../../../activities/deps';
import { LocalFileSource, planBatches } from '../../../activities/source';
import { createSourceActivities, type InspectSourceInput, type InspectSourceResult } from '../../../activities/sourceActivities';
import { createBatchBuilds } from '../../../activities/submit/batchBuilds';
import { createSubmitBatch } from '../../../activities/submit/submitBatch';
import type { XtremepushClient } from '../../../activities/xtremepush/client';
import { ServerError } from '../../../activities/xtremepush/errors';
import type { ImportJob, SubmitBatchInput } from '../../../common/batch';
import type { BatchPlan } from '../../../common/plan';
import { tempFolder } from '../dedupe/support';

/**
 * An attempt that follows one whose worker died says so at WARN, once; one that follows an attempt
 * that failed on its own (which the SDK logged already) does not. The activities alone, through the
 * heartbeat details an attempt hands the next.
 */
function worker(name: string, api: { fail: boolean }) {
  const root = path.join(tempFolder(), `takeover-${name}`);
  const dataDir = path.join(root, 'data');
  const reportDir = path.join(root, 'reports');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(path.join(dataDir, 'p.csv'), `user_id,first_name\n${Array.from({ length: 10 }, (_, i) => `u${i},n${i}`).join('\n')}\n`);
  const xtremepush = {
    importProfiles: () => (api.fail ? Promise.reject(new ServerError(500, false)) : Promise.resolve({ mode: 'sync' as const })),
    rateLimitedWithin: () => false,
  } as unknown as XtremepushClient;
  const deps: ActivityDeps = { dataDir, reportDir, buildThreads: 0, xtremepush };
  const builds = createBatchBuilds(deps);
  const source = createSourceActivities(deps, builds);
  const submitBatch = createSubmitBatch(deps, builds);
  const inspection: InspectSourceInput = { importId: name, source: { kind: 'file', path: 'p.csv' }, format: 'csv' };
  const lines: LogEntry[] = [];
  const logger = new DefaultLogger('WARN', (entry) => lines.push(entry));
  const info: Partial<Info> = { activityId: '3', workflowExecution: { workflowId: name, runId: 'run-1' } };
  /** Runs one attempt; resolves with its last heartbeat details and what it threw, if anything. */
  const attempt = async <T>(fn: () => Promise<T>, more: Partial<Info>) => {
    let lastHeartbeat: unknown = more.heartbeatDetails;
    const env = new MockActivityEnvironment({ ...info, ...more }, { logger });
    env.on('heartbeat', (details: unknown) => (lastHeartbeat = details));
    const error = await env.run(fn).then(
      () => undefined,
      (e: unknown) => e,
    );
    return { lastHeartbeat, error };
  };
  const submitInput = async (): Promise<SubmitBatchInput> => {
    const inspected: InspectSourceResult = await new MockActivityEnvironment().run(() => source.inspectSource(inspection));
    const page = await planBatches(new LocalFileSource(path.join(dataDir, 'p.csv')), { format: 'csv', layout: inspected.layout, cursor: null, batchSize: 10, maxBatches: 1 });
    const batch = page.batches[0] as BatchPlan;
    const job = JSON.parse(JSON.stringify({ importId: name, source: inspection.source, format: 'csv', layout: inspected.layout, dryRun: false })) as ImportJob;
    return { job, batch, maxSubmitAttempts: 5 };
  };
  return { lines, attempt, submitBatch, submitInput, inspectSource: () => source.inspectSource(inspection) };
}

const takeovers = (lines: LogEntry[], message: string) => lines.filter((l) => l.message === message);

describe('an activity attempt that takes over from a dead one', () => {
  it('submit: one after a worker died logs "batch taken over" at WARN with what it resumes from; one after a failed attempt does not', async () => {
    const api = { fail: true };
    const { lines, attempt, submitBatch, submitInput } = worker('submit', api);
    const input = await submitInput();
    // Attempt 1 gets a 500: it fails on its own.
    const first = await attempt(() => submitBatch(input), { attempt: 1 });
    expect(first.error).toBeInstanceOf(Error);
    api.fail = false;
    // Attempt 2 is its retry: the SDK logged why attempt 1 failed, and nothing was taken over.
    await attempt(() => submitBatch(input), { attempt: 2, heartbeatDetails: first.lastHeartbeat });
    expect(takeovers(lines, 'batch taken over')).toEqual([]);
    // Attempt 3 follows an attempt 2 whose worker died after a request was posted (its details say so, with no failure mark).
    const died = { posted: { '0:0-10': '' }, rejected: [], unknown: [], retries: { server_error: 1 }, possibleDuplicates: 0, failedAttempt: 1 };
    await attempt(() => submitBatch(input), { attempt: 3, heartbeatDetails: died });
    expect(takeovers(lines, 'batch taken over')).toEqual([
      expect.objectContaining({
        level: 'WARN',
        meta: expect.objectContaining({ importId: 'submit', batch: 1, attempt: 3, resumesFrom: { requestsPosted: 1, requestsInDoubt: 0, rowsRefused: 0 } }) as unknown,
      }),
    ]);
  });

  it('inspection: one after a worker died logs "inspection taken over" at WARN with how far the dead one read; one after a failed attempt does not', async () => {
    const { lines, attempt, inspectSource } = worker('inspect', { fail: false });
    // A failed attempt's last heartbeat carries its mark (here: the file is missing).
    const missing = worker('inspect-missing', { fail: false });
    writeFileSync(path.join(tempFolder(), 'takeover-inspect-missing', 'data', 'p.csv'), '');
    const failed = await missing.attempt(() => missing.inspectSource(), { attempt: 1 });
    expect(failed.error).toBeInstanceOf(Error);
    expect(failed.lastHeartbeat).toMatchObject({ failedAttempt: 1 });

    await attempt(inspectSource, { attempt: 2, heartbeatDetails: { bytesRead: 40, bytesTotal: 80, failedAttempt: 1 } });
    expect(takeovers(lines, 'inspection taken over')).toEqual([]);
    await attempt(inspectSource, { attempt: 2, heartbeatDetails: { bytesRead: 40, bytesTotal: 80 } });
    expect(takeovers(lines, 'inspection taken over')).toEqual([
      expect.objectContaining({ level: 'WARN', meta: expect.objectContaining({ importId: 'inspect', attempt: 2, bytesReadBefore: 40 }) as unknown }),
    ]);
  });
});
