import { describe, expect, it } from 'vitest';
import { compileMapping } from '../../../activities/rows';
import { REJECT_COLUMNS } from '../../../common/report';
import { rejectsFileLines } from '../../../activities/reports/rejectParts';

/** README: a fixed rejects file is imported again as it is; its four xp_import_* columns are ignored. */
describe('the columns a rejects file adds', () => {
  const csvHeader = [...REJECT_COLUMNS, 'user_id', 'email', 'email_subscription'];

  it('CSV: are not sent, whatever the row holds in them', () => {
    const mapper = compileMapping({ format: 'csv', header: csvHeader });
    expect(mapper.attributes).toEqual(['user_id', 'email', 'email_subscription']);
    const outcome = mapper.map({ row: 1, line: 2, byteOffset: 0, cells: ['100', '101', 'email', 'Column "email" is not valid', 'd100', 'fixed100@example.com', '1'] });
    if (!outcome.ok) throw new Error(outcome.issue.reason);
    expect([...outcome.values.keys()]).toEqual(['user_id', 'email', 'email_subscription']);
  });

  it('NDJSON: are not sent', () => {
    const mapper = compileMapping({ format: 'ndjson' });
    const outcome = mapper.map({ row: 1, line: 1, byteOffset: 0, value: { xp_import_row: 3, xp_import_line: 3, xp_import_column: null, xp_import_reason: 'rejected', user_id: 'u3', first_name: 'Ann' } });
    if (!outcome.ok) throw new Error(outcome.issue.reason);
    expect([...outcome.values.keys()].sort()).toEqual(['first_name', 'user_id']);
  });

  it('a mapping entry for one of them still counts', () => {
    const mapper = compileMapping({ format: 'csv', header: csvHeader, mapping: { columns: { xp_import_reason: 'last_reject_reason' } } });
    expect(mapper.attributes).toContain('last_reject_reason');
    expect(mapper.attributes).not.toContain('xp_import_row');
  });

  it('CSV: the rejects file of a rejects file is read back with them once, and its rows map as the first round did', () => {
    const lines = rejectsFileLines('csv', { header: csvHeader });
    const header = lines.header.trimEnd().split(',');
    expect(header).toEqual(csvHeader);
    const line = lines.line({ row: 1, line: 2, column: 'email', reason: 'again', cells: ['100', '101', 'email', 'old', 'd100', 'fixed100@example.com', '1'] });
    const cells = line.trimEnd().split(',');
    expect(cells).toEqual(['1', '2', 'email', 'again', 'd100', 'fixed100@example.com', '1']);
    const outcome = compileMapping({ format: 'csv', header }).map({ row: 1, line: 2, byteOffset: 0, cells });
    if (!outcome.ok) throw new Error(outcome.issue.reason);
    expect(Object.fromEntries(outcome.values)).toEqual({ user_id: 'd100', email: 'fixed100@example.com', email_subscription: 1 });
  });
});
