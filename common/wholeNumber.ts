import { z } from 'zod';

const n = (value: number) => value.toLocaleString('en-US');

/**
 * A whole number from `min` to `max`, given as a number (the client API) or as the digits of a
 * flag or an environment variable. "1e3", "0x10", " 5" and "" are refused rather than read as
 * numbers nobody typed, and every message says what is expected and what was given.
 */
export function wholeNumber(min: number, max = Number.MAX_SAFE_INTEGER) {
  const expected = max === Number.MAX_SAFE_INTEGER ? `a whole number of at least ${n(min)}` : `a whole number from ${n(min)} to ${n(max)}`;
  const error = (issue: { input?: unknown }) => `expected ${expected}, got ${JSON.stringify(issue.input) ?? String(issue.input)}`;
  return z
    .union([z.number(), z.string().regex(/^\d+$/).transform(Number)], { error })
    .pipe(z.number().int({ error }).min(min, { error }).max(max, { error }));
}

/**
 * A number above 0 that may have decimals (a rate per second), from a number or the plain digits
 * of a setting ("20", "0.5"): like wholeNumber, "1e3", "0x10" and " 5" are refused.
 */
export function positiveDecimal() {
  const error = (issue: { input?: unknown }) => `expected a number above 0 such as 20 or 0.5, got ${JSON.stringify(issue.input) ?? String(issue.input)}`;
  return z
    .union([z.number(), z.string().regex(/^\d+(\.\d+)?$/).transform(Number)], { error })
    .pipe(z.number().positive({ error }).finite({ error }));
}
