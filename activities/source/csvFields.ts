const QUOTE = 0x22;

/** Why a record's text does not split into fields; `at` is a character index into the text. */
export interface FieldSyntaxError {
  code: 'text_after_quote' | 'unclosed_quote';
  /** 0-based field index. */
  field: number;
  at: number;
}

/**
 * Splits records into cells, RFC 4180 style: a quote opens a quoted field only at the start of
 * a field, `""` inside it is a quote, and a quoted field must end right before a delimiter or
 * the end of the record. A quote anywhere else is kept as it is, as real exports (and
 * csv-spectrum) expect. Same rules as RecordScanner, which has already fixed where each record
 * ends.
 *
 * Records are cut out of one decoded text (a whole batch region when it is ASCII) without
 * slicing the record first; where the next quote is stays cached across records, so text
 * without quotes is searched for quotes once, not once per record.
 */
export class CsvFieldSplitter {
  private text = '';
  private nextQuote = 0;
  private readonly delimiterCode: number;

  constructor(private readonly delimiter: string) {
    this.delimiterCode = delimiter.charCodeAt(0);
  }

  /** The records that follow are cut out of `text`, in increasing order. */
  use(text: string): void {
    this.text = text;
    this.nextQuote = -1;
  }

  /** Cells of the record text[from, to) (line ending excluded). */
  split(from: number, to: number): string[] | FieldSyntaxError {
    const text = this.text;
    if (this.nextQuote < from) {
      const found = text.indexOf('"', from);
      this.nextQuote = found === -1 ? text.length : found;
    }
    if (this.nextQuote >= to) return this.splitUnquoted(from, to);
    return this.splitQuoted(from, to);
  }

  /**
   * The cell at `index` of the record text[from, to), when the record splits into exactly `count`
   * cells without a syntax error (when split would return `count` cells); undefined otherwise. The
   * other cells are stepped over, not built: the identity pass needs one cell of every record.
   */
  cellAt(from: number, to: number, index: number, count: number): string | undefined {
    const text = this.text;
    if (this.nextQuote < from) {
      const found = text.indexOf('"', from);
      this.nextQuote = found === -1 ? text.length : found;
    }
    let cell: string | undefined;
    let field = 0;
    let i = from;
    const unquoted = this.nextQuote >= to;
    for (;;) {
      if (field === count) return undefined;
      let end: number;
      if (!unquoted && i < to && text.charCodeAt(i) === QUOTE) {
        end = this.quotedEnd(i, to);
        if (end === -1 || (end < to && text.charCodeAt(end) !== this.delimiterCode)) return undefined;
        if (field === index) cell = unescapeQuoted(text.slice(i + 1, end - 1));
      } else {
        end = text.indexOf(this.delimiter, i);
        if (end === -1 || end > to) end = to;
        if (field === index) cell = text.slice(i, end);
      }
      field++;
      if (end === to) return field === count ? cell : undefined;
      i = end + 1;
    }
  }

  /** Where the quoted field opened at text[opened] ends (just past its closing quote); -1 when it does not close before `to`. */
  private quotedEnd(opened: number, to: number): number {
    const text = this.text;
    let start = opened + 1;
    for (;;) {
      const q = text.indexOf('"', start);
      if (q === -1 || q >= to) return -1;
      if (q + 1 < to && text.charCodeAt(q + 1) === QUOTE) {
        start = q + 2;
        continue;
      }
      return q + 1;
    }
  }

  /** The common case: no quote in the record. */
  private splitUnquoted(from: number, to: number): string[] {
    const text = this.text;
    const cells: string[] = [];
    let i = from;
    for (;;) {
      let end = text.indexOf(this.delimiter, i);
      if (end === -1 || end > to) end = to;
      cells.push(text.slice(i, end));
      if (end === to) return cells;
      i = end + 1;
    }
  }

  private splitQuoted(from: number, to: number): string[] | FieldSyntaxError {
    const text = this.text;
    const cells: string[] = [];
    let i = from;
    for (;;) {
      if (i < to && text.charCodeAt(i) === QUOTE) {
        const opened = i;
        let value = '';
        let start = i + 1;
        for (;;) {
          const q = text.indexOf('"', start);
          if (q === -1 || q >= to) return { code: 'unclosed_quote', field: cells.length, at: opened };
          if (q + 1 < to && text.charCodeAt(q + 1) === QUOTE) {
            value += text.slice(start, q + 1);
            start = q + 2;
            continue;
          }
          value += text.slice(start, q);
          i = q + 1;
          break;
        }
        cells.push(value);
        if (i === to) return cells;
        if (text.charCodeAt(i) !== this.delimiterCode) return { code: 'text_after_quote', field: cells.length - 1, at: i };
        i++;
      } else {
        // A quote inside an unquoted field is a literal character (5'10", 37°36'37.8"N).
        let end = text.indexOf(this.delimiter, i);
        if (end === -1 || end > to) end = to;
        cells.push(text.slice(i, end));
        if (end === to) return cells;
        i = end + 1;
      }
    }
  }
}

function unescapeQuoted(inner: string): string {
  return inner.includes('"') ? inner.replaceAll('""', '"') : inner;
}
