import { describe, expect, it } from 'vitest';
import { compileMapping, MappingError, type LocalMappingProblem } from '../../../activities/rows';
import type { MappingInput } from '../../../common/mapping';

function problemsOf(compile: () => unknown): readonly LocalMappingProblem[] {
  try {
    compile();
  } catch (error) {
    if (error instanceof MappingError) return error.problems;
    throw error;
  }
  throw new Error('expected a MappingError');
}

function csvProblems(header: string[], mapping?: MappingInput): readonly LocalMappingProblem[] {
  return problemsOf(() => compileMapping({ format: 'csv', header, mapping }));
}

describe('header-level problems of a CSV source', () => {
  it('a __proto__ column is to be renamed in the file: no mapping entry can name it', () => {
    // JSON.parse takes the key for the object's prototype: {"__proto__": {"skip": true}} maps nothing.
    const advice = 'rename "__proto__" in the file (or leave the column out of it): no entry in "columns" can name it, as a JSON object takes that key for its prototype';
    expect(csvProblems(['user_id', '__proto__'])).toEqual([{ column: '__proto__', problem: expect.stringContaining('is not a valid Xtremepush attribute name') as string, fix: advice }]);
    // An entry that tries is refused as such: before, it was dropped without a word, and the header's problem told.
    expect(csvProblems(['user_id', '__proto__'], JSON.parse('{"columns":{"__proto__":{"skip":true}}}') as MappingInput)).toEqual([
      {
        column: 'columns.__proto__',
        problem: expect.stringMatching(/^the mapping file is malformed: a column named "__proto__" cannot be named in a mapping, .*: rename the column in the file/) as string,
        fix: 'see docs/mapping.md for the format',
      },
    ]);
  });

  it('lists every problem of a raw CRM export at once, each with a suggested mapping entry', () => {
    expect(csvProblems(['Customer ID', 'Email Address', 'Phone', 'Opt In', 'Signup Date'])).toEqual([
      {
        column: 'Customer ID',
        problem: 'is not a valid Xtremepush attribute name (lowercase letters, digits and _ only)',
        fix: 'map it in "columns", e.g. "Customer ID": "user_id", or leave it out with "Customer ID": {"skip": true}',
      },
      {
        column: 'Email Address',
        problem: 'is not a valid Xtremepush attribute name (lowercase letters, digits and _ only)',
        fix: 'map it in "columns", e.g. "Email Address": "email", or leave it out with "Email Address": {"skip": true}',
      },
      {
        column: 'Phone',
        problem: 'is not a valid Xtremepush attribute name (lowercase letters, digits and _ only)',
        fix: 'map it in "columns", e.g. "Phone": "mobile_number", or leave it out with "Phone": {"skip": true}',
      },
      {
        column: 'Opt In',
        problem: 'is not a valid Xtremepush attribute name (lowercase letters, digits and _ only)',
        fix: 'map it in "columns", e.g. "Opt In": "email_subscription", or leave it out with "Opt In": {"skip": true}',
      },
      {
        column: 'Signup Date',
        problem: 'is not a valid Xtremepush attribute name (lowercase letters, digits and _ only)',
        fix: 'map it in "columns", e.g. "Signup Date": "signup_date", or leave it out with "Signup Date": {"skip": true}',
      },
      {
        problem: 'no column goes to user_id or device_id, and Xtremepush needs one of them in every row to identify the profile',
        fix: 'map the column that identifies each person, e.g. "Customer ID": "user_id"',
      },
    ]);
  });

  it('suggests the subscription attributes for consent columns named "SMS OK" or "Email allowed" (before: sms_ok)', () => {
    const fixes = csvProblems(['user_id', 'SMS OK', 'Email allowed', 'Text OK']).map((p) => p.fix);
    expect(fixes).toEqual([
      'map it in "columns", e.g. "SMS OK": "sms_subscription", or leave it out with "SMS OK": {"skip": true}',
      'map it in "columns", e.g. "Email allowed": "email_subscription", or leave it out with "Email allowed": {"skip": true}',
      'map it in "columns", e.g. "Text OK": "sms_subscription", or leave it out with "Text OK": {"skip": true}',
    ]);
  });

  it('requires a subscription column or constant for email and mobile_number', () => {
    expect(csvProblems(['user_id', 'E-mail', 'mobile_number', 'Opt In'], { columns: { 'E-mail': 'email', 'Opt In': { skip: true } } })).toEqual([
      {
        column: 'E-mail',
        problem: 'goes to email, but nothing sets email_subscription, which Xtremepush requires whenever email is sent',
        fix: 'map the consent column, or, if everyone in the file has agreed, add "constants": {"email_subscription": 1}',
      },
      {
        column: 'mobile_number',
        problem: 'goes to mobile_number, but nothing sets sms_subscription, which Xtremepush requires whenever mobile_number is sent',
        fix: 'map the consent column, or, if everyone in the file has agreed, add "constants": {"sms_subscription": 1}',
      },
    ]);
    const emailProblem = csvProblems(['user_id', 'email', 'Email Opt In']).find((p) => p.column === 'email');
    expect(emailProblem?.fix).toBe('map the consent column, e.g. "Email Opt In": "email_subscription", or, if everyone in the file has agreed, add "constants": {"email_subscription": 1}');
  });

  it('accepts a subscription given as a constant', () => {
    const mapper = compileMapping({ format: 'csv', header: ['user_id', 'email', 'mobile_number'], mapping: { constants: { email_subscription: 1, sms_subscription: 'no' } } });
    expect(mapper.attributes).toEqual(['user_id', 'email', 'mobile_number', 'email_subscription', 'sms_subscription']);
  });

  it('names mapped columns the header lacks, suggesting the nearest one', () => {
    expect(csvProblems(['user_id', 'Email Address', 'email_subscription'], { columns: { 'Email Adress': 'email', Nickname: 'nickname' } })).toEqual([
      { column: 'Email Adress', problem: 'is named in the mapping\'s "columns" but the header has no such column', fix: 'did you mean "Email Address"? Names match exactly, spaces and case included' },
      {
        column: 'Nickname',
        problem: 'is named in the mapping\'s "columns" but the header has no such column',
        fix: 'correct the name (names match exactly, spaces and case included) or remove the entry; the header has "user_id", "Email Address", "email_subscription"',
      },
      {
        column: 'Email Address',
        problem: 'is not a valid Xtremepush attribute name (lowercase letters, digits and _ only)',
        fix: 'map it in "columns", e.g. "Email Address": "email", or leave it out with "Email Address": {"skip": true}',
      },
    ]);
  });

  it('refuses two source columns going to one attribute, and a column that repeats a constant', () => {
    expect(csvProblems(['user_id', 'Email', 'Email Address', 'Opt In'], { columns: { Email: 'email', 'Email Address': 'email', 'Opt In': 'email_subscription' }, constants: { email_subscription: 1 } })).toEqual([
      { problem: 'columns "Email" and "Email Address" both go to email', fix: 'keep one and leave the others out, e.g. "Email Address": {"skip": true}' },
      { column: 'Opt In', problem: 'goes to email_subscription, which the mapping also sets in "constants"', fix: 'remove the constant, or leave the column out with "Opt In": {"skip": true}' },
    ]);
  });

  it('refuses invalid target names, types on well-known attributes and clearing an identity or subscription', () => {
    expect(
      csvProblems(['id', 'Phone', 'sms', 'Tier'], {
        columns: { id: { to: 'user_id', blank: 'clear' }, Phone: { to: 'mobile_number', type: 'string' }, sms: { to: 'sms_subscription', blank: 'clear' }, Tier: 'Loyalty Tier' },
      }),
    ).toEqual([
      { column: 'id', problem: 'goes to user_id, which cannot be cleared (a blank identity rejects the row)', fix: 'remove "blank": "clear" from its entry in "columns"' },
      { column: 'Phone', problem: 'goes to mobile_number, which has its own validation rule, so "type": "string" does not apply', fix: 'remove "type" from its entry in "columns"' },
      { column: 'sms', problem: 'goes to sms_subscription, which cannot be cleared (a subscription is 1 or 0)', fix: 'remove "blank": "clear" from its entry in "columns"' },
      {
        column: 'Tier',
        problem: 'is mapped to "Loyalty Tier", which is not a valid Xtremepush attribute name (lowercase letters, digits and _ only)',
        fix: 'map it to a valid name instead, e.g. "Tier": "loyalty_tier"',
      },
    ]);
  });

  it('checks constants and defaultCountry with the same rules as cells', () => {
    expect(
      csvProblems(['user_id'], { defaultCountry: 'xx', constants: { device_id: 'd1', email_subscription: 'maybe', 'Source File': 'crm', language: ' ' } }),
    ).toEqual([
      { setting: '"defaultCountry"', problem: '"XX" is not a country the phone number library knows', fix: 'use a two-letter ISO 3166-1 code such as IE, GB or US' },
      { setting: 'constant "device_id"', problem: 'is an identity and cannot be a constant (every row would update the same profile)', fix: 'remove it from "constants" and map the column that holds the device_id' },
      {
        setting: 'constant "email_subscription"',
        problem: 'has a value that is not a subscription flag (expected 1/0, true/false, yes/no or y/n)',
        fix: 'change the value in "constants"',
      },
      { setting: 'constant "Source File"', problem: 'is not a valid Xtremepush attribute name (lowercase letters, digits and _ only)', fix: 'rename the constant, e.g. to "source_file"' },
      { setting: 'constant "language"', problem: 'is blank, which this attribute does not accept', fix: 'give it a value or remove it from "constants"' },
    ]);
  });

  it('refuses a whole-number constant past 2^53, which JSON may have read as another number, as it refuses such a cell', () => {
    // Before, 12345678901234567890 (read as 12345678901234567000) was accepted and would have been sent.
    const mapping = JSON.parse('{"constants": {"points": 12345678901234567890, "huge": 1e300, "largest": 9007199254740991, "ratio": 0.1, "code": "12345678901234567890"}}') as MappingInput;
    const refused = { problem: 'is a whole number past 9007199254740991 (2^53 - 1), which cannot be sent exactly: JSON reads 12345678901234567890 as 12345678901234567000', fix: 'write it as a string ("...") to keep every digit, as an ID needs' };
    expect(csvProblems(['user_id'], mapping)).toEqual([
      { setting: 'constant "points"', ...refused },
      { setting: 'constant "huge"', ...refused },
    ]);
    const mapper = compileMapping({ format: 'csv', header: ['user_id'], mapping: { constants: { largest: 9007199254740991, ratio: 0.1, code: '12345678901234567890' } } });
    expect(mapper.attributes).toEqual(['user_id', 'largest', 'ratio', 'code']);
  });

  it('names defaultCountry and constants as settings of the mapping, not as columns of the file', () => {
    let message = '';
    try {
      compileMapping({ format: 'csv', header: ['user_id'], mapping: { defaultCountry: 'xx', constants: { email_subscription: 'maybe' } } });
    } catch (error) {
      if (error instanceof MappingError) message = error.message;
    }
    expect(message.split('\n').slice(1)).toEqual([
      '- "defaultCountry": "XX" is not a country the phone number library knows; use a two-letter ISO 3166-1 code such as IE, GB or US',
      '- constant "email_subscription": has a value that is not a subscription flag (expected 1/0, true/false, yes/no or y/n); change the value in "constants"',
    ]);
  });

  it('refuses a header that repeats a column name', () => {
    expect(csvProblems(['user_id', 'city', 'city'])).toEqual([
      { column: 'city', problem: 'appears more than once in the header (columns 2 and 3), so the mapping cannot tell the columns apart', fix: 'rename the duplicate columns in the file' },
    ]);
  });
});

