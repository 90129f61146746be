import { describe, expect, it } from 'vitest';
import { ImportAlreadyExistsError, type EndedImport } from '../../../client/importErrors';

const ended = (over: Partial<Exclude<EndedImport, 'no-report'>>): EndedImport => ({
  status: 'completed',
  dryRun: false,
  batches: { total: 10, succeeded: 10, failed: 0 },
  ...over,
});

/** What "already ran" tells to do next, by how the import ended: `retry` only where it can send something. */
describe('ImportAlreadyExistsError: what to do with an import that already ran', () => {
  const message = (how: EndedImport | undefined) => new ImportAlreadyExistsError('crm-1', 'version', how).message;

  it('offers retry for failed batches, even under completed_with_rejections (a 5xx storm), and for batches a cancel left', () => {
    expect(message(ended({ status: 'completed_with_rejections', batches: { total: 100, succeeded: 97, failed: 3 } }))).toContain('`xp-import retry crm-1`');
    expect(message(ended({ status: 'cancelled', batches: { total: 60, succeeded: 6, failed: 0 } }))).toContain('`xp-import retry crm-1`');
    expect(message(ended({ status: 'failed', failure: { code: 'AuthenticationError', message: 'wrong token' }, batches: { total: 3, succeeded: 0, failed: 0 } }))).toContain('`xp-import retry crm-1`');
  });

  it('does not offer retry where it would send nothing or fail the same way', () => {
    const done = message(ended({}));
    expect(done).toContain('It completed. See its report');
    expect(message(ended({ status: 'completed_with_rejections' }))).toContain('with rows rejected');
    expect(message(ended({ dryRun: true }))).toContain('It was a dry run: nothing was sent.');
    expect(message(ended({ status: 'failed', failure: { code: 'MappingError', message: 'no identity' }, batches: { total: 0, succeeded: 0, failed: 0 } }))).toContain('It failed on its input (MappingError)');
    expect(message('no-report')).toContain('It ended without a report, so it cannot be re-run');
    for (const text of [done, message(ended({ dryRun: true })), message('no-report')]) expect(text).not.toContain('xp-import retry');
  });

  it('carries the status when the report tells it', () => {
    expect(new ImportAlreadyExistsError('crm-1', 'given', ended({ status: 'cancelled' })).status).toBe('cancelled');
    expect(new ImportAlreadyExistsError('crm-1', 'given', 'no-report').status).toBeUndefined();
  });
});
