import { Invalid } from './invalid';
import type { ValueRule } from './valueRule';

const JSON_INVALID = new Invalid('json_invalid', 'is not valid JSON (expected a JSON object or array such as {"key":"value"} or [1,2])');
const JSON_NOT_CONTAINER = new Invalid('json_invalid', 'is not a JSON object or array (expected e.g. {"key":"value"} or [1,2])');

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isJsonWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

/**
 * Removes the whitespace between tokens of a valid JSON text, leaving strings and numbers exactly
 * as written: re-serialising with JSON.stringify(JSON.parse()) would round large numbers.
 */
export function compactJson(json: string): string {
  let out = '';
  let segmentStart = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const code = json.charCodeAt(i);
    if (inString) {
      if (code === BACKSLASH) i++;
      else if (code === QUOTE) inString = false;
    } else if (code === QUOTE) {
      inString = true;
    } else if (isJsonWhitespace(code)) {
      out += json.slice(segmentStart, i);
      segmentStart = i + 1;
    }
  }
  return segmentStart === 0 ? json : out + json.slice(segmentStart);
}

/** Custom attributes of type `json` (Array/JSON in Xtremepush): sent as a compact JSON string. */
export const jsonRule: ValueRule = {
  trims: true,
  fromText(text) {
    const first = text.charCodeAt(0);
    if (first !== OPEN_BRACE && first !== OPEN_BRACKET) return JSON_NOT_CONTAINER;
    try {
      JSON.parse(text);
    } catch {
      return JSON_INVALID;
    }
    return compactJson(text);
  },
  fromJson: (value) => (typeof value === 'object' ? JSON.stringify(value) : JSON_NOT_CONTAINER),
};
