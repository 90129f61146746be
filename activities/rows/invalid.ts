import type { RowIssueCode } from './types';

/**
 * What a value rule returns for a value it refuses. Instances are created once per kind of
 * failure (module constants), so a rejected row allocates nothing here; `problem` describes the
 * expected form and never the value, and is completed into a reason with the column's name.
 */
export class Invalid {
  constructor(
    readonly code: RowIssueCode,
    /** Continues "Column "X" (attr) ...", e.g. "is not a valid email address (expected name@example.com)". */
    readonly problem: string,
  ) {}
}

export function isInvalid(value: unknown): value is Invalid {
  return value instanceof Invalid;
}
