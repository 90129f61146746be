import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspectWithIdentityIndex } from '../../activities/dedupe';
import { inspectSource, LocalFileSource, planBatches, readBatch } from '../../activities/source';
import { buildBatch } from '../../activities/submit/buildBatch';
import { validateSource } from '../../activities/validate/validateSource';
import type { ImportJob } from '../../common/batch';
import { BATCHES_PER_PLAN_PAGE } from '../../common/limits';
import type { BatchPlan, PlanCursor } from '../../common/plan';
import type { BenchContext } from '../benchContext';

/** (e) The worker's local passes over the 1 M file, one after another in this process: no Temporal, no HTTP. */
export interface ParsingResult {
  rows: number;
  bytes: number;
  batchSize: number;
  /** The import's inspection activity: sha256, header checks, row count and the identity index ("last row wins"). */
  inspectMBps: number;
  /** The same pass without the identity index (inspectSource alone). */
  inspectWithoutIndexMBps: number;
  /** planBatches, page by page as the workflow asks for them. */
  planMBps: number;
  /** `xp-import validate`: inspection with the index, then every row read and judged. */
  validateRowsPerSecond: number;
  /** buildBatch over every batch: read + validate + map + group, what submitBatch does before posting. */
  buildRowsPerSecond: number;
  /** readBatch over every batch: reading and splitting records and cells alone. */
  readRowsPerSecond: number;
}

const BATCH_SIZE = 10_000;
/** importProfiles.ts sizes plan pages to about this many bytes of source (and at most BATCHES_PER_PLAN_PAGE batches). */
const BYTES_PER_PLAN_PAGE = 64 * 1024 * 1024;
const MB = 1024 * 1024;

export async function measureParsing(ctx: BenchContext): Promise<ParsingResult> {
  const file = await ctx.file(ctx.options.rows);
  const source = new LocalFileSource(file.path);
  const work = mkdtempSync(path.join(os.tmpdir(), 'xp-import-bench-parsing-'));
  ctx.log(`(e) passes over ${file.name}…`);
  try {
    const timed = async <T>(pass: () => Promise<T>): Promise<{ value: T; seconds: number }> => {
      const started = performance.now();
      const value = await pass();
      return { value, seconds: (performance.now() - started) / 1000 };
    };
    const indexed = await timed(() => inspectWithIdentityIndex(source, { format: 'csv', supersededFile: path.join(work, 'superseded.bin') }));
    const plain = await timed(() => inspectSource(source, { format: 'csv' }));
    const { layout, totalRows } = plain.value;

    const bytesPerBatch = ((layout.fingerprint.size - layout.dataStartByte) / Math.max(totalRows, 1)) * BATCH_SIZE;
    const maxBatches = Math.max(1, Math.min(BATCHES_PER_PLAN_PAGE, Math.floor(BYTES_PER_PLAN_PAGE / Math.max(bytesPerBatch, 1))));
    const planned = await timed(async () => {
      const batches: BatchPlan[] = [];
      for (let cursor: PlanCursor | null = null; ; ) {
        const page = await planBatches(source, { format: 'csv', layout, cursor, batchSize: BATCH_SIZE, maxBatches });
        batches.push(...page.batches);
        if (page.next === null) return batches;
        cursor = page.next;
      }
    });
    const batches = planned.value;

    const read = await timed(async () => {
      let n = 0;
      for (const batch of batches) for await (const _record of readBatch(source, { format: 'csv', layout, batch })) n++;
      return n;
    });
    const job: ImportJob = { importId: 'bench-parsing', source: { kind: 'file', path: file.path }, format: 'csv', layout, dryRun: true };
    const built = await timed(async () => {
      let n = 0;
      for (const batch of batches) n += (await buildBatch(source, job, batch)).total;
      return n;
    });
    const validated = await timed(() => validateSource(file.path, { format: 'csv' }));

    if (read.value !== totalRows || built.value !== totalRows || validated.value.rows.total !== totalRows) {
      throw new Error(`(e) counted ${read.value}, ${built.value} and ${validated.value.rows.total} rows; the file has ${totalRows}`);
    }
    return {
      rows: totalRows,
      bytes: file.bytes,
      batchSize: BATCH_SIZE,
      inspectMBps: file.bytes / MB / indexed.seconds,
      inspectWithoutIndexMBps: file.bytes / MB / plain.seconds,
      planMBps: file.bytes / MB / planned.seconds,
      validateRowsPerSecond: totalRows / validated.seconds,
      buildRowsPerSecond: totalRows / built.seconds,
      readRowsPerSecond: totalRows / read.seconds,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
