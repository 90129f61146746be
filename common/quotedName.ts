/** Characters that print as nothing or as a plain space: a name holding one looks like another. */
const INVISIBLE = /[\u00A0\u00AD\u180E\u2000-\u200F\u2028\u2029\u202A-\u202F\u205F-\u2064\u2066-\u206F\u3000\uFEFF]/g;

/**
 * A column or key name as messages quote it: as JSON quotes it (control characters escaped), with
 * the invisible ones escaped too. A second byte order mark or a zero-width space made
 * `column "user_id": is not a valid name` read like nonsense: it now reads `"\uFEFFuser_id"`.
 */
export function quotedName(name: string): string {
  return JSON.stringify(name).replace(INVISIBLE, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`);
}
