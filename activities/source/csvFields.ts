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
  /** The content of the quoted field readQuoted last kept. */
  private quotedValue = '';
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
    return this.hasQuote(from, to) ? this.splitQuoted(from, to) : this.splitUnquoted(from, to);
  }

  /** Whether text[from, to) holds a quote; the next quote's offset is remembered for the records after. */
  private hasQuote(from: number, to: number): boolean {
    if (this.nextQuote < from) {
      const found = this.text.indexOf('"', from);
      this.nextQuote = found === -1 ? this.text.length : found;
    }
    return this.nextQuote < to;
  }

  /**
   * The cell at `index` of the record text[from, to), when the record splits into exactly `count`
   * cells without a syntax error (when split would return `count` cells); undefined otherwise. The
   * other cells are stepped over, not built: the identity pass needs one cell of every record.
   */
  cellAt(from: number, to: number, index: number, count: number): string | undefined {
    const text = this.text;
    const unquoted = !this.hasQuote(from, to);
    let cell: string | undefined;
    let field = 0;
    let i = from;
    for (;;) {
      if (field === count) return undefined;
      let end: number;
      if (!unquoted && i < to && text.charCodeAt(i) === QUOTE) {
        end = this.readQuoted(i, to, field === index);
        if (end === -1 || (end < to && text.charCodeAt(end) !== this.delimiterCode)) return undefined;
        if (field === index) cell = this.quotedValue;
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

  /**
   * Reads the quoted field opened at text[opened]: returns where it ends (just past its closing
   * quote), or -1 when it does not close before `to`. With `keep`, its content (`""` read as `"`)
   * is left in quotedValue; without, nothing is built. One pass either way.
   */
  private readQuoted(opened: number, to: number, keep: boolean): number {
    const text = this.text;
    let value = '';
    let start = opened + 1;
    for (;;) {
      const q = text.indexOf('"', start);
      if (q === -1 || q >= to) return -1;
      if (q + 1 < to && text.charCodeAt(q + 1) === QUOTE) {
        if (keep) value += text.slice(start, q + 1);
        start = q + 2;
        continue;
      }
      if (keep) this.quotedValue = value + text.slice(start, q);
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
        const end = this.readQuoted(i, to, true);
        if (end === -1) return { code: 'unclosed_quote', field: cells.length, at: i };
        cells.push(this.quotedValue);
        i = end;
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
