import { quotedName } from '../../common/quotedName';
import type { Mapping } from '../../common/mapping';
import { render } from '../wording';
import { SUBSCRIPTION_OF, type IdentityAttribute } from './attributeNames';
import { isBlankText } from './blank';
import { resolveColumn, type ColumnResolution, type CompiledColumn } from './columns';
import type { CompiledConstant } from './constants';
import { isInvalid, type Invalid } from './invalid';
import type { RuleBook } from './ruleBook';
import { characterCount } from './text';
import type { Cell, RowIssue, RowMapper, RowOutcome, MappableRecord } from './types';

/** Keys whose resolution is remembered; a file with more distinct keys than this is resolved key by key. */
const MAX_REMEMBERED_KEYS = 10_000;

type Resolution = Exclude<ColumnResolution, { kind: 'refuse' }> | { kind: 'refuse'; issue: Readonly<RowIssue> };

function isBlankJson(raw: unknown): boolean {
  return raw === null || raw === undefined || (typeof raw === 'string' && isBlankText(raw));
}

function reject(issue: RowIssue): RowOutcome {
  return { ok: false, issue };
}

/**
 * Maps NDJSON records. There is no header, so each line's keys are checked as a header would be:
 * a key's resolution (attribute, rule, or why it is refused) is worked out once and remembered.
 */
export class NdjsonRowMapper implements RowMapper {
  private firstIdentity: IdentityAttribute | null = null;
  private readonly accepted = new Set<string>();
  private readonly resolutions = new Map<string, Resolution>();
  private readonly constantAttributes: ReadonlySet<string>;

  constructor(
    private readonly mapping: Mapping,
    private readonly rules: RuleBook,
    private readonly constants: readonly CompiledConstant[],
  ) {
    this.constantAttributes = new Set(constants.map((c) => c.attribute));
  }

  get identityAttribute(): IdentityAttribute | null {
    return this.firstIdentity;
  }

  get attributes(): string[] {
    return [...this.accepted];
  }

  map(record: MappableRecord): RowOutcome {
    if (!('value' in record)) throw new TypeError('NdjsonRowMapper.map needs an NDJSON record (with value)');
    const object = record.value;
    const values = new Map<string, Cell>();
    const warnings: RowIssue[] = [];

    for (const key in object) {
      if (!Object.hasOwn(object, key)) continue;
      const resolution = this.resolve(key);
      if (resolution.kind === 'skip') continue;
      if (resolution.kind === 'refuse') return reject(resolution.issue);
      const column = resolution.column;
      const raw = object[key];
      let value: Cell | Invalid;
      let fromText = false;
      if (isBlankJson(raw)) {
        if (!column.clearsBlank) continue;
        value = '';
      } else if (typeof raw === 'string') {
        value = column.rule.fromText(column.rule.trims ? raw.trim() : raw);
        fromText = true;
      } else if (typeof raw === 'number' || typeof raw === 'boolean' || (typeof raw === 'object' && raw !== null)) {
        value = column.rule.fromJson(raw);
      } else {
        throw new TypeError(`NDJSON value of type ${typeof raw} cannot come from JSON`);
      }
      if (values.has(column.attribute) || this.constantAttributes.has(column.attribute)) return reject(this.conflict(column, object));
      if (isInvalid(value)) return reject({ code: value.code, column: key, reason: `${column.label} ${value.problem}` });
      const limit = column.rule.warnLongerThan;
      if (fromText && limit !== undefined && typeof value === 'string' && value.length > limit && characterCount(value) > limit) {
        warnings.push({ code: 'string_too_long', column: key, reason: `${column.label} is longer than ${limit} characters, the limit of Xtremepush's String attributes; it is sent as it is` });
      }
      values.set(column.attribute, value);
    }

    const identityAttribute = values.has('user_id') ? 'user_id' : values.has('device_id') ? 'device_id' : undefined;
    if (identityAttribute === undefined) {
      return reject({ code: 'identity_missing', reason: 'The row has no user_id or device_id (or only blank ones); every row needs one to identify the profile' });
    }
    for (const constant of this.constants) values.set(constant.attribute, constant.value);
    for (const [attribute, subscription] of SUBSCRIPTION_OF) {
      if (values.has(attribute) && !values.has(subscription)) return reject(this.subscriptionMissing(attribute, subscription, object));
    }

    this.firstIdentity ??= identityAttribute;
    this.accepted.add(identityAttribute);
    for (const attribute of values.keys()) this.accepted.add(attribute);
    return { ok: true, identity: `${identityAttribute}:${String(values.get(identityAttribute))}`, values, warnings };
  }

  private resolve(key: string): Resolution {
    const known = this.resolutions.get(key);
    if (known !== undefined) return known;
    const resolution = this.resolveAnew(key);
    if (this.resolutions.size < MAX_REMEMBERED_KEYS) this.resolutions.set(key, resolution);
    return resolution;
  }

  private resolveAnew(key: string): Resolution {
    const resolution = resolveColumn(key, this.mapping.columns[key], this.mapping, this.rules);
    if (resolution.kind !== 'refuse') return resolution;
    // Entries of the mapping were checked by compileMapping: only a key's own name can be refused here.
    const problem = resolution.problems[0];
    // A row's reason goes to the rejects file only (local): its names in full.
    const reason = `Column ${quotedName(key)} ${problem === undefined ? 'cannot be mapped' : render(problem.problem, 'local')}; ${problem === undefined ? 'map it in "columns"' : render(problem.fix, 'local')}`;
    return { kind: 'refuse', issue: Object.freeze({ code: 'attribute_name_invalid', column: key, reason }) };
  }

  /** The key a row used for `attribute`, for naming it in a reason (rejected rows only). */
  private sourceOf(attribute: string, object: Record<string, unknown>, except?: string): string | undefined {
    for (const key in object) {
      if (key === except || !Object.hasOwn(object, key)) continue;
      const resolution = this.resolve(key);
      if (resolution.kind !== 'send' || resolution.column.attribute !== attribute) continue;
      if (resolution.column.clearsBlank || !isBlankJson(object[key])) return key;
    }
    return undefined;
  }

  private conflict(column: CompiledColumn, object: Record<string, unknown>): RowIssue {
    const other = this.sourceOf(column.attribute, object, column.source);
    const reason =
      other === undefined
        ? `${column.label} goes to ${column.attribute}, which the mapping also sets in "constants"; remove the key or the constant`
        : `Columns ${quotedName(other)} and ${quotedName(column.source)} both go to ${column.attribute}; keep one, or skip the other in the mapping`;
    return { code: 'attribute_conflict', column: column.source, reason };
  }

  private subscriptionMissing(attribute: string, subscription: string, object: Record<string, unknown>): RowIssue {
    const source = this.sourceOf(attribute, object);
    const origin = source === undefined ? 'a constant' : `column ${quotedName(source)}`;
    return {
      code: attribute === 'email' ? 'email_subscription_missing' : 'sms_subscription_missing',
      column: source,
      reason: `The row sends ${attribute} (${origin}) without ${subscription}; Xtremepush requires ${subscription} (1 or 0) whenever ${attribute} is sent`,
    };
  }
}
