import { quotedName } from '../../common/quotedName';
import type { Mapping } from '../../common/mapping';
import { IDENTITY_ATTRIBUTES, SUBSCRIPTION_OF, wellKnownAttributeFor, type IdentityAttribute } from './attributeNames';
import { joinWords, keyRef, nameRef, words, type HeaderCell, type Text } from '../wording';
import { columnLabel, headerCell, mappingEntry, resolveColumn, targetAttribute, type CompiledColumn } from './columns';
import type { CompiledConstant } from './constants';
import type { MappingProblem } from './mappingError';
import type { RuleBook } from './ruleBook';
import type { RowIssue } from './types';

export interface IndexedColumn extends CompiledColumn {
  /** Position of the column in the header and in every record's cells. */
  readonly index: number;
}

/** "A row that sends `attribute` must send `subscription`", checked per row when no constant settles it. */
export interface SubscriptionCheck {
  readonly attribute: string;
  readonly subscription: string;
  readonly issue: Readonly<RowIssue>;
}

/** What compileMapping learns from a CSV header: everything a row needs, decided once. */
export interface CsvPlan {
  readonly width: number;
  readonly identity: IndexedColumn & { readonly attribute: IdentityAttribute };
  /** Every sent column except the identity, in header order. */
  readonly columns: readonly IndexedColumn[];
  readonly constants: readonly CompiledConstant[];
  readonly checks: readonly SubscriptionCheck[];
  readonly attributes: string[];
}

const MAX_LISTED_COLUMNS = 20;

