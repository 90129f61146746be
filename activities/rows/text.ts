import { plainNumberText } from '../../common/numberText';
import { Invalid } from './invalid';
import type { ValueRule } from './valueRule';
import type { Cell } from './types';

/** Xtremepush's String attributes hold at most this many characters (documented). */
export const MAX_STRING_LENGTH = 101;

/** Length in Unicode code points, which is what a person (and a "character" limit) counts. */
export function characterCount(text: string): number {
  let surrogatePairs = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff) surrogatePairs++;
  }
  return text.length - surrogatePairs;
}

/**
 * A String attribute: text is sent as written (not trimmed); NDJSON scalars become their text, a
 * number its decimal digits as an identity's are (1e21 was sent as "1e+21", JavaScript's form).
 */
export const stringRule: ValueRule = {
  trims: false,
  warnLongerThan: MAX_STRING_LENGTH,
  fromText: (text) => text,
  fromJson: (value) => (typeof value === 'object' ? JSON.stringify(value) : typeof value === 'number' ? plainNumberText(value) : String(value)),
};

/**
 * An NDJSON key with no declared type: the JSON value's own type is kept (numbers stay numbers,
 * booleans stay booleans) and objects and arrays become JSON strings, as the API requires.
 */
export const untypedJsonRule: ValueRule = {
  trims: false,
  warnLongerThan: MAX_STRING_LENGTH,
  fromText: (text) => text,
  fromJson: (value): Cell => (typeof value === 'object' ? JSON.stringify(value) : value),
};

const IDENTITY_INVALID = new Invalid('identity_invalid', 'must be a text or a number identifier, not a JSON object, array or boolean');

/** C0 controls and DEL: no identifier holds one, and a line break in one is a stray quote's doing. */
function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}
const IDENTITY_CONTROL = new Invalid('identity_invalid', 'holds a line break, a tab or another control character, which an identifier never does (a stray quote, or a broken export?)');
// Rows ended by a lone CR (old Mac exports, or a file whose rows mix endings) read as one row.
const IDENTITY_LONE_CR = new Invalid(
  'identity_invalid',
  'holds a carriage return (CR) with no line feed after it: the rows of this part of the file end in a lone CR, so they were read as one. Save the file with LF or CRLF line endings',
);

/** user_id / device_id: trimmed text; numbers from NDJSON become their decimal text. */
export const identityRule: ValueRule = {
  trims: true,
  fromText: (text) => (!hasControlCharacter(text) ? text : /\r(?!\n)/.test(text) ? IDENTITY_LONE_CR : IDENTITY_CONTROL),
  fromJson: (value) => (typeof value === 'number' ? plainNumberText(value) : IDENTITY_INVALID),
};
