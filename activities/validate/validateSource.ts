import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inferFormat } from '../../common/importInput';
import { MappingSchema, type Mapping, type MappingInput } from '../../common/mapping';
import type { BatchPlan } from '../../common/plan';
import type { Delimiter, SourceFormat } from '../../common/source';
import { ValidationSummarySchema, type ValidationError, type ValidationSummary } from '../../common/validation';
import { AscendingRows, inspectWithIdentityIndex, supersededRowsIn, supersedingFileFor, unreadableSupersededFileFor, type IdentityIndexOptions } from '../dedupe';
import { SourceAccessError } from '../failures';
import { compileMapping } from '../rows';
import { assertSameVersion, LocalFileSource, readBatch, type ByteSource } from '../source';
import { identityNamed, withNotes } from '../reports/laterRow';
import { judgeRecord } from '../submit/buildBatch';
import { checkRejectsFile, RejectsWriter } from './rejectsWriter';

export interface ValidateOptions {
  /** From the file name when absent (.ndjson/.jsonl are NDJSON, anything else CSV). */
  format?: SourceFormat;
  /** CSV: detected from the header line when absent. */
  delimiter?: Delimiter;
  mapping?: Mapping | MappingInput;
  /** How many rejected rows to list in `firstErrors`. */
  maxErrors?: number;
  /** Also write every rejected row, with its original values, to this file. */
  rejectsFile?: string;
  /** Options of the duplicate index (tests make it spill). */
  index?: IdentityIndexOptions;
}

export const DEFAULT_MAX_ERRORS = 20;

/** Superseded rows are read from the index in windows of this many rows. */
const SUPERSEDED_WINDOW = 65_536;

/**
 * Everything an import would do to a local file except sending it: the same inspection and
 * duplicate index (inspectWithIdentityIndex), the same record reader (readBatch, over the whole
 * data range as one batch) and the same verdict per row (judgeRecord with the compiled mapping).
 * Two passes over the file; memory stays flat (one read chunk, the index's fixed buffer, counters).
 *
 * Throws what stops an import before any row: SourceFormatError (not a readable CSV/NDJSON file),
 * MappingError (the mapping does not fit the header), RejectsFileError (the rejects file cannot be
 * written, or is the source) and I/O errors (no such file).
 */
