import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileMapping, type RowOutcome } from '../../../activities/rows';
import { MappingSchema } from '../../../common/mapping';

/** The mapping file of docs/mapping.md's full example, read from the document so the two cannot drift apart. */
function documentedMapping(): unknown {
  const doc = readFileSync(path.join(__dirname, '../../../docs/mapping.md'), 'utf8');
  const block = /`customers\.mapping\.json`:\s*```json\n([\s\S]*?)```/.exec(doc);
  if (block?.[1] === undefined) throw new Error('docs/mapping.md lost its example mapping');
  return JSON.parse(block[1]);
}

const HEADER = ['Customer ID', 'First Name', 'Email Address', 'Opt In', 'Phone', 'SMS OK', 'Signup Date', 'Loyalty Points', 'Preferences', 'Notes', 'Country'];
const ROWS = [
  ['C-0001', 'Sam', 'sam@example.com', 'Yes', '085 012 3456', 'no', '2023-12-13 11:36:00 +01:00', '1250', '{"tier": "gold"}', 'called twice', 'IE'],
  ['C-0002', 'Joe', '', '', '+44 7911 123456', 'TRUE', '2024-02-29', '', '', '', 'GB'],
  ['C-0003', 'Ana', 'ana@example.ie', 'y', '', '', '2024-05-31', '80', '["sms", "email"]', '', ''],
];

function sent(outcome: RowOutcome): Record<string, unknown> {
  if (!outcome.ok) throw new Error(outcome.issue.reason);
  return Object.fromEntries(outcome.values);
}

describe('the CRM example of docs/mapping.md', () => {
  it('is a valid mapping file', () => {
    expect(MappingSchema.safeParse(documentedMapping()).success).toBe(true);
  });

  it('sends what the document says', () => {
    const mapper = compileMapping({ format: 'csv', header: HEADER, mapping: MappingSchema.parse(documentedMapping()) });
    const [first, second, third] = ROWS.map((cells, i) => sent(mapper.map({ row: i + 1, line: i + 2, byteOffset: 0, cells })));
    expect(first).toEqual({
      user_id: 'C-0001',
      first_name: 'Sam',
      email: 'sam@example.com',
      email_subscription: 1,
      mobile_number: '353850123456',
      sms_subscription: 0,
      signup_date: '2023-12-13 11:36:00 +01:00',
      loyalty_points: 1250,
      preferences: '{"tier":"gold"}',
      country: 'IE',
      source: 'crm-export',
    });
    expect(second).toEqual({
      user_id: 'C-0002',
      first_name: 'Joe',
      mobile_number: '447911123456',
      sms_subscription: 1,
      signup_date: '2024-02-29',
      loyalty_points: '',
      country: 'GB',
      source: 'crm-export',
    });
    expect(third).toEqual({
      user_id: 'C-0003',
      first_name: 'Ana',
      email: 'ana@example.ie',
      email_subscription: 1,
      signup_date: '2024-05-31',
      loyalty_points: 80,
      preferences: '["sms","email"]',
      source: 'crm-export',
    });
  });
});
