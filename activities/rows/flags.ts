import { Invalid } from './invalid';
import type { ValueRule } from './valueRule';

/** Yes/no spellings found in exports, lowercase; case and surrounding whitespace are ignored. */
const TRUTH = new Map<string, boolean>([
  ['1', true],
  ['0', false],
  ['true', true],
  ['false', false],
  ['yes', true],
  ['no', false],
  ['y', true],
  ['n', false],
]);

const SUBSCRIPTION_INVALID = new Invalid('subscription_invalid', 'is not a subscription flag (expected 1/0, true/false, yes/no or y/n)');
const BOOLEAN_INVALID = new Invalid('boolean_invalid', 'is not a boolean (expected true/false, 1/0, yes/no or y/n)');

/** email_subscription and sms_subscription: sent as the numbers 1 and 0. */
export const subscriptionRule: ValueRule = {
  trims: true,
  fromText(text) {
    const truth = TRUTH.get(text.toLowerCase());
    return truth === undefined ? SUBSCRIPTION_INVALID : truth ? 1 : 0;
  },
  fromJson(value) {
    if (typeof value === 'boolean') return value ? 1 : 0;
    return value === 1 || value === 0 ? value : SUBSCRIPTION_INVALID;
  },
};

/** Custom attributes of type `boolean`: sent as true and false. */
export const booleanRule: ValueRule = {
  trims: true,
  fromText(text) {
    const truth = TRUTH.get(text.toLowerCase());
    return truth === undefined ? BOOLEAN_INVALID : truth;
  },
  fromJson(value) {
    if (typeof value === 'boolean') return value;
    return value === 1 || value === 0 ? value === 1 : BOOLEAN_INVALID;
  },
};
