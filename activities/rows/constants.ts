import { quotedName } from '../../common/quotedName';
import type { Mapping } from '../../common/mapping';
import { isIdentityAttribute, isValidAttributeName, suggestAttributeName } from './attributeNames';
import { isInvalid } from './invalid';
import type { MappingProblem } from './mappingError';
import type { RuleBook } from './ruleBook';
import type { Cell } from './types';

/** An attribute sent with the same, already normalised, value on every row. */
export interface CompiledConstant {
  readonly attribute: string;
  readonly value: Cell;
}

/**
 * Checks and normalises the mapping's constants with the same rules as cells
 * (`"email_subscription": "yes"` becomes 1). Problems are added to `problems`.
 */
export function compileConstants(mapping: Mapping, rules: RuleBook, problems: MappingProblem[]): CompiledConstant[] {
  const compiled: CompiledConstant[] = [];
  for (const [attribute, raw] of Object.entries(mapping.constants)) {
    const at = { setting: `constant ${quotedName(attribute)}` };
    if (!isValidAttributeName(attribute)) {
      problems.push({
        ...at,
        problem: 'is not a valid Xtremepush attribute name (lowercase letters, digits and _ only)',
        fix: `rename the constant, e.g. to ${JSON.stringify(suggestAttributeName(attribute))}`,
      });
      continue;
    }
    if (isIdentityAttribute(attribute)) {
      problems.push({ ...at, problem: 'is an identity and cannot be a constant (every row would update the same profile)', fix: `remove it from "constants" and map the column that holds the ${attribute}` });
      continue;
    }
    if (typeof raw === 'string' && raw.trim() === '') {
      // A blank constant clears a custom attribute on every row; well-known attributes have no blank form.
      if (rules.hasFixedRule(attribute)) problems.push({ ...at, problem: 'is blank, which this attribute does not accept', fix: 'give it a value or remove it from "constants"' });
      else compiled.push({ attribute, value: '' });
      continue;
    }
    if (typeof raw === 'number' && !isExactConstant(raw)) {
      problems.push({
        ...at,
        problem: 'is a whole number past 9007199254740991 (2^53 - 1), which cannot be sent exactly: JSON reads 12345678901234567890 as 12345678901234567000',
        fix: 'write it as a string ("...") to keep every digit, as an ID needs',
      });
      continue;
    }
    const rule = rules.constantRuleFor(attribute);
    const value = typeof raw === 'string' ? rule.fromText(rule.trims ? raw.trim() : raw) : rule.fromJson(raw);
    if (isInvalid(value)) {
      problems.push({ ...at, problem: `has a value that ${value.problem}`, fix: 'change the value in "constants"' });
      continue;
    }
    compiled.push({ attribute, value });
  }
  return compiled;
}

/**
 * Whether a number constant is surely the number its writer meant. The mapping arrives here
 * parsed (from the file, the client API or Temporal's JSON), so the digits written are gone: JSON
 * reads 12345678901234567890 as 12345678901234567000, which an ID, like a cell holding it
 * (number_invalid, inexact_number), must not silently become. Every integer past 2^53 may be such a
 * rounding, so each is refused. A fraction rounded the same way cannot be told from one written so
 * on purpose, and differs only past its 15th significant digit: it is let through.
 */
function isExactConstant(value: number): boolean {
  return Number.isFinite(value) && (!Number.isInteger(value) || Number.isSafeInteger(value));
}
