import { isExactNumber } from '../source/jsonLimits';
import { Invalid } from './invalid';
import type { ValueRule } from './valueRule';

/** Plain decimal notation with an optional exponent; no thousands separators, no decimal comma, no hex. */
const NUMBER_PATTERN = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

const NUMBER_INEXACT = new Invalid(
  'number_invalid',
  'cannot be sent exactly as a number (more significant digits than 15, or too large or too small); map it as text ("type": "string") to keep every digit',
);
const NUMBER_INVALID = new Invalid('number_invalid', 'is not a number (expected digits with an optional "." for decimals, e.g. 1234.5; no thousands separators)');

/** Custom attributes of type `number`: sent as JSON numbers. */
export const numberRule: ValueRule = {
  trims: true,
  fromText(text) {
    if (!NUMBER_PATTERN.test(text)) return NUMBER_INVALID;
    if (!isExactNumber(text)) return NUMBER_INEXACT;
    return Number(text);
  },
  // NDJSON numbers that could not be read exactly were refused with the line (inexact_number).
  fromJson: (value) => (typeof value === 'number' ? value : NUMBER_INVALID),
};
