/*
 * Messages about a source's header and its mapping, written once and rendered two ways.
 *
 * An error's `message` can reach Temporal (the activity's failure, the import's report, which is
 * the workflow's result, `xp-import status`), so it must not quote a header cell: a CSV file
 * exported without its header line has a row of data there, names and cities that no check can
 * tell from column names. The `shared` rendering, which becomes the message, names such a cell by
 * its position ("column 2"). The `local` rendering names every cell; the error keeps it in
 * `localMessage`, which only local code prints (`xp-import validate`), as undici's named errors
 * carry what their caller needs beside the message.
 */

import { quotedName } from '../common/quotedName';

/** A header cell a message is about. */
export interface HeaderCell {
  readonly name: string;
  /** 1-based position in the header. */
  readonly position: number;
  /**
   * The name may be shown anywhere: a known Xtremepush attribute, a name written in the mapping
   * file, or one of the project's own column names. Any other name could be personal data.
   */
  readonly safe: boolean;
}

export type View = 'local' | 'shared';

type Part = string | { readonly local: string; readonly shared: string };

/** Text that names header cells: a sequence of literal parts and names with their shared stand-ins. */
export class Wording {
  constructor(readonly parts: readonly Part[]) {}

  render(view: View): string {
    return this.parts.map((part) => (typeof part === 'string' ? part : part[view])).join('');
  }

  /** Whether the shared rendering leaves a name out. */
  get hidesNames(): boolean {
    return this.parts.some((part) => typeof part !== 'string' && part.local !== part.shared);
  }

  /** The safe rendering, should a Wording ever end up in a string by accident. */
  toString(): string {
    return this.render('shared');
  }
}

/** A plain string is the same in both views. */
export type Text = string | Wording;

export function render(text: Text, view: View): string {
  return typeof text === 'string' ? text : text.render(view);
}

export function hidesNames(text: Text | undefined): boolean {
  return text instanceof Wording && text.hidesNames;
}

/** words`columns ${a} and ${b} both go to email`: literal text around names (Wordings) and plain values. */
export function words(strings: TemplateStringsArray, ...values: ReadonlyArray<Text | number>): Wording {
  const parts: Part[] = [];
  strings.forEach((literal, i) => {
    parts.push(literal);
    if (i >= values.length) return;
    const value = values[i];
    if (value instanceof Wording) parts.push(...value.parts);
    else parts.push(String(value));
  });
  return new Wording(parts);
}

/** `a, b, c` with any separator. */
export function joinWords(items: readonly Text[], separator: string): Wording {
  return new Wording(items.flatMap((item, i) => [...(i === 0 ? [] : [separator]), ...(item instanceof Wording ? item.parts : [item])]));
}

/** `local` in local output; `shared` where the message may reach Temporal, unless the cell's name is safe. */
export function nameOr(cell: HeaderCell, local: string, shared: string): Wording {
  return new Wording([cell.safe ? local : { local, shared }]);
}

/** `"First Name"` in a list of names; shared: `column 2`. */
export function nameRef(cell: HeaderCell): Wording {
  return nameOr(cell, quotedName(cell.name), `column ${cell.position}`);
}

/** `"First Name"` as a key in an example mapping entry; shared: `"<name of column 2>"`. */
export function keyRef(cell: HeaderCell): Wording {
  return nameOr(cell, quotedName(cell.name), `"<name of column ${cell.position}>"`);
}

/**
 * Ends a shared message that gave columns by position: why, and how to see their names.
 * `mapping`: whether names written in the mapping file are shown (they are where a mapping is known).
 */
export function hiddenNamesHint(mapping: boolean): string {
  const shown = mapping ? 'neither Xtremepush attributes nor written in the mapping file' : 'not Xtremepush attributes';
  return (
    `Columns whose names are ${shown} are given by position: their names could be personal data ` +
    `(if line 1 is a row of data rather than the column names, the file lacks its header line: add one). ` +
    '`xp-import validate <file>` runs locally and shows the names.'
  );
}

/** An error whose message leaves names out, with the full text for local output. */
export interface WithLocalMessage {
  readonly localMessage: string;
}

/** What local code prints for an error: its local message (names in full) when it has one. */
export function localMessageOf(error: Error): string {
  const local = (error as Partial<WithLocalMessage>).localMessage;
  return typeof local === 'string' ? local : error.message;
}
