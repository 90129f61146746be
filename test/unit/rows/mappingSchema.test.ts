import { describe, expect, it } from 'vitest';
import { MappingSchema } from '../../../common/mapping';
import { DelimiterFlagSchema } from '../../../common/source';

/** The messages a person sees for a mapping file or a flag that does not parse: what is wrong and what to write instead. */
function problems(input: unknown): string[] {
  const parsed = MappingSchema.safeParse(input);
  return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('mapping file messages', () => {
  it('a skipped column with a target or type beside it says the rest would do nothing', () => {
    expect(problems({ columns: { notes: { skip: true, to: 'n', type: 'number' } } })).toEqual([
      'columns.notes: "skip": true leaves the column out, so "to", "type" and "blank" beside it would do nothing: keep either the skip or the rest',
    ]);
    expect(problems({ columns: { notes: { skip: true }, other: { to: 'x', type: 'number' } } })).toEqual([]);
  });

  it('a "__proto__" entry, which JSON.parse keeps and zod would drop without a word, is refused (any caller: file, client API, activity)', () => {
    // Before, both parsed, the invalid rule included, and the entry was gone from the result.
    expect(problems(JSON.parse('{"columns": {"__proto__": {"tpye": "number"}, "id": "user_id"}}'))).toEqual([
      'columns.__proto__: a column named "__proto__" cannot be named in a mapping, as a JSON object takes that key for its prototype: rename the column in the file (or leave it out of the file) and remove this entry',
    ]);
    expect(problems(JSON.parse('{"constants": {"__proto__": 1}}'))).toEqual([
      'constants.__proto__: "__proto__" cannot be a constant: a JSON object takes that key for its prototype, and xp-import sends no attribute of that name; remove it',
    ]);
    // A key that only contains the name is an ordinary key.
    expect(problems(JSON.parse('{"columns": {"__proto__x": "x"}, "constants": {"a__proto__": 1}}'))).toEqual([]);
  });

  it('a constant that is null says what a constant may be', () => {
    expect(problems({ constants: { notes: null } })).toEqual(['constants.notes: a constant is a string, a number or true/false (to leave an attribute alone, leave it out)']);
  });
});

describe('--delimiter', () => {
  it('lists the delimiters, readably, for one it does not know', () => {
    const parsed = DelimiterFlagSchema.safeParse(';;');
    expect(parsed.success ? [] : parsed.error.issues.map((issue) => issue.message)).toEqual(['use one of , ; | or tab (\\t)']);
    expect(DelimiterFlagSchema.parse('tab')).toBe('\t');
  });
});
