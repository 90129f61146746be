import { MappingSchema, type Mapping, type MappingInput } from '../../common/mapping';
import type { SourceFormat } from '../../common/source';
import { resolveColumn } from './columns';
import { compileConstants } from './constants';
import { CsvRowMapper } from './csvMapper';
import { planCsv } from './csvPlan';
import { MappingError, type MappingProblem } from './mappingError';
import { NdjsonRowMapper } from './ndjsonMapper';
import { isPhoneCountry } from './phone';
import { RuleBook } from './ruleBook';
import { stringRule, untypedJsonRule } from './text';
import type { RowMapper } from './types';

export interface CompileMappingInput {
  format: SourceFormat;
  /** CSV: the header cells in file order (after the BOM is removed). */
  header?: string[];
  /** CSV: the file's delimiter (`,` when absent): a `;` file must say how its numbers write decimals. */
  delimiter?: string;
  /** Parsed or not: it is (re)validated with MappingSchema. Absent means every column keeps its name. */
  mapping?: Mapping | MappingInput;
}

function parseMapping(input: Mapping | MappingInput | undefined): Mapping {
  const parsed = MappingSchema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  throw new MappingError(
    parsed.error.issues.map((issue) => ({
      column: issue.path.length > 0 ? issue.path.join('.') : undefined,
      problem: `the mapping file is malformed: ${issue.message}`,
      fix: 'see docs/mapping.md for the format',
    })),
  );
}

/**
 * Checks a mapping against a source and prepares the work of every row, once. Throws a
 * MappingError listing every problem (no identity column, email without email_subscription, bad
 * attribute names, ...) when the source cannot be imported under this mapping.
 */
export function compileMapping(input: CompileMappingInput): RowMapper {
  const mapping = parseMapping(input.mapping);
  const problems: MappingProblem[] = [];

  const country = mapping.defaultCountry;
  if (country !== undefined && !isPhoneCountry(country)) {
    problems.push({ setting: '"defaultCountry"', problem: `"${country}" is not a country the phone number library knows`, fix: 'use a two-letter ISO 3166-1 code such as IE, GB or US' });
  }
  const defaultCountry = country !== undefined && isPhoneCountry(country) ? country : undefined;
  const numbers = { ...(mapping.decimalSeparator ? { decimalSeparator: mapping.decimalSeparator } : {}), ...(input.format === 'csv' && input.delimiter ? { delimiter: input.delimiter } : {}) };
  const rules = new RuleBook(defaultCountry, input.format === 'csv' ? stringRule : untypedJsonRule, numbers);
  const constants = compileConstants(mapping, rules, problems);

  if (input.format === 'csv') {
    if (input.header === undefined) throw new TypeError('compileMapping needs the header of a CSV source');
    const plan = planCsv(input.header, mapping, rules, constants, problems);
    if (plan === undefined || problems.length > 0) throw new MappingError(problems);
    return new CsvRowMapper(plan);
  }

  // NDJSON has no header: entries of the mapping are checked now, each line's keys when it is read.
  for (const [source, entry] of Object.entries(mapping.columns)) {
    const resolution = resolveColumn(source, entry, mapping, rules);
    if (resolution.kind === 'refuse') problems.push(...resolution.problems);
  }
  if (problems.length > 0) throw new MappingError(problems);
  return new NdjsonRowMapper(mapping, rules, constants);
}
