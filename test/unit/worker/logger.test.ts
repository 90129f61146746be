import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { shutdownGraceMs } from '../../../common/config';
import { loadWorkerConfig } from '../../../workers/config';
import { JsonLinesLogger } from '../../../workers/logger';

describe('the worker log', () => {
  it('writes an error in the metadata with its name, message, failure type and cause (JSON.stringify alone wrote {})', () => {
    const lines: string[] = [];
    const logger = new JsonLinesLogger('INFO', (line) => lines.push(line));
    const failure = ApplicationFailure.create({ type: 'SourceUnavailableError', message: 'cannot read the source (ECONNREFUSED)', cause: new Error('connect ECONNREFUSED') });
    logger.warn('Activity failed', { activityType: 'inspectSource', error: failure });
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0] as string) as Record<string, unknown>;
    expect(entry).toMatchObject({
      level: 'WARN',
      message: 'Activity failed',
      activityType: 'inspectSource',
      error: { name: 'ApplicationFailure', message: 'cannot read the source (ECONNREFUSED)', type: 'SourceUnavailableError', cause: { name: 'Error', message: 'connect ECONNREFUSED' } },
    });
    expect(entry.error).not.toHaveProperty('stack');
  });

  it('writes no task token, nor the whole tasks some SDK error lines carry, nor the SDK\'s TRACE lines (whole payloads)', () => {
    const lines: string[] = [];
    const logger = new JsonLinesLogger('TRACE', (line) => lines.push(line));
    logger.warn('Activity failed', { activityType: 'submitBatch', taskToken: 'CiQwMWEy' });
    logger.error('Error while processing ActivityTask.start', { task: '{"taskToken":"CiQwMWEy"}', taskEncoded: 'CpUB' });
    logger.warn('Activity not found on completion.', { sdkComponent: 'core', task_token: 'TaskToken(CiQwMWEy)' });
    logger.trace('Got activity task', { activityTask: { input: ['https://bucket.example/x.csv?X-Amz-Signature=abc'] } });
    expect(lines).toHaveLength(3);
    expect(lines.join('')).not.toMatch(/CiQwMWEy|CpUB|Signature/);
  });

  it('leaves out entries below its level', () => {
    const lines: string[] = [];
    new JsonLinesLogger('WARN', (line) => lines.push(line)).info('worker ready');
    expect(lines).toEqual([]);
  });
});

describe('XP_IMPORT_LOG_LEVEL', () => {
  it('takes a level in either case, INFO unless set, and refuses a level that is none by name', () => {
    const base = { TEMPORAL_ADDRESS: 'localhost:7233', XTREMEPUSH_APPTOKEN: 'token' };
    // Before, `info` stopped the worker.
    expect(loadWorkerConfig({ ...base, XP_IMPORT_LOG_LEVEL: 'info' }).env.XP_IMPORT_LOG_LEVEL).toBe('INFO');
    expect(loadWorkerConfig({ ...base, XP_IMPORT_LOG_LEVEL: 'Debug' }).env.XP_IMPORT_LOG_LEVEL).toBe('DEBUG');
    expect(loadWorkerConfig(base).env.XP_IMPORT_LOG_LEVEL).toBe('INFO');
    expect(() => loadWorkerConfig({ ...base, XP_IMPORT_LOG_LEVEL: 'loud' })).toThrow(/XP_IMPORT_LOG_LEVEL/);
  });
});

describe('XP_IMPORT_SHUTDOWN_GRACE_MS', () => {
  it('defaults to longer than a request may take, so a request in flight at SIGTERM is not cut off and sent again', () => {
    const base = { TEMPORAL_ADDRESS: 'localhost:7233', XTREMEPUSH_APPTOKEN: 'token' };
    // Before, 30 s against the 60 s request timeout.
    expect(shutdownGraceMs(loadWorkerConfig(base).env)).toBe(70_000);
    expect(shutdownGraceMs(loadWorkerConfig({ ...base, XTREMEPUSH_REQUEST_TIMEOUT_MS: '5000' }).env)).toBe(15_000);
    expect(shutdownGraceMs(loadWorkerConfig({ ...base, XP_IMPORT_SHUTDOWN_GRACE_MS: '20000' }).env)).toBe(20_000);
  });
});
