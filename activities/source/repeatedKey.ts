import { firstRepeatedKey } from '../../common/repeatedJsonKey';

/**
 * A key written twice in an NDJSON line's object (`{"tier":"gold","tier":"silver"}`): JSON.parse
 * keeps the last without a word, so the line would send a value its writer may not have meant.
 * Only the top-level object's keys are columns; nested objects are sent as JSON strings, as written.
 */

/**
 * The first key of a valid JSON object's text that repeats an earlier one, and where it starts (a
 * string index), given how many keys JSON.parse kept. Each key written has its own `:` outside
 * strings, so a line with no more `:` than kept keys repeats none: most lines stop at that count.
 */
export function repeatedTopLevelKey(text: string, keptKeys: number): { key: string; at: number } | undefined {
  if (colons(text, keptKeys + 1) <= keptKeys) return undefined;
  const repeated = firstRepeatedKey(text, 1);
  return repeated === undefined ? undefined : { key: repeated.path.at(-1) ?? '', at: repeated.at };
}

/** How many `:` the text holds, counting no further than `enough`. */
function colons(text: string, enough: number): number {
  let count = 0;
  for (let at = text.indexOf(':'); at !== -1 && count < enough; at = text.indexOf(':', at + 1)) count++;
  return count;
}
