import { describe, expect, it } from 'vitest';
import { compileMapping, type Cell, type RowOutcome } from '../../../activities/rows';
import type { MappingInput } from '../../../common/mapping';

const HEADER = ['user_id', 'first_name', 'points', 'email', 'email_subscription'];

function mapRow(cells: string[], mapping?: MappingInput): RowOutcome {
  return compileMapping({ format: 'csv', header: HEADER, mapping }).map({ row: 7, line: 8, byteOffset: 120, cells });
}

function sent(outcome: RowOutcome): Record<string, Cell> {
  if (!outcome.ok) throw new Error(`row rejected: ${outcome.issue.reason}`);
  return Object.fromEntries(outcome.values);
}

describe('blank policies', () => {
  it('leave (the default): blank and whitespace-only cells are not sent, so stored values are kept', () => {
    expect(sent(mapRow(['u1', '', ' \t ', '', '']))).toEqual({ user_id: 'u1' });
  });

  it('clear on a column: its blank cell is sent as an empty string', () => {
    const mapping: MappingInput = { columns: { first_name: { blank: 'clear' }, points: { type: 'number', blank: 'clear' } } };
    expect(sent(mapRow(['u1', '  ', '', '', ''], mapping))).toEqual({ user_id: 'u1', first_name: '', points: '' });
    expect(sent(mapRow(['u1', 'Sam', '12', '', ''], mapping))).toEqual({ user_id: 'u1', first_name: 'Sam', points: 12 });
  });

  it('clear as the mapping default clears every column but the identity and subscriptions; a column may opt out', () => {
    const mapping: MappingInput = { blank: 'clear', columns: { points: { blank: 'leave' } } };
    const outcome = mapRow(['u1', '', '', '', ''], mapping);
    expect(outcome).toEqual({
      ok: false,
      issue: {
        code: 'email_subscription_missing',
        column: 'email_subscription',
        reason: 'The row sends email (column "email") but column "email_subscription" is blank; Xtremepush requires email_subscription (1 or 0) whenever email is sent',
      },
    });
    expect(sent(mapRow(['u1', '', '', '', 'no'], mapping))).toEqual({ user_id: 'u1', first_name: '', email: '', email_subscription: 0 });
  });

  it('a blank identity rejects the row whatever the policy', () => {
    expect(mapRow(['  ', 'Sam', '', '', ''], { blank: 'clear' })).toEqual({
      ok: false,
      issue: { code: 'identity_missing', column: 'user_id', reason: 'Column "user_id" is blank; every row needs a user_id to identify the profile' },
    });
  });

  it('a blank email needs no subscription; a filled one does', () => {
    expect(sent(mapRow(['u1', '', '', '', '']))).toEqual({ user_id: 'u1' });
    expect(mapRow(['u1', '', '', 'sam@example.com', ''])).toMatchObject({ ok: false, issue: { code: 'email_subscription_missing' } });
    expect(sent(mapRow(['u1', '', '', '', 'yes']))).toEqual({ user_id: 'u1', email_subscription: 1 });
  });
});

describe('constants', () => {
  const header = ['Customer ID', 'Email Address'];
  const mapping: MappingInput = {
    columns: { 'Customer ID': 'user_id', 'Email Address': 'email' },
    constants: { email_subscription: 'Yes', source: 'crm-2024', batch_no: 3, imported: true, note: '' },
  };

  it('are normalised once by their attribute rule and added to every row', () => {
    const mapper = compileMapping({ format: 'csv', header, mapping });
    expect(mapper.attributes).toEqual(['user_id', 'email', 'email_subscription', 'source', 'batch_no', 'imported', 'note']);
    const constants = { email_subscription: 1, source: 'crm-2024', batch_no: 3, imported: true, note: '' };
    expect(sent(mapper.map({ row: 1, line: 2, byteOffset: 0, cells: ['c1', 'sam@example.com'] }))).toEqual({ user_id: 'c1', email: 'sam@example.com', ...constants });
    expect(sent(mapper.map({ row: 2, line: 3, byteOffset: 40, cells: ['c2', ''] }))).toEqual({ user_id: 'c2', ...constants });
  });
});
