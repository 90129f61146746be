import { describe, expect, it } from 'vitest';
import { compileMapping } from '../../../activities/rows';

const CRM_MAPPING = {
  columns: {
    'Customer ID': 'user_id',
    'Email Address': 'email',
    Phone: 'mobile_number',
    'Opt In': 'email_subscription',
    'SMS Opt In': 'sms_subscription',
    'First Name': 'first_name',
    Notes: { skip: true },
    'Lifetime Value': { to: 'lifetime_value', type: 'number' as const },
  },
  defaultCountry: 'IE',
};
const CRM_HEADER = ['Customer ID', 'First Name', 'Email Address', 'Opt In', 'Phone', 'SMS Opt In', 'Notes', 'Lifetime Value'];

describe('CSV row mapping', () => {
  const mapper = compileMapping({ format: 'csv', header: CRM_HEADER, mapping: CRM_MAPPING });

  it('knows its identity and the attributes it may send: identity first, then header order, skipped columns left out', () => {
    expect(mapper.identityAttribute).toBe('user_id');
    expect(mapper.attributes).toEqual(['user_id', 'first_name', 'email', 'email_subscription', 'mobile_number', 'sms_subscription', 'lifetime_value']);
  });

  it('maps a full row to normalised values and an identity key', () => {
    const outcome = mapper.map({ row: 1, line: 2, byteOffset: 90, cells: [' C-001 ', 'Sam', 'sam@example.com', 'Yes', '085 012 3456', 'no', 'called twice', '1250.5'] });
    expect(outcome).toEqual({
      ok: true,
      identity: 'user_id:C-001',
      values: new Map<string, unknown>([
        ['user_id', 'C-001'],
        ['first_name', 'Sam'],
        ['email', 'sam@example.com'],
        ['email_subscription', 1],
        ['mobile_number', '353850123456'],
        ['sms_subscription', 0],
        ['lifetime_value', 1250.5],
      ]),
      warnings: [],
    });
  });

  it('rejects a row whose cell count differs from the header', () => {
    expect(mapper.map({ row: 3, line: 4, byteOffset: 0, cells: ['C-002', 'Jo'] })).toEqual({
      ok: false,
      issue: { code: 'ragged_row', reason: 'The row has 2 cells but the header has 8 columns' },
    });
  });

  it('rejects an identity holding a line break, a tab or a NUL, and keeps one whose whitespace is only at its ends', () => {
    for (const id of ['C-1\nC-2', 'C-1\r\nC-2', 'C-1\tx', 'C-1\u0000']) {
      expect(mapper.map({ row: 5, line: 6, byteOffset: 0, cells: [id, 'Al', '', '', '', '', '', ''] }), JSON.stringify(id)).toMatchObject({
        ok: false,
        issue: { code: 'identity_invalid', column: 'Customer ID', reason: expect.stringMatching(/line break, a tab or another control character/) as string },
      });
    }
    expect(mapper.map({ row: 5, line: 6, byteOffset: 0, cells: [' C-1\n', 'Al', '', '', '', '', '', ''] })).toMatchObject({ ok: true, identity: 'user_id:C-1' });
  });

  // `user_id\nu1\ru2\ru3\n`: three rows ended by lone CRs read as one; the reason says so.
  it('tells an identity holding a lone CR by the line endings it comes from', () => {
    expect(mapper.map({ row: 1, line: 2, byteOffset: 0, cells: ['C-1\rC-2\rC-3', '', '', '', '', '', '', ''] })).toMatchObject({
      ok: false,
      issue: { code: 'identity_invalid', column: 'Customer ID', reason: expect.stringMatching(/carriage return \(CR\) with no line feed after it: .* Save the file with LF or CRLF line endings$/) as string },
    });
  });

  it('stops at the first invalid cell and names its source column', () => {
    const outcome = mapper.map({ row: 4, line: 5, byteOffset: 0, cells: ['C-003', 'Al', 'al@example', 'maybe', '', '', '', ''] });
    expect(outcome).toMatchObject({ ok: false, issue: { code: 'email_invalid', column: 'Email Address' } });
  });

  it('uses user_id as the identity when the header also has device_id, and sends device_id as an attribute', () => {
    const both = compileMapping({ format: 'csv', header: ['device_id', 'user_id'] });
    expect(both.identityAttribute).toBe('user_id');
    expect(both.attributes).toEqual(['user_id', 'device_id']);
    const outcome = both.map({ row: 1, line: 2, byteOffset: 0, cells: [' d-1 ', 'u-1'] });
    expect(outcome).toMatchObject({ ok: true, identity: 'user_id:u-1' });
    expect(outcome.ok && Object.fromEntries(outcome.values)).toEqual({ user_id: 'u-1', device_id: 'd-1' });
    expect(both.map({ row: 2, line: 3, byteOffset: 0, cells: ['d-2', ''] })).toMatchObject({ ok: false, issue: { code: 'identity_missing', column: 'user_id' } });
  });

  it('refuses an NDJSON record (a programming error, not a row problem)', () => {
    expect(() => mapper.map({ row: 1, line: 1, byteOffset: 0, value: { user_id: 'x' } })).toThrow(TypeError);
  });
});
