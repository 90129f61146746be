import type { ImportJob } from '../../common/batch';
import type { BatchPlan } from '../../common/plan';
import { compileMapping, type Cell } from '../rows';
import type { RejectedRow } from '../reports/rejectParts';
import type { ByteSource } from '../source/byteSource';
import { readBatch } from '../source';

/** Rows that fill the same attributes: one or more requests. Blank cells are never sent. */
export interface Part {
  attributes: string[];
  rows: PartRow[];
}
export interface PartRow {
  row: number;
  line: number;
  cells: Cell[];
}

export interface BuiltBatch {
  parts: Part[];
  rejects: RejectedRow[];
  /** Rows left out because a later row in the file has the same identity (the last row wins). */
  superseded: number;
  warnings: number;
  total: number;
}

interface Candidate {
  row: number;
  line: number;
  identity: string;
  values: Map<string, Cell>;
}

/**
 * Reads a batch's byte range and turns its records into request parts and rejected rows. The
 * result depends only on the file and the mapping, so every attempt builds exactly the same parts.
 */
export async function buildBatch(source: ByteSource, job: ImportJob, batch: BatchPlan): Promise<BuiltBatch> {
  const mapper = compileMapping({ format: job.format, header: job.layout.header, mapping: job.mapping });
  const rejects: RejectedRow[] = [];
  const candidates: Array<Candidate | null> = [];
  const latest = new Map<string, number>();
  let superseded = 0;
  let warnings = 0;
  let total = 0;

  for await (const record of readBatch(source, { format: job.format, layout: job.layout, batch })) {
    total++;
    if ('error' in record) {
      rejects.push({ row: record.row, line: record.line, column: record.error.column ?? null, reason: record.error.reason, raw: record.raw });
      continue;
    }
    const outcome = mapper.map(record);
    if (!outcome.ok) {
      rejects.push({
        row: record.row,
        line: record.line,
        column: outcome.issue.column ?? null,
        reason: outcome.issue.reason,
        ...('cells' in record ? { cells: record.cells } : { value: record.value }),
      });
      continue;
    }
    warnings += outcome.warnings.length;
    const previous = latest.get(outcome.identity);
    if (previous !== undefined) {
      candidates[previous] = null;
      superseded++;
    }
    latest.set(outcome.identity, candidates.length);
    candidates.push({ row: record.row, line: record.line, identity: outcome.identity, values: outcome.values });
  }

  return { parts: groupByAttributes(candidates, mapper.attributes), rejects, superseded, warnings, total };
}

/** Groups rows by the attributes they fill, in order of first appearance, rows in file order. */
function groupByAttributes(candidates: Array<Candidate | null>, attributeOrder: readonly string[]): Part[] {
  const rank = new Map(attributeOrder.map((name, i) => [name, i]));
  const parts = new Map<string, Part>();
  for (const candidate of candidates) {
    if (candidate === null) continue;
    const attributes = [...candidate.values.keys()].sort((a, b) => (rank.get(a) ?? Infinity) - (rank.get(b) ?? Infinity) || (a < b ? -1 : a > b ? 1 : 0));
    const signature = attributes.join('\u0000');
    let part = parts.get(signature);
    if (part === undefined) {
      part = { attributes, rows: [] };
      parts.set(signature, part);
    }
    part.rows.push({ row: candidate.row, line: candidate.line, cells: attributes.map((a) => candidate.values.get(a) as Cell) });
  }
  return [...parts.values()];
}
