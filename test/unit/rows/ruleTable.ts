import { compileMapping, type Cell, type RowIssueCode, type RowOutcome } from '../../../activities/rows';
import type { MappingInput } from '../../../common/mapping';

/**
 * One validation rule as a table: each case puts `input` into `column` of a CSV row whose other
 * cells make it valid, then expects the normalised value sent as `attribute`, or the exact issue.
 */
export interface RuleTable {
  name: string;
  header: string[];
  mapping?: MappingInput;
  /** The CSV file's delimiter, when the rule depends on it. */
  delimiter?: string;
  column: string;
  attribute: string;
  /** Cells of the other columns. */
  others: Record<string, string>;
  valid: Array<[input: string, expected: Cell]>;
  invalid: Array<[input: string, code: RowIssueCode, reason: string]>;
  /** Accepted and sent as written, with a warning. */
  warned?: Array<[input: string, code: RowIssueCode, reason: string]>;
}

export function mapCell(table: RuleTable, input: string): RowOutcome {
  const mapper = compileMapping({ format: 'csv', header: table.header, ...(table.delimiter ? { delimiter: table.delimiter } : {}), mapping: table.mapping });
  const cells = table.header.map((name) => (name === table.column ? input : (table.others[name] ?? '')));
  return mapper.map({ row: 1, line: 2, byteOffset: 0, cells });
}
