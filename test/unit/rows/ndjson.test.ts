import { describe, expect, it } from 'vitest';
import { compileMapping, type Cell, type RowMapper, type RowOutcome } from '../../../activities/rows';
import type { MappingInput } from '../../../common/mapping';

function ndjson(mapping?: MappingInput): RowMapper {
  return compileMapping({ format: 'ndjson', mapping });
}

function mapValue(mapper: RowMapper, value: Record<string, unknown>, row = 1): RowOutcome {
  return mapper.map({ row, line: row, byteOffset: 0, value });
}

function sentValue(mapper: RowMapper, key: string, value: unknown): Cell | undefined {
  const outcome = mapValue(mapper, { user_id: 'u1', [key]: value });
  if (!outcome.ok) throw new Error(outcome.issue.reason);
  return outcome.values.get(key);
}

describe('NDJSON: keys are columns, JSON values keep their type', () => {
  const mapper = ndjson();
  it.each<[unknown, Cell | undefined]>([
    ['Sam', 'Sam'],
    ['  Sam ', '  Sam '],
    [42, 42],
    [1.5, 1.5],
    [false, false],
    [{ order_total: 12.34, item_count: 3 }, '{"order_total":12.34,"item_count":3}'],
    [['frapuccino', 'iced latte'], '["frapuccino","iced latte"]'],
    [{ nested: { deep: [1, { x: null }] } }, '{"nested":{"deep":[1,{"x":null}]}}'],
    [null, undefined],
    ['', undefined],
    ['   ', undefined],
  ])('an untyped key holding %j sends %j', (value, expected) => {
    expect(sentValue(mapper, 'extra', value)).toStrictEqual(expected);
  });
});

describe('NDJSON: declared types and well-known attributes take JSON values', () => {
  const mapper = ndjson({
    columns: { points: { type: 'number' }, vip: { type: 'boolean' }, prefs: { type: 'json' }, label: { type: 'string' }, signed: { type: 'date' } },
    defaultCountry: 'IE',
  });
  it.each<[string, unknown, Cell]>([
    ['points', '12', 12],
    ['points', 12.5, 12.5],
    ['vip', 1, true],
    ['vip', 'no', false],
    ['vip', true, true],
    ['prefs', { tier: 'gold' }, '{"tier":"gold"}'],
    ['prefs', '{ "tier": "gold" }', '{"tier":"gold"}'],
    ['label', 5, '5'],
    ['label', { a: 1 }, '{"a":1}'],
    ['signed', '2023-12-13T11:36:00Z', '2023-12-13T11:36:00Z'],
    ['mobile_number', 353850123456, '353850123456'],
    ['mobile_number', '085 012 3456', '353850123456'],
    ['sms_subscription', true, 1],
    ['sms_subscription', 0, 0],
    ['language', 'DE', 'de'],
  ])('%s: %j → %j', (key, value, expected) => {
    const outcome = mapValue(mapper, { user_id: 'u1', [key]: value, ...(key === 'mobile_number' ? { sms_subscription: 1 } : {}) });
    expect(outcome.ok && outcome.values.get(key)).toStrictEqual(expected);
  });

  it.each<[string, unknown, string, string]>([
    ['points', true, 'number_invalid', 'Column "points" is not a number (expected digits with an optional "." for decimals, e.g. 1234.5; no thousands separators)'],
    ['vip', 2, 'boolean_invalid', 'Column "vip" is not a boolean (expected true/false, 1/0, yes/no or y/n)'],
    ['prefs', 5, 'json_invalid', 'Column "prefs" is not a JSON object or array (expected e.g. {"key":"value"} or [1,2])'],
    ['signed', 20231213, 'date_invalid', 'Column "signed" is not an ISO-8601 date (expected e.g. 2024-05-31, 2024-05-31T09:30:00Z or 2024-05-31 09:30:00 +01:00)'],
    ['email_subscription', 2, 'subscription_invalid', 'Column "email_subscription" is not a subscription flag (expected 1/0, true/false, yes/no or y/n)'],
    ['timezone', 1, 'timezone_invalid', 'Column "timezone" is not an IANA time zone (expected a name such as Europe/Dublin, America/New_York or UTC; offsets are not zones)'],
    ['email', ['a@b.co'], 'email_invalid', 'Column "email" is not a valid email address (expected the form name@example.com, ASCII only)'],
  ])('%s: %j is rejected with %s', (key, value, code, reason) => {
    expect(mapValue(mapper, { user_id: 'u1', [key]: value })).toEqual({ ok: false, issue: { code, column: key, reason } });
  });
});

