import { describe, expect, it } from 'vitest';
import { toApplicationFailure } from '../../../activities/failures';
import { mappingError } from './mappingFailure';

/** What an import's failure carries into Temporal's history and the report: a few KB, whatever the header. */
const FEW_KB = 10_000;

describe('the size of a mapping failure', () => {
  it('a 100,000-column header with invalid names: the message lists 20 problems, the whole-mapping one among them, and says how many more', () => {
    const header = Array.from({ length: 100_000 }, (_, i) => `Col ${i + 1}`);
    const error = mappingError(header);
    // Before, the message held every problem: about 20 MB, in history and in the report.
    const failure = toApplicationFailure(error);
    expect(Buffer.byteLength(failure.message)).toBeLessThan(FEW_KB);
    const lines = error.message.split('\n');
    expect(lines[0]).toBe('The mapping does not fit the source (100001 problems):');
    expect(lines.filter((line) => line.startsWith('- column '))).toHaveLength(19);
    // The last problem found, and the one that says the most, takes the place of the 20th column's.
    expect(error.message).toContain('- no column goes to user_id or device_id');
    expect(error.message).toContain('- and 99981 more problems, left out to keep this message short; `xp-import validate`, given the same file and mapping, runs locally and lists them all');
    // Local output (validate) still lists every problem, with every name.
    expect(error.localMessage.split('\n').filter((line) => line.startsWith('- '))).toHaveLength(100_001);
    expect(error.localMessage).toContain('- column "Col 100000": is not a valid Xtremepush attribute name');
    expect(error.problems).toHaveLength(100_001);
    // 20 problems or fewer are all listed, as before.
    const few = mappingError(['user_id', ...header.slice(0, 20)]);
    expect(few.message.split('\n').filter((line) => line.startsWith('- column '))).toHaveLength(20);
    expect(few.message).not.toContain('more problems, left out');
  });

  it('a name of any length written in the mapping is cut in the message, not in local output', () => {
    const long = 'x'.repeat(100_000);
    const error = mappingError(['user_id'], { columns: { [long]: 'nickname' } });
    expect(Buffer.byteLength(error.message)).toBeLessThan(FEW_KB);
    expect(error.message).toMatch(/^- column "xxx+…$/m);
    expect(error.localMessage).toContain(`- column "${long}": is named in the mapping's "columns" but the header has no such column`);
  });
});

describe('names in a mapping failure', () => {
  // A second byte order mark (the file's own is dropped), a zero-width space: the name printed as it is looked valid.
  it('escapes the characters nobody can see, in local output and wherever a name is shown', () => {
    const error = mappingError(['\uFEFFuser_id', 'e\u200Bmail', 'Na\u00A0me']);
    expect(error.localMessage).toContain('- column "\\uFEFFuser_id": is not a valid Xtremepush attribute name');
    expect(error.localMessage).toContain('- column "e\\u200Bmail": ');
    expect(error.localMessage).toContain('- column "Na\\u00A0me": ');
    expect(error.localMessage).not.toMatch(/[\uFEFF\u200B\u00A0]/);
  });
});
