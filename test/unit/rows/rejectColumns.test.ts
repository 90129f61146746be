import { describe, expect, it } from 'vitest';
import { compileMapping } from '../../../activities/rows';
import { REJECT_COLUMNS } from '../../../common/report';

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
});
