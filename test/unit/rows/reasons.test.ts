import { describe, expect, it } from 'vitest';
import { ATTRIBUTE_TABLES } from './attributeTables';
import { CONTACT_TABLES } from './contactTables';
import { mapCell, type RuleTable } from './ruleTable';
import type { RowOutcome } from '../../../activities/rows';

/** Row values are personal data: a reason may name the column and the expected form, never the value. */
const TABLES = [...CONTACT_TABLES, ...ATTRIBUTE_TABLES];

function reasonsOf(outcome: RowOutcome): string[] {
  return outcome.ok ? outcome.warnings.map((w) => w.reason) : [outcome.issue.reason];
}

describe('no reason contains the cell value', () => {
  // Values under three characters ("on", "12") occur in any English sentence and identify no one.
  const cases = TABLES.flatMap((table) =>
    [...table.invalid, ...(table.warned ?? [])].filter(([input]) => input.trim().length >= 3).map(([input]) => ({ table, input })),
  );

  it('covers every table that rejects or warns about a non-blank value', () => {
    // All tables but user_id, device_id, the two subscription-required ones (blank cells) and sms_subscription ('on').
    expect(new Set(cases.map((c) => c.table.name)).size).toBe(TABLES.length - 5);
  });

  it.each(cases)('$table.name: $input', ({ table, input }) => {
    const reasons = reasonsOf(mapCell(table, input));
    expect(reasons.length).toBeGreaterThan(0);
    for (const reason of reasons) expect(reason).not.toContain(input.trim());
  });

  // A value no reason could contain by chance: free text is invalid for nearly every rule.
  const MARKER = 'Qzx Marker 7731';
  it.each(TABLES)('$name: a free-text value that is refused or warned about is not echoed', (table: RuleTable) => {
    for (const input of [MARKER, MARKER.repeat(8)]) {
      for (const reason of reasonsOf(mapCell(table, input))) expect(reason).not.toContain(MARKER);
    }
  });

  it('the free-text marker is refused by every rule but identities and strings', () => {
    const accepted = TABLES.filter((table) => mapCell(table, MARKER).ok).map((table) => table.attribute);
    expect(accepted).toEqual(['user_id', 'device_id', 'city']);
  });
});
