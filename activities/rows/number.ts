import { Invalid } from './invalid';
import type { ValueRule } from './valueRule';

/** Plain decimal notation with an optional exponent; no thousands separators, no decimal comma, no hex. */
const NUMBER_PATTERN = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

const NUMBER_INVALID = new Invalid('number_invalid', 'is not a number (expected digits with an optional "." for decimals, e.g. 1234.5; no thousands separators)');

/** Custom attributes of type `number`: sent as JSON numbers. */
export const numberRule: ValueRule = {
  trims: true,
  fromText(text) {
    if (!NUMBER_PATTERN.test(text)) return NUMBER_INVALID;
    const value = Number(text);
    return Number.isFinite(value) ? value : NUMBER_INVALID;
  },
  fromJson: (value) => (typeof value === 'number' ? value : NUMBER_INVALID),
};
