import type { Invalid } from './invalid';
import type { Cell } from './types';

/**
 * How one kind of attribute turns a source value into what is sent. Rules are built once per
 * mapping and shared by every row: no per-row state, no per-row allocation beyond the result.
 */
export interface ValueRule {
  /** Leading and trailing whitespace is removed before `fromText` (typed columns and identity). */
  readonly trims: boolean;
  /** Text longer than this many characters is sent with a `string_too_long` warning. */
  readonly warnLongerThan?: number;
  /** A non-blank text: a CSV cell, or an NDJSON string value. */
  fromText(text: string): Cell | Invalid;
  /** A non-null NDJSON value that is not a string: a number, a boolean, an object or an array. */
  fromJson(value: number | boolean | object): Cell | Invalid;
}
