import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { inspectWithIdentityIndex } from '../../../activities/dedupe';
import { toApplicationFailure } from '../../../activities/failures';
import { MappingError } from '../../../activities/rows';
import { LocalFileSource, SourceFormatError } from '../../../activities/source';
import { localMessageOf } from '../../../activities/wording';
import type { MappingInput } from '../../../common/mapping';
import { rejectionOf } from '../../support/rejection';
import { mappingError } from './mappingFailure';

/*
 * Messages about a header and its mapping reach Temporal (the inspect activity's failure, the
 * import's report, `xp-import status`). A CSV file exported without its header line has a row of
 * data there, so they give a header cell by position unless its name is safe to show (a known
 * Xtremepush attribute or a name written in the mapping file); the error's localMessage, which
 * only `xp-import validate` prints, names it.
 */

const HEADERLESS = 'leakid11,Johnleak Smithleak,Dublin\nleakid12,Mary Jones,Cork\n';
/** Every piece of the first row, and what a suggestion derived from it would spell (johnleak_smithleak). */
const FIRST_ROW = /leakid11|johnleak|smithleak|dublin/i;

function writeFile(name: string, content: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'xp-header-names-')), name);
  writeFileSync(file, content);
  return file;
}

describe('a CSV file without its header line', () => {
  it('fails the mapping with positions and the validate hint, never the first row', async () => {
    const file = writeFile('nohdr.csv', HEADERLESS);
    // The inspect activity's path: the mapping is compiled against the header as soon as it is read.
    const error = await rejectionOf(inspectWithIdentityIndex(new LocalFileSource(file), { format: 'csv', supersededFile: path.join(path.dirname(file), 'superseded.bin') }));
    expect(error).toBeInstanceOf(MappingError);
    const { message, localMessage } = error as MappingError;

    expect(message).not.toMatch(FIRST_ROW);
    expect(message.split('\n')).toEqual([
      'The mapping does not fit the source (3 problems):',
      '- column 2: is not a valid Xtremepush attribute name (lowercase letters, digits and _ only); map it in "columns", e.g. "<name of column 2>": "a_valid_name", or leave it out with "<name of column 2>": {"skip": true}',
      '- column 3: is not a valid Xtremepush attribute name (lowercase letters, digits and _ only); map it in "columns", e.g. "<name of column 3>": "a_valid_name", or leave it out with "<name of column 3>": {"skip": true}',
      '- no column goes to user_id or device_id, and Xtremepush needs one of them in every row to identify the profile; map the column that identifies each person, e.g. "Customer ID": "user_id"',
      expect.stringContaining('`xp-import validate <file>` runs locally and shows the names'),
    ]);
    expect(message).toContain('the file lacks its header line: add one');

    // What reaches Temporal is the message alone.
    const failure = toApplicationFailure(error);
    expect(failure.type).toBe('MappingError');
    expect(failure.nonRetryable).toBe(true);
    expect(JSON.stringify({ message: failure.message, details: failure.details, stack: failure.stack })).not.toMatch(FIRST_ROW);

    // Local output names the columns.
    expect(localMessage).toContain('- column "Johnleak Smithleak": is not a valid Xtremepush attribute name');
    expect(localMessage).toContain('e.g. "Johnleak Smithleak": "johnleak_smithleak"');
    expect(localMessage).toContain('column "Dublin"');
    expect(localMessage).not.toContain('xp-import validate');
    expect(localMessageOf(error as Error)).toBe(localMessage);
  });

  it('keeps the names out of what serialises or prints the error', () => {
    const error = mappingError(['leakid11', 'Johnleak Smithleak', 'Dublin']);
    expect(JSON.stringify(error)).not.toMatch(FIRST_ROW);
    expect(inspect(error)).not.toMatch(FIRST_ROW);
    expect(Object.keys(error)).not.toContain('localMessage');
  });

  it('two equal cells on line 1: the duplicate-name check gives positions, validate shows the name', async () => {
    const file = writeFile('dup.csv', 'leakid11,Dublin,Dublin\nleakid12,Cork,Cork\n');
    const error = await rejectionOf(inspectWithIdentityIndex(new LocalFileSource(file), { format: 'csv', supersededFile: path.join(path.dirname(file), 'superseded.bin') }));
    expect(error).toBeInstanceOf(SourceFormatError);
    const { code, message, localMessage } = error as SourceFormatError;
    expect(code).toBe('header_duplicate_name');
    expect(message).not.toMatch(FIRST_ROW);
    expect(message).toContain('the header (line 1) gives two columns the same name (columns 2 and 3). Column names must be unique.');
    expect(message).toContain('`xp-import validate <file>` runs locally and shows the names');
    expect(localMessage).toContain('the header (line 1) names column "Dublin" twice (columns 2 and 3)');
  });
});

