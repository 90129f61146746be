import { endOfString } from './jsonLimits';

/**
 * A key written twice in an NDJSON line's object (`{"tier":"gold","tier":"silver"}`): JSON.parse
 * keeps the last without a word, so the line would send a value its writer may not have meant.
 * Only the top-level object's keys are columns; nested objects are sent as JSON strings, as written.
 */

const QUOTE = 0x22;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;

/**
 * The first key of a valid JSON object's text that repeats an earlier one, and where it starts (a
 * string index), given how many keys JSON.parse kept. Each key written has its own `:` outside
 * strings, so a line with no more `:` than kept keys repeats none: most lines stop at that count.
 */
export function repeatedTopLevelKey(text: string, keptKeys: number): { key: string; at: number } | undefined {
  if (colons(text, keptKeys + 1) <= keptKeys) return undefined;
  const seen = new Set<string>();
  let depth = 0;
  let keyNext = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = endOfString(text, i);
      if (depth === 1 && keyNext) {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        if (seen.has(key)) return { key, at: i };
        seen.add(key);
        keyNext = false;
      }
      i = end;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      depth++;
      if (depth === 1) keyNext = true;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth--;
    } else if (c === COMMA && depth === 1) {
      keyNext = true;
    }
  }
  return undefined;
}

/** How many `:` the text holds, counting no further than `enough`. */
function colons(text: string, enough: number): number {
  let count = 0;
  for (let at = text.indexOf(':'); at !== -1 && count < enough; at = text.indexOf(':', at + 1)) count++;
  return count;
}
