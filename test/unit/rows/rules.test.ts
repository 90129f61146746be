import { describe, expect, it } from 'vitest';
import { ATTRIBUTE_TABLES } from './attributeTables';
import { CONTACT_TABLES } from './contactTables';
import { mapCell } from './ruleTable';

describe.each([...CONTACT_TABLES, ...ATTRIBUTE_TABLES])('$name', (table) => {
  it.each(table.valid)('accepts %j as %j', (input, expected) => {
    const outcome = mapCell(table, input);
    expect(outcome).toMatchObject({ ok: true, warnings: [] });
    expect(outcome.ok && outcome.values.get(table.attribute)).toStrictEqual(expected);
  });

  if (table.invalid.length > 0) {
    it.each(table.invalid)('rejects %j with %s', (input, code, reason) => {
      expect(mapCell(table, input)).toEqual({ ok: false, issue: { code, column: table.column, reason } });
    });
  }

  if (table.warned !== undefined) {
    it.each(table.warned)('sends %j with a %s warning', (input, code, reason) => {
      const outcome = mapCell(table, input);
      expect(outcome).toMatchObject({ ok: true, warnings: [{ code, column: table.column, reason }] });
      expect(outcome.ok && outcome.values.get(table.attribute)).toBe(input);
    });
  }
});