export async function validateSource(file: string, options: ValidateOptions = {}): Promise<ValidationSummary> {
  const started = performance.now();
  const format = options.format ?? inferFormat(file);
  const src = new LocalFileSource(file);
  // A pipe would read as an empty file (or block): say what it is, as the worker does.
  const info = await stat(file);
  if (!info.isFile() && !info.isDirectory()) throw new SourceAccessError(`${file} is not a regular file (a pipe, socket or device): only regular files can be validated`);
  if (options.rejectsFile !== undefined) checkRejectsFile(options.rejectsFile, file);
  const workDir = await mkdtemp(path.join(options.index?.tmpDir ?? tmpdir(), 'xp-import-validate-'));
  try {
    const supersededFile = path.join(workDir, 'superseded.bin');
    const inspection = await inspectWithIdentityIndex(src, { format, delimiter: options.delimiter, mapping: options.mapping, supersededFile, index: options.index });
    const { layout } = inspection;
    const tally = await judgeRows(src, format, inspection, supersededFile, options);
    // Rows written while the second pass read would be left out of the counts without a word.
    assertSameVersion(file, layout.fingerprint, await src.stat());
    const durationMs = performance.now() - started;
    return ValidationSummarySchema.parse({
      source: file,
      format,
      ...(layout.delimiter === undefined ? {} : { delimiter: layout.delimiter }),
      identity: tally.identity,
      rows: { total: inspection.totalRows, valid: tally.valid, rejected: tally.rejected, duplicates: tally.duplicates },
      blankLines: inspection.blankLines,
      rejectedByCode: sortedCounts(tally.rejectedByCode),
      warningsByCode: sortedCounts(tally.warningsByCode),
      attributes: tally.attributes,
      unusedMappingKeys: tally.unusedMappingKeys,
      firstErrors: tally.firstErrors,
      firstWarnings: tally.firstWarnings,
      rejectsFile: options.rejectsFile ?? null,
      durationMs,
      rowsPerSecond: durationMs > 0 ? (inspection.totalRows / durationMs) * 1000 : 0,
    });
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

interface Tally {
  identity: 'user_id' | 'device_id' | null;
  valid: number;
  rejected: number;
  duplicates: number;
  rejectedByCode: Map<string, number>;
  warningsByCode: Map<string, number>;
  attributes: Array<{ name: string; rows: number }>;
  unusedMappingKeys: string[];
  firstErrors: ValidationError[];
  firstWarnings: ValidationError[];
}

/** The second pass: every record judged as a batch would judge it. */
async function judgeRows(
  src: ByteSource,
  format: SourceFormat,
  inspection: Awaited<ReturnType<typeof inspectWithIdentityIndex>>,
  supersededFile: string,
  options: ValidateOptions,
): Promise<Tally> {
  const { layout, totalRows } = inspection;
  const mapper = compileMapping({ format, header: layout.header, delimiter: layout.delimiter, mapping: options.mapping });
  const maxErrors = options.maxErrors ?? DEFAULT_MAX_ERRORS;
  const tally: Tally = { identity: null, valid: 0, rejected: 0, duplicates: 0, rejectedByCode: new Map(), warningsByCode: new Map(), attributes: [], unusedMappingKeys: [], firstErrors: [], firstWarnings: [] };
  const filled = new Map<string, number>();
  // NDJSON: the mapped keys not yet seen in any line; each is struck off once one line holds it.
  const unseen = new Set(format === 'ndjson' ? Object.keys(MappingSchema.parse(options.mapping ?? {}).columns) : []);
  const rejects = options.rejectsFile === undefined ? undefined : await RejectsWriter.open(options.rejectsFile, format, layout);
  try {
    if (totalRows > 0) {
      // The whole data range is one batch: batches tile it, so this reads exactly what an import's batches read.
      const whole: BatchPlan = { index: 0, startByte: layout.dataStartByte, endByte: layout.fingerprint.size, firstRow: 1, firstLine: layout.dataStartLine, rowCount: totalRows };
      const superseded = new SupersededCursor(supersededFile);
      const unreadableSuperseded = new SupersededCursor(unreadableSupersededFileFor(supersededFile));
      const superseding = new SupersededCursor(supersedingFileFor(supersededFile));
      const identity = identityNamed(format, mapper);
      for await (const record of readBatch(src, { format, layout, batch: whole })) {
        for (const cursor of [superseded, unreadableSuperseded, superseding]) if (cursor.mustLoad(record.row)) await cursor.load(record.row);
        if (unseen.size > 0 && 'value' in record) for (const key of unseen) if (Object.hasOwn(record.value, key)) unseen.delete(key);
        if (superseded.has(record.row)) {
          tally.duplicates++;
          continue;
        }
        const verdict = judgeRecord(mapper, record);
        if (verdict.ok) {
          tally.valid++;
          for (const warning of verdict.warnings) {
            bump(tally.warningsByCode, warning.code);
            if (tally.firstWarnings.length < maxErrors) tally.firstWarnings.push({ row: record.row, line: record.line, column: warning.column ?? null, code: warning.code, reason: warning.reason });
          }
          for (const attribute of verdict.values.keys()) bump(filled, attribute);
          continue;
        }
        tally.rejected++;
        bump(tally.rejectedByCode, verdict.code);
        const marks = { laterRow: unreadableSuperseded.has(record.row), earlierRows: superseding.has(record.row) };
        const rejected = withNotes(verdict.rejected, identity, marks);
        const { row, line, column, reason } = rejected;
        if (tally.firstErrors.length < maxErrors) tally.firstErrors.push({ row, line, column, code: verdict.code, reason });
        await rejects?.add(rejected);
      }
    }
  } finally {
    await rejects?.close();
  }
  tally.identity = mapper.identityAttribute;
  tally.unusedMappingKeys = [...unseen];
  tally.attributes = mapper.attributes.map((name) => ({ name, rows: filled.get(name) ?? 0 }));
  return tally;
}

/** Answers "is this row superseded?" for rows asked in increasing order, reading the index a window at a time. */
class SupersededCursor {
  private rows = new AscendingRows();
  /** The window loaded covers rows up to this one. */
  private loadedTo = 0;

  constructor(private readonly file: string) {}

  /** Whether `row` is past the window loaded (kept synchronous: it is asked once per row). */
  mustLoad(row: number): boolean {
    return row > this.loadedTo;
  }

  async load(row: number): Promise<void> {
    this.rows = new AscendingRows(await supersededRowsIn(this.file, row, row + SUPERSEDED_WINDOW - 1));
    this.loadedTo = row + SUPERSEDED_WINDOW - 1;
  }

  has(row: number): boolean {
    return this.rows.has(row);
  }
}

function bump(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/** Most frequent first, then by name: the order a reader scans for what matters most. */
function sortedCounts(counts: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)));
}