function squash(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** Letters a mapping key may differ by from a header cell to be suggested as what was meant. */
const MAX_TYPO_EDITS = 2;

/** Levenshtein distance; runs once per unknown mapping key, on short names. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** `"user_id", "Email Address", …`; shared, a name that could be personal data is its position. */
function listColumns(cells: readonly HeaderCell[]): Text {
  const listed = joinWords(cells.slice(0, MAX_LISTED_COLUMNS).map(nameRef), ', ');
  return words`${listed}${cells.length > MAX_LISTED_COLUMNS ? ', …' : ''}`;
}

/** A header column (not already mapped) whose name usually means `attribute`, as a suggestion. */
function candidateFor(attribute: string, cells: readonly HeaderCell[], mapping: Mapping): HeaderCell | undefined {
  return cells.find((cell) => mapping.columns[cell.name] === undefined && wellKnownAttributeFor(cell.name) === attribute);
}

function checkMappedColumnsExist(cells: readonly HeaderCell[], mapping: Mapping, problems: MappingProblem[]): void {
  const present = new Set(cells.map((cell) => cell.name));
  for (const key of Object.keys(mapping.columns)) {
    if (present.has(key)) continue;
    const near = cells.find((cell) => editDistance(squash(cell.name), squash(key)) <= MAX_TYPO_EDITS);
    problems.push({
      column: key,
      problem: 'is named in the mapping\'s "columns" but the header has no such column',
      fix:
        near === undefined
          ? words`correct the name (names match exactly, spaces and case included) or remove the entry; the header has ${listColumns(cells)}`
          : words`did you mean ${nameRef(near)}? Names match exactly, spaces and case included`,
    });
  }
}

/**
 * Checks a header against the mapping and plans the work of every row. Every problem found is
 * added to `problems`; the plan is undefined when there is any.
 */
export function planCsv(header: readonly string[], mapping: Mapping, rules: RuleBook, constants: readonly CompiledConstant[], problems: MappingProblem[]): CsvPlan | undefined {
  const firstProblem = problems.length;
  const cells = header.map((name, index) => headerCell(name, index, mapping));
  checkMappedColumnsExist(cells, mapping, problems);

  const sent: IndexedColumn[] = [];
  const sourcesOf = new Map<string, HeaderCell[]>();
  /** Attribute → first source column meant to fill it, counting columns refused for another reason. */
  const targets = new Map<string, HeaderCell | undefined>(constants.map((c) => [c.attribute, undefined]));
  const seen = new Map<string, HeaderCell>();
  cells.forEach((cell, index) => {
    const source = cell.name;
    const earlier = seen.get(source);
    if (earlier !== undefined) {
      problems.push({
        column: cell,
        problem: `appears more than once in the header (columns ${earlier.position} and ${cell.position}), so the mapping cannot tell the columns apart`,
        fix: 'rename the duplicate columns in the file',
      });
      return;
    }
    seen.set(source, cell);
    const entry = mapping.columns[source];
    const target = targetAttribute(source, entry);
    if (target !== undefined && !targets.has(target)) targets.set(target, cell);
    const resolution = resolveColumn(cell, entry, mapping, rules);
    if (resolution.kind === 'refuse') problems.push(...resolution.problems);
    if (resolution.kind !== 'send') return;
    sent.push({ ...resolution.column, index });
    const sources = sourcesOf.get(resolution.column.attribute) ?? [];
    sources.push(cell);
    sourcesOf.set(resolution.column.attribute, sources);
  });

  for (const [attribute, sources] of sourcesOf) {
    const second = sources[1];
    if (second === undefined) continue;
    problems.push({
      problem: words`columns ${joinWords(sources.map(nameRef), ' and ')} ${sources.length === 2 ? 'both' : 'all'} go to ${attribute}`,
      fix: words`keep one and leave the others out, e.g. ${mappingEntrySkip(second)}`,
    });
  }
  for (const constant of constants) {
    const source = sourcesOf.get(constant.attribute)?.[0];
    if (source !== undefined) {
      problems.push({ column: source, problem: `goes to ${constant.attribute}, which the mapping also sets in "constants"`, fix: words`remove the constant, or leave the column out with ${mappingEntrySkip(source)}` });
    }
  }

  const identityAttribute = IDENTITY_ATTRIBUTES.find((attribute) => targets.has(attribute));
  if (identityAttribute === undefined) {
    const candidate = candidateFor('user_id', cells, mapping) ?? candidateFor('device_id', cells, mapping);
    problems.push({
      problem: 'no column goes to user_id or device_id, and Xtremepush needs one of them in every row to identify the profile',
      fix: words`map the column that identifies each person, e.g. ${mappingEntry(candidate ?? 'Customer ID', candidate === undefined ? 'user_id' : (wellKnownAttributeFor(candidate.name) ?? 'user_id'))}`,
    });
  }
  for (const [attribute, subscription] of SUBSCRIPTION_OF) {
    if (!targets.has(attribute) || targets.has(subscription)) continue;
    const candidate = candidateFor(subscription, cells, mapping);
    problems.push({
      column: targets.get(attribute),
      problem: `goes to ${attribute}, but nothing sets ${subscription}, which Xtremepush requires whenever ${attribute} is sent`,
      fix: words`map the consent column${candidate === undefined ? '' : words`, e.g. ${mappingEntry(candidate, subscription)}`}, or, if everyone in the file has agreed, add "constants": {${JSON.stringify(subscription)}: 1}`,
    });
  }

  if (problems.length > firstProblem || identityAttribute === undefined) return undefined;
  const identity = sent.find((column) => column.attribute === identityAttribute);
  if (identity === undefined) return undefined;
  const columns = sent.filter((column) => column !== identity);
  return {
    width: header.length,
    identity: { ...identity, attribute: identityAttribute },
    columns,
    constants,
    checks: subscriptionChecks(sent, constants),
    attributes: [identityAttribute, ...columns.map((c) => c.attribute), ...constants.map((c) => c.attribute)],
  };
}

/** `"Email Address": {"skip": true}`, as it would be written in the mapping's "columns". */
function mappingEntrySkip(cell: HeaderCell): Text {
  return words`${keyRef(cell)}: {"skip": true}`;
}

function subscriptionChecks(sent: readonly IndexedColumn[], constants: readonly CompiledConstant[]): SubscriptionCheck[] {
  const checks: SubscriptionCheck[] = [];
  for (const [attribute, subscription] of SUBSCRIPTION_OF) {
    const from = sent.find((c) => c.attribute === attribute);
    const subscriptionColumn = sent.find((c) => c.attribute === subscription);
    // No subscription column: either nothing sends `attribute` or a constant subscription is on every row.
    if (subscriptionColumn === undefined) continue;
    if (from === undefined && !constants.some((c) => c.attribute === attribute)) continue;
    const origin = from === undefined ? 'a constant' : `column ${quotedName(from.source)}`;
    const reason =
      `The row sends ${attribute} (${origin}) but ` +
      `${columnLabel(subscriptionColumn.source, subscription).replace(/^Column/, 'column')} is blank; ` +
      `Xtremepush requires ${subscription} (1 or 0) whenever ${attribute} is sent`;
    const code = attribute === 'email' ? 'email_subscription_missing' : 'sms_subscription_missing';
    checks.push({ attribute, subscription, issue: Object.freeze({ code, column: subscriptionColumn.source, reason }) });
  }
  return checks;
}
