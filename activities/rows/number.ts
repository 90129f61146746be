import type { DecimalSeparator } from '../../common/mapping';
import { isExactNumber } from '../source/jsonLimits';
import { Invalid } from './invalid';
import type { ValueRule } from './valueRule';

/** Plain decimal notation with an optional exponent; no thousands separators, no decimal comma, no hex. */
const NUMBER_PATTERN = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
/** With `"decimalSeparator": ","`: `1234,5`, or `1.234,5` with dots between groups of three. */
const DECIMAL_COMMA_PATTERN = /^[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?$/;
/** `1.250`, `12.500.000`: a decimal point to some, a thousands separator to others (not `0.125`). */
const DOT_GROUPS_PATTERN = /^[+-]?[1-9]\d{0,2}(?:\.\d{3})+$/;

const NUMBER_INEXACT = new Invalid(
  'number_invalid',
  'cannot be sent exactly as a number (more significant digits than 15, or too large or too small); map it as text ("type": "string") to keep every digit',
);
const PLAIN_NUMBER = 'is not a number (expected digits with an optional "." for decimals, e.g. 1234.5; no thousands separators';
const NUMBER_INVALID = new Invalid('number_invalid', `${PLAIN_NUMBER}; for a decimal comma set "decimalSeparator": "," in the mapping)`);
/** An NDJSON `true` or `{}`: no separator setting would make it a number. */
const JSON_NOT_NUMBER = new Invalid('number_invalid', `${PLAIN_NUMBER})`);
const DECIMAL_COMMA_INVALID = new Invalid(
  'number_invalid',
  'is not a number as the mapping\'s "decimalSeparator": "," reads them (expected digits with an optional "," for decimals, e.g. 1234,5 or 1.234,5)',
);
const NUMBER_AMBIGUOUS = new Invalid(
  'number_ambiguous',
  'has a "." before a group of three digits, which a ";"-separated file (the export of a decimal-comma locale) may mean as a thousands separator: say which in the mapping, "decimalSeparator": "," (the dot separates thousands) or "." (it is a decimal point)',
);

export interface NumberReading {
  /** The mapping's `decimalSeparator`: absent means ".", with the guard below. */
  decimalSeparator?: DecimalSeparator;
  /** The CSV file's delimiter: a ";" file with no declared separator refuses dotted groups of three. */
  delimiter?: string;
}

/**
 * Custom attributes of type `number`: sent as JSON numbers. Excel in a decimal-comma locale
 * writes `;`-separated files with `1.250` for one thousand two hundred and fifty: read with a
 * decimal point, that is 1.25, a silent thousandfold error. Such a file must say which it means.
 */
export function numberRule(reading: NumberReading = {}): ValueRule {
  const decimalComma = reading.decimalSeparator === ',';
  const guardDotGroups = reading.decimalSeparator === undefined && reading.delimiter === ';';
  return {
    trims: true,
    fromText(text) {
      if (decimalComma) return exactNumber(DECIMAL_COMMA_PATTERN.test(text) ? text.replaceAll('.', '').replace(',', '.') : undefined, DECIMAL_COMMA_INVALID);
      if (guardDotGroups && DOT_GROUPS_PATTERN.test(text)) return NUMBER_AMBIGUOUS;
      return exactNumber(NUMBER_PATTERN.test(text) ? text : undefined, NUMBER_INVALID);
    },
    // NDJSON numbers that could not be read exactly were refused with the line (inexact_number).
    fromJson: (value) => (typeof value === 'number' ? value : JSON_NOT_NUMBER),
  };
}

function exactNumber(plain: string | undefined, invalid: Invalid): number | Invalid {
  if (plain === undefined) return invalid;
  if (!isExactNumber(plain)) return NUMBER_INEXACT;
  return Number(plain);
}
