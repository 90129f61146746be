import { describe, expect, it } from 'vitest';
import { parseFlags } from '../../../client/cli/usage';
import { StartFlagsSchema } from '../../../client/cli/commands';
import { BatchSizeSchema } from '../../../common/importInput';
import { wholeNumber } from '../../../common/wholeNumber';

describe('whole numbers from flags, environment variables and the client API', () => {
  it('takes digits and numbers in range', () => {
    expect(BatchSizeSchema.parse('500')).toBe(500);
    expect(BatchSizeSchema.parse(10_000)).toBe(10_000);
    expect(wholeNumber(0, 10).parse('0')).toBe(0);
  });

  it.each([['0x10'], ['1e3'], [' 5'], [''], ['1.5'], ['abc'], ['-1'], [20_000], [0], [2.5]])('refuses %j, saying what it expects and what it got', (given) => {
    const result = BatchSizeSchema.safeParse(given);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.message)).toEqual([`expected a whole number from 1 to 10,000, got ${JSON.stringify(given)}`]);
  });

  it('a bad flag is one line naming the flag', () => {
    expect(() => parseFlags(StartFlagsSchema, { batchSize: '1e3' })).toThrow('invalid options:\n  option --batch-size: expected a whole number from 1 to 10,000, got "1e3"');
    expect(() => parseFlags(wholeNumber(1), 'x', 'batch number')).toThrow('invalid batch number: expected a whole number of at least 1, got "x"');
  });
});
