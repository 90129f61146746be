/** One thing wrong with a mapping (or with a header under it), and what to do about it. */
export interface MappingProblem {
  /** Source column, mapping key or attribute the problem is about. */
  column?: string;
  problem: string;
  fix: string;
}

/**
 * The mapping does not fit the source: no identity column, email without email_subscription,
 * attribute names Xtremepush refuses, and so on. Retrying cannot fix it; the user must change the
 * mapping or the file. Lists every problem at once so one round of fixes is enough.
 */
export class MappingError extends Error {
  override readonly name = 'MappingError';
  readonly retryable = false;
  readonly problems: readonly MappingProblem[];

  constructor(problems: readonly MappingProblem[]) {
    super(formatProblems(problems));
    this.problems = problems;
  }
}

function formatProblems(problems: readonly MappingProblem[]): string {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  const lines = problems.map((p) => {
    const where = p.column === undefined ? '' : `column ${JSON.stringify(p.column)}: `;
    return `- ${where}${p.problem}; ${p.fix}`;
  });
  return [`The mapping does not fit the source (${count}):`, ...lines].join('\n');
}
