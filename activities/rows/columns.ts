import { quotedName } from '../../common/quotedName';
import type { ColumnMapping, ColumnRule, Mapping } from '../../common/mapping';
import { isRejectColumn } from '../../common/report';
import { keyRef, nameOr, words, type HeaderCell, type Wording } from '../wording';
import { isIdentityAttribute, isKnownAttribute, isSubscriptionAttribute, isValidAttributeName, suggestAttributeName, wellKnownAttributeFor } from './attributeNames';
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
  return source === attribute ? `Column ${quotedName(source)}` : `Column ${quotedName(source)} (${attribute})`;
}

/** `"Email Address": "email"`, as it would be written in the mapping's "columns". */
export function mappingEntry(source: string | HeaderCell, attribute: string): Wording {
  return words`${typeof source === 'string' ? quotedName(source) : keyRef(source)}: ${JSON.stringify(attribute)}`;
}

/**
 * A header cell as messages name it. Its name is safe to show where a message may reach Temporal
 * when it is a known Xtremepush attribute, a name written in the mapping file, or one of the
 * rejects file's own columns; any other could be personal data (a file without its header line).
 */
export function headerCell(name: string, index: number, mapping: Mapping): HeaderCell {
  const written = Object.hasOwn(mapping.columns, name) || Object.hasOwn(mapping.constants, name) || Object.values(mapping.columns).some((entry) => ruleOf(entry).to === name);
  return { name, position: index + 1, safe: isKnownAttribute(name) || written || isRejectColumn(name) };
}

/** A name that is no header cell (a key of the mapping, of an NDJSON line): shown as it is. */
function shownName(name: string): HeaderCell {
  return { name, position: 0, safe: true };
}

/** The attribute to suggest for a badly named cell; where its name is hidden, only a suggestion that does not spell it out. */
function suggestionFor(cell: HeaderCell, name: string): Wording {
  return nameOr(cell, JSON.stringify(suggestAttributeName(name)), JSON.stringify(wellKnownAttributeFor(name) ?? 'a_valid_name'));
}

function ruleOf(entry: ColumnMapping | undefined): ColumnRule {
  return typeof entry === 'string' ? { to: entry } : (entry ?? {});
}

/** The attribute a source column is meant to fill (valid or not), or undefined when it is skipped. */
export function targetAttribute(source: string, entry: ColumnMapping | undefined): string | undefined {
  const rule = ruleOf(entry);
  return rule.skip === true ? undefined : (rule.to ?? source);
}

/**
 * Where a source column goes under the mapping, or every reason it cannot go anywhere. `column`:
 * a header cell (CSV), or a name that is none (a mapping entry, an NDJSON key).
 */
export function resolveColumn(column: string | HeaderCell, entry: ColumnMapping | undefined, mapping: Mapping, rules: RuleBook): ColumnResolution {
  const cell = typeof column === 'string' ? shownName(column) : column;
  const source = cell.name;
  const at = typeof column === 'string' ? column : cell;
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
            column: at,
            problem: 'is not a valid Xtremepush attribute name (lowercase letters, digits and _ only)',
            // No mapping entry can name __proto__: JSON.parse makes it the object's prototype, not a key.
            fix:
              source === '__proto__'
                ? words`rename ${keyRef(cell)} in the file (or leave the column out of it): no entry in "columns" can name it, as a JSON object takes that key for its prototype`
                : words`map it in "columns", e.g. ${keyRef(cell)}: ${suggestionFor(cell, source)}, or leave it out with ${keyRef(cell)}: {"skip": true}`,
          }
        : {
            column: at,
            problem: `is mapped to ${JSON.stringify(attribute)}, which is not a valid Xtremepush attribute name (lowercase letters, digits and _ only)`,
            fix: words`map it to a valid name instead, e.g. ${mappingEntry(cell, suggestAttributeName(attribute))}`,
          },
    );
  }
  if (rule.type !== undefined && rules.hasFixedRule(attribute)) {
    problems.push({
      column: at,
      problem: `goes to ${attribute}, which has its own validation rule, so "type": "${rule.type}" does not apply`,
      fix: 'remove "type" from its entry in "columns"',
    });
  }
  const fixedBlank = isIdentityAttribute(attribute) || isSubscriptionAttribute(attribute);
  if (rule.blank === 'clear' && fixedBlank) {
    problems.push({
      column: at,
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
