import { describe, expect, it } from 'vitest';
import { retryingStep } from '../../../client/imports';
import { noWorkerMessage } from '../../../client/workerPresence';

const pending = (name: string, attempt: number, failure?: { message: string; type?: string }) => ({
  activityType: { name },
  attempt,
  maximumAttempts: 10,
  ...(failure ? { lastFailure: { message: failure.message, ...(failure.type ? { applicationFailureInfo: { type: failure.type } } : {}) } } : {}),
});

describe('the step an import is retrying, from its pending activities', () => {
  it('is absent while every step is on its first attempt', () => {
    expect(retryingStep([pending('inspectSource', 1), pending('checkXtremepushAccess', 1)])).toBeUndefined();
  });

  it('names the step that failed most often, with its failure type and message', () => {
    const step = retryingStep([
      pending('checkXtremepushAccess', 2, { message: 'HTTP 503', type: 'ServerError' }),
      pending('inspectSource', 4, { message: 'cannot read the source (ECONNREFUSED)', type: 'SourceUnavailableError' }),
    ]);
    expect(step).toEqual({ step: 'inspectSource', attempt: 4, maximumAttempts: 10, message: 'SourceUnavailableError: cannot read the source (ECONNREFUSED)' });
  });

  it('does not repeat a type the message already starts with', () => {
    expect(retryingStep([pending('writeReport', 3, { message: 'EACCES: permission denied', type: 'EACCES' })])?.message).toBe('EACCES: permission denied');
  });
});

describe('the no-worker message', () => {
  it('names the task queue, when a worker was last seen and what to start', () => {
    const now = Date.parse('2026-11-29T12:00:00Z');
    expect(noWorkerMessage('imports', new Date(now - 185_000), now)).toMatch(/^no worker is polling task queue "imports" \(the last one polled 185 s ago\).*`xp-import worker`/);
    expect(noWorkerMessage('imports', null, now)).toContain('(none seen lately)');
  });
});
