import type { CountryCode } from 'libphonenumber-js/max';
import type { AttributeType } from '../../common/mapping';
import { emailRule } from './email';
import { booleanRule, subscriptionRule } from './flags';
import { dateRule } from './isoDate';
import { jsonRule } from './jsonValue';
import { languageRule } from './language';
import { numberRule, type NumberReading } from './number';
import { phoneRule } from './phone';
import { identityRule, stringRule, untypedJsonRule } from './text';
import { timezoneRule } from './timezone';
import type { ValueRule } from './valueRule';


/** Which rule normalises which attribute, for one mapping (the phone rule depends on its defaultCountry, the number rule on its decimalSeparator). */
export class RuleBook {
  private readonly fixed: ReadonlyMap<string, ValueRule>;
  private readonly ofType: Readonly<Record<AttributeType, ValueRule>>;

  /** `untyped`: the rule of custom attributes with no declared type (text for CSV, JSON's own types for NDJSON). */
  constructor(
    defaultCountry: CountryCode | undefined,
    private readonly untyped: ValueRule,
    numbers: NumberReading = {},
  ) {
    this.ofType = { string: stringRule, number: numberRule(numbers), boolean: booleanRule, date: dateRule, json: jsonRule };
    this.fixed = new Map<string, ValueRule>([
      ['user_id', identityRule],
      ['device_id', identityRule],
      ['email', emailRule],
      ['email_subscription', subscriptionRule],
      ['sms_subscription', subscriptionRule],
      ['mobile_number', phoneRule(defaultCountry)],
      ['timezone', timezoneRule],
      ['language', languageRule],
    ]);
  }

  /** Well-known attributes have their own rule, which a declared type must not override. */
  hasFixedRule(attribute: string): boolean {
    return this.fixed.has(attribute);
  }

  ruleFor(attribute: string, type: AttributeType | undefined): ValueRule {
    return this.fixed.get(attribute) ?? (type === undefined ? this.untyped : this.ofType[type]);
  }

  /** Constants are JSON values in the mapping file: a number stays a number, whatever the source format. */
  constantRuleFor(attribute: string): ValueRule {
    return this.fixed.get(attribute) ?? untypedJsonRule;
  }
}
