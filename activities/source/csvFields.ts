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
  /** The content of the quoted field readQuoted last read. */
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
   * Reads the quoted field opened at text[opened]: returns where it ends (just past its closing
   * quote) and leaves its content (`""` read as `"`) in quotedValue, or returns -1 when it does
   * not close before `to`.
   */
  private readQuoted(opened: number, to: number): number {
    const text = this.text;
    let value = '';
    let start = opened + 1;
    for (;;) {
      const q = text.indexOf('"', start);
      if (q === -1 || q >= to) return -1;
      if (q + 1 < to && text.charCodeAt(q + 1) === QUOTE) {
        value += text.slice(start, q + 1);
        start = q + 2;
        continue;
      }
      this.quotedValue = value + text.slice(start, q);
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
        const end = this.readQuoted(i, to);
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

/**
 * The cell at `index` of the CSV record bytes[from, to) (line ending excluded), decoded, when the
 * record splits into exactly `count` cells without a syntax error, as CsvFieldSplitter.split
 * would split it; undefined otherwise. The identity pass needs one cell of every record: here
 * the others are stepped over in the bytes, and only that one is decoded. A delimiter or a quote
 * is a single ASCII byte, which never occurs inside a multi-byte UTF-8 character, so the bytes
 * split exactly as the decoded text does.
 */
export function csvCellAt(bytes: Buffer, from: number, to: number, index: number, count: number, delimiter: number): string | undefined {
  return cellOf(bytes, from, to, index, count, delimiter);
}

/**
 * The cell at `index` of a CSV record that csvCellAt finds unreadable (too many or too few cells,
 * or quotes that do not pair up after that cell), when every cell up to it splits cleanly:
 * what the identity of a ragged row reads as. Undefined when the trouble comes at or before it.
 */
export function csvCellOfUnreadable(bytes: Buffer, from: number, to: number, index: number, delimiter: number): string | undefined {
  return cellOf(bytes, from, to, index, ANY_COUNT, delimiter);
}

/** As a count: the record may have any number of cells, and the cell is returned once read. */
const ANY_COUNT = -1;

function cellOf(bytes: Buffer, from: number, to: number, index: number, count: number, delimiter: number): string | undefined {
  let cell: string | undefined;
  let field = 0;
  let i = from;
  for (;;) {
    if (field === count) return undefined;
    let end = i;
    if (i < to && bytes[i] === QUOTE) {
      let close = i + 1;
      let escaped = false;
      for (;;) {
        while (close < to && bytes[close] !== QUOTE) close++;
        if (close >= to) return undefined;
        if (close + 1 < to && bytes[close + 1] === QUOTE) {
          escaped = true;
          close += 2;
          continue;
        }
        break;
      }
      end = close + 1;
      if (end < to && bytes[end] !== delimiter) return undefined;
      if (field === index) {
        cell = bytes.toString('utf8', i + 1, close);
        if (escaped) cell = cell.replaceAll('""', '"');
      }
    } else {
      while (end < to && bytes[end] !== delimiter) end++;
      if (field === index) cell = bytes.toString('utf8', i, end);
    }
    field++;
    if (count === ANY_COUNT && field > index) return cell;
    if (end === to) return field === count ? cell : undefined;
    i = end + 1;
  }
}
