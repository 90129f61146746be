import { isBlankText } from './blank';
import type { CsvPlan, IndexedColumn } from './csvPlan';
import { isInvalid } from './invalid';
import { characterCount, identityRule } from './text';
import type { Cell, RowIssue, RowMapper, RowOutcome, MappableRecord } from './types';

/** Maps the records of one CSV source; everything per column was decided by compileMapping. */
export class CsvRowMapper implements RowMapper {
  readonly attributes: string[];
  readonly identityAttribute: 'user_id' | 'device_id';
  private readonly identityBlank: RowIssue;
  private readonly tooLong: ReadonlyMap<IndexedColumn, Readonly<RowIssue>>;

  constructor(private readonly plan: CsvPlan) {
    this.attributes = plan.attributes;
    this.identityAttribute = plan.identity.attribute;
    this.identityBlank = Object.freeze({
      code: 'identity_missing',
      column: plan.identity.source,
      reason: `${plan.identity.label} is blank; every row needs a ${plan.identity.attribute} to identify the profile`,
    });
    this.tooLong = new Map(
      plan.columns.map((column) => [
        column,
        Object.freeze({
          code: 'string_too_long',
          column: column.source,
          reason: `${column.label} is longer than ${column.rule.warnLongerThan} characters, the limit of Xtremepush's String attributes; it is sent as it is`,
        }),
      ]),
    );
  }

  map(record: MappableRecord): RowOutcome {
    if (!('cells' in record)) throw new TypeError('CsvRowMapper.map needs a CSV record (with cells)');
    const { cells } = record;
    const plan = this.plan;
    if (cells.length !== plan.width) {
      return { ok: false, issue: { code: 'ragged_row', reason: `The row has ${cells.length} cells but the header has ${plan.width} columns` } };
    }

    const identity = (cells[plan.identity.index] ?? '').trim();
    if (identity === '') return { ok: false, issue: this.identityBlank };
    const checked = identityRule.fromText(identity);
    if (isInvalid(checked)) return { ok: false, issue: { code: checked.code, column: plan.identity.source, reason: `${plan.identity.label} ${checked.problem}` } };
    const values = new Map<string, Cell>();
    values.set(plan.identity.attribute, identity);
    const warnings: RowIssue[] = [];

    for (const column of plan.columns) {
      const cell = cells[column.index] ?? '';
      if (isBlankText(cell)) {
        if (column.clearsBlank) values.set(column.attribute, '');
        continue;
      }
      const rule = column.rule;
      const value = rule.fromText(rule.trims ? cell.trim() : cell);
      if (isInvalid(value)) return { ok: false, issue: { code: value.code, column: column.source, reason: `${column.label} ${value.problem}` } };
      const limit = rule.warnLongerThan;
      if (limit !== undefined && typeof value === 'string' && value.length > limit && characterCount(value) > limit) {
        warnings.push(this.tooLong.get(column) as RowIssue);
      }
      values.set(column.attribute, value);
    }

    for (const constant of plan.constants) values.set(constant.attribute, constant.value);
    for (const check of plan.checks) {
      if (values.has(check.attribute) && !values.has(check.subscription)) return { ok: false, issue: check.issue };
    }
    return { ok: true, identity: `${plan.identity.attribute}:${identity}`, values, warnings };
  }
}
