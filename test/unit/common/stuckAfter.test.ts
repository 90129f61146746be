import { describe, expect, it } from 'vitest';
import { StartFlagsSchema } from '../../../client/cli/commands';
import { parseFlags } from '../../../client/cli/usage';
import { NoSuchBatchError } from '../../../client/importErrors';
import { formatDuration } from '../../../common/duration';
import { ImportOptionsSchema, StuckAfterFlagSchema } from '../../../common/importInput';

const EXPECTED = 'expected a duration from 1m to 7d: a whole number and s, m, h or d, such as 90s, 45m or 2h';

describe('start --stuck-after: the stuck-task watchdog from the command line and the client API', () => {
  it.each([
    ['90s', 90_000],
    ['1m', 60_000],
    ['45m', 45 * 60_000],
    ['2h', 2 * 3_600_000],
    ['7d', 7 * 86_400_000],
  ])('reads %s as %d ms', (flag, ms) => {
    expect(StuckAfterFlagSchema.parse(flag)).toBe(ms);
  });

  // Under a minute a slow task would be taken for a stuck one; over a week the batch is held that long.
  it.each([['59s'], ['0m'], ['8d'], ['45'], ['1.5h'], ['1h30m'], ['45M'], [' 45m'], ['-5m'], ['']])('refuses %j, with the range and an example', (flag) => {
    const result = StuckAfterFlagSchema.safeParse(flag);
    expect(result.error?.issues.map((issue) => issue.message)).toEqual([`${EXPECTED}, got ${JSON.stringify(flag)}`]);
  });

  it('a bad --stuck-after is one line naming the flag; the flags carry milliseconds to the client API', () => {
    expect(() => parseFlags(StartFlagsSchema, { stuckAfter: '30s' })).toThrow(`invalid options:\n  option --stuck-after: ${EXPECTED}, got "30s"`);
    expect(parseFlags(StartFlagsSchema, { stuckAfter: '45m' }).stuckAfter).toBe(2_700_000);
    expect(parseFlags(StartFlagsSchema, {}).stuckAfter).toBeUndefined();
  });

  it('the client API takes milliseconds within the same bounds', () => {
    expect(ImportOptionsSchema.parse({ stuckAfterMs: 2_700_000 }).stuckAfterMs).toBe(2_700_000);
    expect(ImportOptionsSchema.parse({}).stuckAfterMs).toBeUndefined();
    const refused = ImportOptionsSchema.safeParse({ stuckAfterMs: 1_000 });
    expect(refused.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)).toEqual([
      'stuckAfterMs: expected a whole number of milliseconds from 60,000 (1m) to 604,800,000 (7d), got 1000',
    ]);
    expect(ImportOptionsSchema.safeParse({ stuckAfterMs: '45m' }).success).toBe(false);
  });

  it('durations are shown in the largest unit they are a whole number of', () => {
    expect([1_800_000, 90_000, 3_600_000, 2_500, 604_800_000].map(formatDuration)).toEqual(['30m', '90s', '1h', '2500ms', '7d']);
  });
});

describe('resolve of a batch number the import does not have', () => {
  it('says how many batches the import has and which are stuck', () => {
    expect(new NoSuchBatchError('imp', 999, 3, { stuck: 1, stuckBatches: [2] })).toMatchObject({
      name: 'NoSuchBatchError',
      reason: 'no_such_batch',
      batchCount: 3,
      stuckBatches: [2],
      message: 'import imp has only 3 batches (1 to 3), so there is no batch 999 to resolve; now 1 stuck: batch 2',
    });
    expect(new NoSuchBatchError('imp', 2, 1, { stuck: 0, stuckBatches: [] }).message).toBe(
      'import imp has only 1 batch (batch 1), so there is no batch 2 to resolve; none of its batches is stuck now',
    );
  });
});
