import type { ColumnMapping, ColumnRule, Mapping } from '../../common/mapping';
import { isRejectColumn } from '../../common/report';
import { isIdentityAttribute, isSubscriptionAttribute, isValidAttributeName, suggestAttributeName } from './attributeNames';
import type { MappingProblem } from './mappingError';
import type { RuleBook } from './ruleBook';
import type { ValueRule } from './valueRule';

/** A source column that is sent: where it goes, how its values are normalised, what a blank does. */
export interface CompiledColumn {
  readonly source: string;
  readonly attribute: string;
  readonly rule: ValueRule;
  /** Policy `clear`: a blank cell sends "" instead of being left out. */
  readonly clearsBlank: boolean;
  /** `Column "Phone" (mobile_number)`: how every reason about this column starts. */
  readonly label: string;
}

export type ColumnResolution =
  | { kind: 'send'; column: CompiledColumn }
  | { kind: 'skip' }
  | { kind: 'refuse'; problems: MappingProblem[] };

export function columnLabel(source: string, attribute: string): string {
  return source === attribute ? `Column ${JSON.stringify(source)}` : `Column ${JSON.stringify(source)} (${attribute})`;
}

/** `"Email Address": "email"`, as it would be written in the mapping's "columns". */
export function mappingEntry(source: string, attribute: string): string {
  return `${JSON.stringify(source)}: ${JSON.stringify(attribute)}`;
}

function ruleOf(entry: ColumnMapping | undefined): ColumnRule {
  return typeof entry === 'string' ? { to: entry } : (entry ?? {});
}

/** The attribute a source column is meant to fill (valid or not), or undefined when it is skipped. */
export function targetAttribute(source: string, entry: ColumnMapping | undefined): string | undefined {
  const rule = ruleOf(entry);
  return rule.skip === true ? undefined : (rule.to ?? source);
}

/** Where a source column goes under the mapping, or every reason it cannot go anywhere. */
export function resolveColumn(source: string, entry: ColumnMapping | undefined, mapping: Mapping, rules: RuleBook): ColumnResolution {
  const rule = ruleOf(entry);
  // The row number, line, column and reason a rejects file puts in front of each row: a fixed
  // rejects file is imported again as it is, and these say nothing about the profile. A mapping
  // entry for one of them still counts.
  if (rule.skip === true || (entry === undefined && isRejectColumn(source))) return { kind: 'skip' };
  const attribute = rule.to ?? source;
  const problems: MappingProblem[] = [];

  if (!isValidAttributeName(attribute)) {
    problems.push(
      rule.to === undefined
        ? {
            column: source,
            problem: 'is not a valid Xtremepush attribute name (lowercase letters, digits and _ only)',
            fix: `map it in "columns", e.g. ${mappingEntry(source, suggestAttributeName(source))}, or leave it out with ${JSON.stringify(source)}: {"skip": true}`,
          }
        : {
            column: source,
            problem: `is mapped to ${JSON.stringify(attribute)}, which is not a valid Xtremepush attribute name (lowercase letters, digits and _ only)`,
            fix: `map it to a valid name instead, e.g. ${mappingEntry(source, suggestAttributeName(attribute))}`,
          },
    );
  }
  if (rule.type !== undefined && rules.hasFixedRule(attribute)) {
    problems.push({
      column: source,
      problem: `goes to ${attribute}, which has its own validation rule, so "type": "${rule.type}" does not apply`,
      fix: 'remove "type" from its entry in "columns"',
    });
  }
  const fixedBlank = isIdentityAttribute(attribute) || isSubscriptionAttribute(attribute);
  if (rule.blank === 'clear' && fixedBlank) {
    problems.push({
      column: source,
      problem: `goes to ${attribute}, which cannot be cleared (${isIdentityAttribute(attribute) ? 'a blank identity rejects the row' : 'a subscription is 1 or 0'})`,
      fix: 'remove "blank": "clear" from its entry in "columns"',
    });
  }
  if (problems.length > 0) return { kind: 'refuse', problems };

  return {
    kind: 'send',
    column: {
      source,
      attribute,
      rule: rules.ruleFor(attribute, rule.type),
      // The mapping-wide default never clears an identity or a subscription: "" is not a valid one.
      clearsBlank: (rule.blank ?? (fixedBlank ? 'leave' : mapping.blank)) === 'clear',
      label: columnLabel(source, attribute),
    },
  };
}
