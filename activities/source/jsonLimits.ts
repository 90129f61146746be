import { endOfString } from '../../common/repeatedJsonKey';

/**
 * What JavaScript cannot do with JSON that is valid: keep every number exactly, or serialise
 * any depth of nesting.
 *
 * JSON and CSV numbers are read as JavaScript numbers (IEEE doubles): a literal with more
 * significant digits than a double keeps, or beyond its range, silently becomes another value
 * (12345678901234567890 is read as 12345678901234567000, 1e999 as Infinity, 1e-400 as 0). Two
 * identities could then merge, or a stored value be replaced by a different one. These helpers
 * find such literals, so the row can be rejected instead.
 */

/** A literal with at most this many significant digits and no exponent always reads back as written. */
const SAFE_DIGITS = 15;

/**
 * Whether the decimal literal `text` (JSON or plain decimal notation) reads as a number that
 * prints back as the same decimal value: 1.50 and 1.5 are the same value; 0.1 is exact in this
 * sense, as JSON.stringify writes it back as 0.1.
 */
export function isExactNumber(text: string): boolean {
  const value = Number(text);
  if (!Number.isFinite(value)) return false;
  return canonical(text) === canonical(String(value));
}

/**
 * Where (a character index) the first number of the JSON text that is not exact starts, or -1.
 * Most lines are passed at once: only 16 digits in a row (a decimal point among them or not) or an
 * exponent can hold an inexact number. Before, digits split by the point were not counted, and
 * 12345678.123456789 or an ID 100000000.000000001 was rounded and sent.
 */
export function firstInexactJsonNumber(json: string): number {
  if (!MAYBE_INEXACT.test(json)) return -1;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c === QUOTE) {
      i = endOfString(json, i);
    } else if (c === MINUS || (c >= ZERO && c <= NINE)) {
      NUMBER_TOKEN.lastIndex = i;
      const token = NUMBER_TOKEN.exec(json)?.[0] ?? '';
      if (token !== '' && !isExactNumber(token)) return i;
      i += Math.max(token.length - 1, 0);
    }
  }
  return -1;
}

const MAYBE_INEXACT = new RegExp(`(?:\\d\\.?){${SAFE_DIGITS + 1}}|\\d[eE]`);
const NUMBER_TOKEN = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const QUOTE = 0x22;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;

/** `[-]digits e exponent` with no leading or trailing zeros in the digits: equal values, equal text. */
function canonical(text: string): string {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (match === null) return text;
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = match;
  let digits = `${whole}${fraction}`.replace(/^0+/, '');
  let power = Number(exponent) - fraction.length;
  const trailing = /0*$/.exec(digits)?.[0].length ?? 0;
  digits = digits.slice(0, digits.length - trailing);
  power += trailing;
  if (digits === '') return '0';
  return `${sign === '-' ? '-' : ''}${digits}e${power}`;
}

/**
 * How deep an NDJSON line may nest objects and arrays. JSON.parse reads any depth, but
 * JSON.stringify (which sends nested values, and writes rejects) recurses and overflows the stack
 * past a few thousand levels, fewer on a build thread: the batch then failed at every attempt.
 */
export const MAX_JSON_DEPTH = 100;

/** Whether objects and arrays nest more than MAX_JSON_DEPTH levels in `root` (itself level 1), without recursion. */
export function nestedTooDeep(root: object, text: string): boolean {
  // Each level takes at least two characters: a short line cannot be too deep.
  if (text.length <= 2 * MAX_JSON_DEPTH) return false;
  const pending: Array<[object, number]> = [[root, 1]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [value, depth] = next;
    if (depth > MAX_JSON_DEPTH) return true;
    for (const child of Object.values(value)) {
      if (typeof child === 'object' && child !== null) pending.push([child as object, depth + 1]);
    }
  }
  return false;
}