describe('NDJSON: identity, keys and per-row header checks', () => {
  it('takes user_id (numbers become text), else device_id, else rejects the row', () => {
    const mapper = ndjson();
    expect(mapValue(mapper, { user_id: 1042, first_name: 'Sam' })).toMatchObject({ ok: true, identity: 'user_id:1042' });
    expect(mapValue(mapper, { user_id: ' ', device_id: 'd-7' })).toMatchObject({ ok: true, identity: 'device_id:d-7' });
    expect(mapValue(mapper, { first_name: 'Sam', user_id: null })).toEqual({
      ok: false,
      issue: { code: 'identity_missing', reason: 'The row has no user_id or device_id (or only blank ones); every row needs one to identify the profile' },
    });
    expect(mapValue(mapper, { user_id: { id: 1 } })).toEqual({
      ok: false,
      issue: { code: 'identity_invalid', column: 'user_id', reason: 'Column "user_id" must be a text or a number identifier, not a JSON object, array or boolean' },
    });
    expect(mapValue(mapper, { user_id: 'u1\nu2' })).toMatchObject({ ok: false, issue: { code: 'identity_invalid', column: 'user_id' } });
  });

  it('has no identity attribute and no attributes until a row is accepted, then grows in first-seen order', () => {
    const mapper = ndjson({ constants: { email_subscription: 1 } });
    expect(mapper.identityAttribute).toBeNull();
    expect(mapValue(mapper, { first_name: 'no identity' }).ok).toBe(false);
    expect(mapper.identityAttribute).toBeNull();
    expect(mapper.attributes).toEqual([]);
    mapValue(mapper, { email: 'sam@example.com', user_id: 'u1' });
    expect(mapper.identityAttribute).toBe('user_id');
    expect(mapper.attributes).toEqual(['user_id', 'email', 'email_subscription']);
    mapValue(mapper, { device_id: 'd1', city: 'Cork' });
    expect(mapper.identityAttribute).toBe('user_id');
    expect(mapper.attributes).toEqual(['user_id', 'email', 'email_subscription', 'device_id', 'city']);
  });

  it('rejects a row with a key that breaks the naming rule, suggesting a mapping entry', () => {
    expect(mapValue(ndjson(), { user_id: 'u1', 'Email Address': 'sam@example.com' })).toEqual({
      ok: false,
      issue: {
        code: 'attribute_name_invalid',
        column: 'Email Address',
        reason:
          'Column "Email Address" is not a valid Xtremepush attribute name (lowercase letters, digits and _ only); map it in "columns", e.g. "Email Address": "email", or leave it out with "Email Address": {"skip": true}',
      },
    });
  });

  it('rejects a __proto__ key (it would set a prototype, not a value), as it rejects it from a real JSON line', () => {
    const outcome = mapValue(ndjson(), JSON.parse('{"user_id":"k4","__proto__":{"x":1}}') as Record<string, unknown>);
    expect(outcome.ok === false && outcome.issue.code).toBe('attribute_name_invalid');
    expect(outcome.ok === false && outcome.issue.column).toBe('__proto__');
  });

  it('renames and skips keys as the mapping says', () => {
    const mapper = ndjson({ columns: { 'Customer ID': 'user_id', 'Internal Notes': { skip: true } } });
    const outcome = mapValue(mapper, { 'Customer ID': 'c-1', 'Internal Notes': 'x', city: 'Cork' });
    expect(outcome.ok && Object.fromEntries(outcome.values)).toEqual({ user_id: 'c-1', city: 'Cork' });
  });

  it('rejects a row where two keys, or a key and a constant, set one attribute', () => {
    const mapper = ndjson({ columns: { Email: 'email', 'E-mail': 'email' }, constants: { email_subscription: 1 } });
    expect(mapValue(mapper, { user_id: 'u1', Email: 'a@example.com', 'E-mail': 'b@example.com' })).toEqual({
      ok: false,
      issue: { code: 'attribute_conflict', column: 'E-mail', reason: 'Columns "Email" and "E-mail" both go to email; keep one, or skip the other in the mapping' },
    });
    expect(mapValue(mapper, { user_id: 'u1', Email: null, 'E-mail': 'b@example.com' }).ok).toBe(true);
    expect(mapValue(mapper, { user_id: 'u1', email_subscription: 0 })).toEqual({
      ok: false,
      issue: {
        code: 'attribute_conflict',
        column: 'email_subscription',
        reason: 'Column "email_subscription" goes to email_subscription, which the mapping also sets in "constants"; remove the key or the constant',
      },
    });
  });

  it('rejects a row that sends email or mobile_number without its subscription', () => {
    const mapper = ndjson({ columns: { Phone: 'mobile_number' } });
    expect(mapValue(mapper, { user_id: 'u1', email: 'sam@example.com', email_subscription: '' })).toEqual({
      ok: false,
      issue: {
        code: 'email_subscription_missing',
        column: 'email',
        reason: 'The row sends email (column "email") without email_subscription; Xtremepush requires email_subscription (1 or 0) whenever email is sent',
      },
    });
    expect(mapValue(mapper, { user_id: 'u1', Phone: '+353 85 012 3456' })).toEqual({
      ok: false,
      issue: {
        code: 'sms_subscription_missing',
        column: 'Phone',
        reason: 'The row sends mobile_number (column "Phone") without sms_subscription; Xtremepush requires sms_subscription (1 or 0) whenever mobile_number is sent',
      },
    });
  });

  it('refuses a CSV record (a programming error, not a row problem)', () => {
    expect(() => ndjson().map({ row: 1, line: 2, byteOffset: 0, cells: ['u1'] })).toThrow(TypeError);
  });
});
