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
