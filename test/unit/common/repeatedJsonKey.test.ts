import { describe, expect, it } from 'vitest';
import { firstRepeatedKey, jsonPathText } from '../../../common/repeatedJsonKey';

describe('a key written twice in a JSON text', () => {
  it('is found at any depth, with the keys that lead to it and where its second writing starts', () => {
    const top = '{"a": 1, "b": 2, "a": 3}';
    expect(firstRepeatedKey(top)).toEqual({ path: ['a'], at: top.lastIndexOf('"a"') });
    const nested = '{"columns": {"First Name": "first_name", "Tier": {"to": "tier", "to": "level"}}}';
    expect(firstRepeatedKey(nested)).toEqual({ path: ['columns', 'Tier', 'to'], at: nested.lastIndexOf('"to"') });
    expect(firstRepeatedKey('{"list": [{"x": 1}, {"y": 1, "y": 2}]}')?.path).toEqual(['list', '1', 'y']);
  });

  it('is not found where equal keys sit in different objects, or where the text only looks like keys', () => {
    expect(firstRepeatedKey('{"a": {"x": 1}, "b": {"x": 2}, "c": [{"x": 3}, {"x": 4}]}')).toBeUndefined();
    expect(firstRepeatedKey(JSON.stringify({ a: '"a": 1, "a": 2', b: 'say \\"b\\"', c: '{"c": 1}' }))).toBeUndefined();
    expect(firstRepeatedKey('{"a": {}, "b": [], "c": [[], {}], "d": "a"}')).toBeUndefined();
  });

  it('is looked for only as deep as asked (an NDJSON line sends nested objects as they are written)', () => {
    const text = '{"a": {"x": 1, "x": 2}}';
    expect(firstRepeatedKey(text, 1)).toBeUndefined();
    expect(firstRepeatedKey(text)?.path).toEqual(['a', 'x']);
  });

  it('names its path as a person would write it: plain keys bare, others quoted', () => {
    expect(jsonPathText(['columns', 'First Name'])).toBe('columns."First Name"');
    expect(jsonPathText(['columns', 'Tier', 'to'])).toBe('columns.Tier.to');
    expect(jsonPathText(['constants', 'a.b'])).toBe('constants."a.b"');
  });
});
