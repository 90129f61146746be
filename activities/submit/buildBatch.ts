import type { ImportJob } from '../../common/batch';
import type { BatchPlan } from '../../common/plan';
import { compileMapping, type Cell, type RowIssue, type RowMapper } from '../rows';
import type { RejectedRow } from '../reports/rejectParts';
import type { ByteSource } from '../source/byteSource';
import type { BlockDigestSlice, BlockReading } from '../source/blockDigests';
import { readBatch, type SourceRecord } from '../source';
import { AscendingRows } from '../dedupe/supersededRows';
import { identityNamed, withNotes } from '../reports/laterRow';
import { BatchParts } from './batchParts';
import type { Part } from './part';

const YIELD_EVERY_RECORDS = 1_000;

export interface BuiltBatch {
  parts: Part[];
  rejects: RejectedRow[];
  /** Rows left out because a later row in the file (in this batch or another) has the same identity. */
  superseded: number;
  warnings: number;
  total: number;
}

/** What the validation makes of one record: what to send, or why it is rejected. */
export type RecordVerdict =
  | { ok: true; identity: string; values: Map<string, Cell>; warnings: RowIssue[] }
  | { ok: false; code: string; rejected: RejectedRow };

/**
 * Validates and maps one record: the one place that decides, for imports (buildBatch) and for
 * `xp-import validate` alike. A record that could not be parsed is rejected with its RecordError.
 */
export function judgeRecord(mapper: RowMapper, record: SourceRecord): RecordVerdict {
  if ('error' in record) {
    const original = record.splitCells ? { cells: record.splitCells } : { raw: record.raw };
    return { ok: false, code: record.error.code, rejected: { row: record.row, line: record.line, column: record.error.column ?? null, reason: record.error.reason, ...original } };
  }
  const outcome = mapper.map(record);
  if (outcome.ok) return outcome;
  const rejected: RejectedRow = {
    row: record.row,
    line: record.line,
    column: outcome.issue.column ?? null,
    reason: outcome.issue.reason,
    ...('cells' in record ? { cells: record.cells } : { value: record.value }),
  };
  return { ok: false, code: outcome.issue.code, rejected };
}

/** What the import's identity index says of a batch's rows (each list ascending). */
export interface SupersededInBatch {
  /** Rows a later row of the file supersedes. */
  superseded: ArrayLike<number>;
  /** Rows that could not be read as cells, whose identity as read a later readable row has. */
  unreadableSuperseded: ArrayLike<number>;
  /** Rows for which earlier rows of their identity were left out. */
  superseding: ArrayLike<number>;
}

const NONE_SUPERSEDED: SupersededInBatch = { superseded: [], unreadableSuperseded: [], superseding: [] };

/**
 * Reads a batch's byte range and turns its records into request parts and rejected rows. Rows
 * superseded (from the import's identity index) are left out unvalidated: a later row of the file
 * has their identity, so sending them could only let an older value win. The result depends only
 * on the file and the mapping, so every attempt builds exactly the same parts.
 */
export async function buildBatch(
  source: ByteSource,
  job: ImportJob,
  batch: BatchPlan,
  inspected: SupersededInBatch = NONE_SUPERSEDED,
  digests?: BlockDigestSlice | BlockReading,
): Promise<BuiltBatch> {
  const mapper = compileMapping({ format: job.format, header: job.layout.header, delimiter: job.layout.delimiter, mapping: job.mapping });
  const rejects: RejectedRow[] = [];
  const parts = new BatchParts(mapper.attributes);
  let superseded = 0;
  let warnings = 0;
  let total = 0;
  // Records come in row order, as do both lists: a cursor walks each.
  const supersededRows = new AscendingRows(inspected.superseded);
  const unreadableSuperseded = new AscendingRows(inspected.unreadableSuperseded);
  const superseding = new AscendingRows(inspected.superseding);
  const identity = identityNamed(job.format, mapper);

  for await (const record of readBatch(source, { format: job.format, layout: job.layout, batch, ...(digests ? { digests } : {}) })) {
    // Mapping is CPU work: hand the event loop back now and then, so heartbeats, Temporal's polls
    // and other batches' HTTP answers are not held up for the whole batch.
    if (++total % YIELD_EVERY_RECORDS === 0) await new Promise((resolve) => setImmediate(resolve));
    if (supersededRows.has(record.row)) {
      superseded++;
      continue;
    }
    const outcome = judgeRecord(mapper, record);
    if (!outcome.ok) {
      const marks = { laterRow: unreadableSuperseded.has(record.row), earlierRows: superseding.has(record.row) };
      rejects.push(withNotes(outcome.rejected, identity, marks));
      continue;
    }
    warnings += outcome.warnings.length;
    // The index covers duplicates inside the batch too; this keeps the last row should it ever miss one.
    if (parts.add(record.row, record.line, outcome.identity, outcome.values)) superseded++;
  }

  return { parts: parts.finish(), rejects, superseded, warnings, total };
}
