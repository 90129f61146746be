/**
 * A key written twice in one object of a JSON text (`{"a": 1, "a": 2}`): JSON.parse keeps the last
 * without a word, so whoever wrote the first loses it. Pure text scanning, so the CLI (which may
 * import only common/) and the activities can share it.
 */

/** Where a JSON text repeats a key. */
export interface RepeatedKey {
  /** The keys (and array indexes, as text) from the root down to the repeated key, which is last. */
  readonly path: readonly string[];
  /** String index where its second writing starts (its opening quote). */
  readonly at: number;
}

interface Level {
  /** Keys seen so far; absent for an array. */
  readonly keys?: Set<string>;
  readonly path: readonly string[];
  /** The current member: the last key read, or the index of the current element. */
  member: string;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;

/**
 * The first repeated key of a valid JSON text (call it once JSON.parse has accepted the text), in
 * objects nested at most `maxDepth` levels deep (the root object is level 1).
 */
export function firstRepeatedKey(json: string, maxDepth = Infinity): RepeatedKey | undefined {
  const levels: Level[] = [];
  let keyNext = false;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    const level = levels.at(-1);
    if (c === QUOTE) {
      const end = endOfString(json, i);
      if (keyNext && level?.keys !== undefined) {
        const key = JSON.parse(json.slice(i, end + 1)) as string;
        if (level.keys.has(key) && levels.length <= maxDepth) return { path: [...level.path, key], at: i };
        level.keys.add(key);
        level.member = key;
        keyNext = false;
      }
      i = end;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      const path = level === undefined ? [] : [...level.path, level.member];
      levels.push(c === OPEN_OBJECT ? { keys: new Set(), path, member: '' } : { path, member: '0' });
      keyNext = c === OPEN_OBJECT;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      levels.pop();
      keyNext = false;
    } else if (c === COMMA && level !== undefined) {
      if (level.keys !== undefined) keyNext = true;
      else level.member = String(Number(level.member) + 1);
    }
  }
  return undefined;
}

/** `columns."First Name".to`: plain keys bare, any other quoted as JSON writes it. */
export function jsonPathText(path: readonly string[]): string {
  return path.map((key) => (/^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key))).join('.');
}

/** Index of the closing quote of the JSON string opened at `open` (the text is valid JSON). */
export function endOfString(json: string, open: number): number {
  for (let i = open + 1; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c === BACKSLASH) i++;
    else if (c === QUOTE) return i;
  }
  return json.length;
}
