import type { Cell } from '../rows';
import { PartBuilder, type Part } from './part';

/** A row's place: its builder's number times this, plus its index in that builder (a batch has far fewer rows). */
const SLOTS_PER_BUILDER = 2 ** 24;

/**
 * Groups a batch's rows by the attributes they fill, as they come: parts in order of their first
 * row, rows in file order, and of two rows with the same identity only the later one.
 *
 * Rows go straight into their part's JSON, so a batch holds no row objects until its end (less
 * for the collector to promote and mark), and consecutive rows that fill the same attributes,
 * the usual case, reuse the last part without sorting or joining attribute names.
 */
export class BatchParts {
  private readonly rank: ReadonlyMap<string, number>;
  private readonly bySignature = new Map<string, PartBuilder>();
  private readonly builders: PartBuilder[] = [];
  private readonly latest = new Map<string, number>();
  private last: PartBuilder | undefined;

  constructor(attributeOrder: readonly string[]) {
    this.rank = new Map(attributeOrder.map((name, i) => [name, i]));
  }

  /** Adds a row; true when it replaced an earlier row of the same identity. */
  add(row: number, line: number, identity: string, values: ReadonlyMap<string, Cell>): boolean {
    let builder = this.last;
    if (builder === undefined || !fillsExactly(builder.attributes, values)) builder = this.builderFor(values);
    this.last = builder;
    const cells = builder.attributes.map((attribute) => values.get(attribute) as Cell);
    const slot = builder.number * SLOTS_PER_BUILDER + builder.add(row, line, cells);
    const previous = this.latest.get(identity);
    this.latest.set(identity, slot);
    if (previous === undefined) return false;
    (this.builders[Math.floor(previous / SLOTS_PER_BUILDER)] as PartBuilder).remove(previous % SLOTS_PER_BUILDER);
    return true;
  }

  /** The parts, each ordered by its first row that is kept (parts left empty are dropped). */
  finish(): Part[] {
    const parts = this.builders.map((builder) => builder.finish()).filter((part) => part.rows.length > 0);
    return parts.sort((a, b) => (a.rows[0] as number) - (b.rows[0] as number));
  }

  private builderFor(values: ReadonlyMap<string, Cell>): PartBuilder {
    const rank = this.rank;
    const attributes = [...values.keys()].sort((a, b) => (rank.get(a) ?? Infinity) - (rank.get(b) ?? Infinity) || (a < b ? -1 : a > b ? 1 : 0));
    const signature = attributes.join('\u0000');
    let builder = this.bySignature.get(signature);
    if (builder === undefined) {
      builder = new PartBuilder(attributes, this.builders.length);
      this.builders.push(builder);
      this.bySignature.set(signature, builder);
    }
    return builder;
  }
}

/** Whether `values` fills exactly these attributes (same set; the order is the part's). */
function fillsExactly(attributes: readonly string[], values: ReadonlyMap<string, Cell>): boolean {
  if (attributes.length !== values.size) return false;
  for (const attribute of attributes) if (!values.has(attribute)) return false;
  return true;
}
