import { quotedName } from '../../common/quotedName';
import { hiddenNamesHint, hidesNames, render, type HeaderCell, type Text, type View, type WithLocalMessage } from '../wording';

/**
 * One thing wrong with a mapping (or with a header under it), and what to do about it. Texts that
 * name header cells are Wordings, so that the error's message can name those cells by position.
 */
export interface MappingProblem {
  /** Mapping key or attribute (a string), or the header cell, the problem is about. */
  column?: string | HeaderCell;
  /** Or a setting of the mapping file that is not a column, as the message names it (`"defaultCountry"`, `constant "tier"`). */
  setting?: string;
  problem: Text;
  fix: Text;
}

/** A problem as local code sees it: every name in full. */
export interface LocalMappingProblem {
  column?: string;
  setting?: string;
  problem: string;
  fix: string;
}

/**
 * The mapping does not fit the source: no identity column, email without email_subscription,
 * attribute names Xtremepush refuses, and so on. Retrying cannot fix it; the user must change the
 * mapping or the file. Lists every problem at once so one round of fixes is enough (`message`
 * lists the first SHARED_PROBLEMS and says how many more: it must stay small).
 *
 * `message` reaches Temporal, so it gives a header cell by position unless its name is safe to show
 * (HeaderCell.safe); `localMessage` and `problems` name every cell, for local output only
 * (`xp-import validate`). Neither is an own property, so nothing that serialises the error copies them.
 */
export class MappingError extends Error implements WithLocalMessage {
  override readonly name = 'MappingError';
  readonly retryable = false;
  readonly #problems: readonly MappingProblem[];

  constructor(problems: readonly MappingProblem[]) {
    super(formatProblems(problems, 'shared'));
    this.#problems = problems;
  }

  get localMessage(): string {
    return formatProblems(this.#problems, 'local');
  }

  get problems(): readonly LocalMappingProblem[] {
    return this.#problems.map((p) => ({
      ...(p.column === undefined ? {} : { column: typeof p.column === 'string' ? p.column : p.column.name }),
      ...(p.setting === undefined ? {} : { setting: p.setting }),
      problem: render(p.problem, 'local'),
      fix: render(p.fix, 'local'),
    }));
  }
}

function where({ column, setting }: MappingProblem, view: View): string {
  if (setting !== undefined) return `${setting}: `;
  if (column === undefined) return '';
  if (typeof column === 'string' || column.safe || view === 'local') return `column ${quotedName(typeof column === 'string' ? column : column.name)}: `;
  return `column ${column.position}: `;
}

function hidesColumn(column: string | HeaderCell | undefined): boolean {
  return column !== undefined && typeof column !== 'string' && !column.safe;
}

/**
 * How many problems the shared message lists, and how long each line may be. The message reaches
 * Temporal's history and the report, which must stay a few KB (invariant 1) where a 100,000-column
 * header with invalid names has 100,000 problems, and a name written in the mapping any length.
 * Local output lists them all: it is where the shared message sends the reader.
 */
export const SHARED_PROBLEMS = 20;
export const SHARED_LINE_CHARS = 400;

function formatProblems(problems: readonly MappingProblem[], view: View): string {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  const listed = view === 'shared' ? sharedSelection(problems) : problems;
  const lines = listed.map((p) => `- ${where(p, view)}${render(p.problem, view)}; ${render(p.fix, view)}`);
  const more = problems.length - listed.length;
  const tail = more > 0 ? [`- and ${more} more problems, left out to keep this message short; \`xp-import validate\`, given the same file and mapping, runs locally and lists them all`] : [];
  const hid = view === 'shared' && listed.some((p) => hidesColumn(p.column) || hidesNames(p.problem) || hidesNames(p.fix));
  return [`The mapping does not fit the source (${count}):`, ...(view === 'shared' ? lines.map(cut) : lines), ...tail, ...(hid ? [hiddenNamesHint(true)] : [])].join('\n');
}

/**
 * The first SHARED_PROBLEMS problems, in their order, but always with those of the whole mapping
 * (no identity, two columns for one attribute: no column or setting of their own), which come
 * after the header's: they are few and say the most.
 */
function sharedSelection(problems: readonly MappingProblem[]): readonly MappingProblem[] {
  if (problems.length <= SHARED_PROBLEMS) return problems;
  const whole = problems.filter((p) => p.column === undefined && p.setting === undefined).slice(0, SHARED_PROBLEMS);
  const room = SHARED_PROBLEMS - whole.length;
  const others = problems.filter((p) => p.column !== undefined || p.setting !== undefined).slice(0, room);
  const kept = new Set([...whole, ...others]);
  return problems.filter((p) => kept.has(p));
}

function cut(line: string): string {
  if (line.length <= SHARED_LINE_CHARS) return line;
  // Not between the two halves of a surrogate pair: the cut line must stay valid text.
  let end = SHARED_LINE_CHARS - 1;
  if (/[\uD800-\uDBFF]/.test(line.charAt(end - 1))) end--;
  return `${line.slice(0, end)}…`;
}