describe('names in mapping messages', () => {
  it('a header name that is not an attribute and not in the mapping is given by position', () => {
    const error = mappingError(['user_id', 'First Name', 'email_subscription']);
    expect(error.message).not.toContain('First Name');
    expect(error.message).toContain('- column 2: is not a valid Xtremepush attribute name');
    // A suggestion from the alias list spells out nothing of the cell.
    expect(error.message).toContain('e.g. "<name of column 2>": "first_name"');
    expect(error.message).toContain('xp-import validate');
    expect(error.localMessage).toContain('- column "First Name": is not a valid Xtremepush attribute name');
    expect(error.problems[0]?.column).toBe('First Name');
  });

  it('names written in the mapping file and known attributes are quoted', () => {
    const error = mappingError(['user_id', 'E-mail', 'Email Address', 'mobile_number'], { columns: { 'E-mail': 'email', 'Email Address': 'email', Emial: 'email_subscription' } });
    expect(error.message.split('\n')).toEqual([
      'The mapping does not fit the source (4 problems):',
      '- column "Emial": is named in the mapping\'s "columns" but the header has no such column; did you mean "E-mail"? Names match exactly, spaces and case included',
      '- columns "E-mail" and "Email Address" both go to email; keep one and leave the others out, e.g. "Email Address": {"skip": true}',
      '- column "E-mail": goes to email, but nothing sets email_subscription, which Xtremepush requires whenever email is sent; map the consent column, or, if everyone in the file has agreed, add "constants": {"email_subscription": 1}',
      '- column "mobile_number": goes to mobile_number, but nothing sets sms_subscription, which Xtremepush requires whenever mobile_number is sent; map the consent column, or, if everyone in the file has agreed, add "constants": {"sms_subscription": 1}',
    ]);
    // Nothing was hidden, so no hint.
    expect(error.message).toBe(error.localMessage);
  });

  it('a column named in "constants" is quoted', () => {
    const error = mappingError(['user_id', 'cork', 'tier'], { columns: { cork: 'tier' }, constants: { tier: 'gold' } });
    expect(error.message).toContain('- column "cork": goes to tier, which the mapping also sets in "constants"; remove the constant, or leave the column out with "cork": {"skip": true}');
    expect(error.message).toBe(error.localMessage);
  });

  it.each<[string, string[], MappingInput | undefined, RegExp]>([
    ['a mapped column the header lacks lists the header by position', ['user_id', 'Johnleak Smithleak'], { columns: { Nickname: 'nickname' } }, /the header has "user_id", column 2$/m],
    ['a typo suggestion points at a position', ['user_id', 'Dublinn'], { columns: { Dublin: 'city' } }, /did you mean column 2\?/],
    ['a duplicate column gives both positions', ['user_id', 'Dublin', 'Dublin'], undefined, /- column 3: appears more than once in the header \(columns 2 and 3\)/],
    ['an identity candidate is a placeholder', ['Customer ID', 'Dublin'], undefined, /e\.g\. "<name of column 1>": "user_id"$/m],
    ['a consent candidate is a placeholder', ['user_id', 'email', 'Opt-In'], undefined, /map the consent column, e\.g\. "<name of column 3>": "email_subscription"/],
    ['a valid custom name that could be data is a position too', ['user_id', 'leakid11', 'leakid11'], undefined, /- column 3: appears more than once in the header \(columns 2 and 3\)/],
  ])('%s', (_what, header, mapping, expected) => {
    const error = mappingError(header, mapping);
    expect(error.message).toMatch(expected);
    const hidden = header.filter((name) => !/^(user_id|email)$/.test(name) && !Object.hasOwn(mapping?.columns ?? {}, name));
    for (const name of hidden) {
      expect(error.message).not.toContain(name);
      expect(error.localMessage).toContain(JSON.stringify(name));
    }
    expect(error.message).toContain('`xp-import validate <file>` runs locally and shows the names');
  });
});