describe('MappingError', () => {
  it('is a named, non-retryable error whose messages list every problem on its own line', () => {
    let caught: unknown;
    try {
      compileMapping({ format: 'csv', header: ['Customer ID', 'email'] });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MappingError);
    expect(caught).toBeInstanceOf(Error);
    const error = caught as MappingError;
    expect(error.name).toBe('MappingError');
    expect(error.retryable).toBe(false);
    // The message reaches Temporal: "Customer ID" is neither a known attribute nor in a mapping, so it is given by position.
    expect(error.message.split('\n')).toEqual([
      'The mapping does not fit the source (3 problems):',
      '- column 1: is not a valid Xtremepush attribute name (lowercase letters, digits and _ only); map it in "columns", e.g. "<name of column 1>": "user_id", or leave it out with "<name of column 1>": {"skip": true}',
      '- no column goes to user_id or device_id, and Xtremepush needs one of them in every row to identify the profile; map the column that identifies each person, e.g. "<name of column 1>": "user_id"',
      '- column "email": goes to email, but nothing sets email_subscription, which Xtremepush requires whenever email is sent; map the consent column, or, if everyone in the file has agreed, add "constants": {"email_subscription": 1}',
      'Columns whose names are neither Xtremepush attributes nor written in the mapping file are given by position: their names could be personal data (if line 1 is a row of data rather than the column names, the file lacks its header line: add one). `xp-import validate <file>` runs locally and shows the names.',
    ]);
    // The local message (xp-import validate) names every column.
    expect(error.localMessage.split('\n')).toEqual([
      'The mapping does not fit the source (3 problems):',
      '- column "Customer ID": is not a valid Xtremepush attribute name (lowercase letters, digits and _ only); map it in "columns", e.g. "Customer ID": "user_id", or leave it out with "Customer ID": {"skip": true}',
      '- no column goes to user_id or device_id, and Xtremepush needs one of them in every row to identify the profile; map the column that identifies each person, e.g. "Customer ID": "user_id"',
      '- column "email": goes to email, but nothing sets email_subscription, which Xtremepush requires whenever email is sent; map the consent column, or, if everyone in the file has agreed, add "constants": {"email_subscription": 1}',
    ]);
  });

  it('reports a malformed mapping file with the path of each mistake', () => {
    const problems = problemsOf(() => compileMapping({ format: 'csv', header: ['user_id'], mapping: { columns: { tier: { type: 'text' } }, blank: 'erase' } as unknown as MappingInput }));
    expect(problems.map((p) => p.column)).toEqual(['columns.tier', 'blank']);
    expect(problems.every((p) => p.problem.startsWith('the mapping file is malformed: ') && p.fix === 'see docs/mapping.md for the format')).toBe(true);
  });
});

describe('NDJSON mappings (no header)', () => {
  it('checks the mapping entries at compile time, and leaves missing keys to the rows', () => {
    expect(problemsOf(() => compileMapping({ format: 'ndjson', mapping: { columns: { Phone: { to: 'mobile_number', type: 'number' }, absent: 'fine' } } }))).toEqual([
      { column: 'Phone', problem: 'goes to mobile_number, which has its own validation rule, so "type": "number" does not apply', fix: 'remove "type" from its entry in "columns"' },
    ]);
    const mapper = compileMapping({ format: 'ndjson', mapping: { columns: { 'Customer ID': 'user_id' } } });
    expect(mapper.identityAttribute).toBeNull();
    expect(mapper.attributes).toEqual([]);
  });
});
