import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import type { ActivityDeps } from '../../../activities/deps';
import { ReportPaths } from '../../../activities/reports/reportPaths';
import { inspectSource, LocalFileSource } from '../../../activities/source';
import { BatchStarts, planFromBatchStarts, writeBatchStarts } from '../../../activities/source/batchStarts';
import { createSourceActivities, type InspectSourceInput, type InspectSourceResult, type PlanBatchesInput } from '../../../activities/sourceActivities';
import { PreparedBatches } from '../../../activities/submit/preparedBatches';
import type { XtremepushClient } from '../../../activities/xtremepush/client';
import type { BatchPlan, PlanCursor, PlanPage, SourceLayout } from '../../../common/plan';
import type { SourceFormat } from '../../../common/source';
import { tempFolder } from '../dedupe/support';
import { planAll, writeTemp } from './support';

/** Files whose records and lines part ways: quoted newlines, blank lines, a BOM, CRLF, no final line ending. */
const FILES: Array<{ name: string; format: SourceFormat; content: string }> = [
  { name: 'plain.csv', format: 'csv', content: `id,name\n${Array.from({ length: 23 }, (_, i) => `u${i},n${i}`).join('\n')}\n` },
  { name: 'awkward.csv', format: 'csv', content: `\uFEFFid,note\r\nu1,"two\r\nlines"\r\n\r\nu2,x\r\n\r\n\r\nu3,"a ""b""\nc\nd"\r\nu4,y\r\nu5,z\r\nu6,"\n"\r\nu7,last` },
  { name: 'trailing.csv', format: 'csv', content: `id\nu1\nu2\nu3\nu4\nu5\n\n\n` },
  { name: 'lines.ndjson', format: 'ndjson', content: `{"user_id":"u1"}\n\n{"user_id":"u2"}\n{"user_id":"u3"}\n\n\n{"user_id":"u4"}\n{"user_id":"u5"}\n` },
];

async function startsOf(file: string, format: SourceFormat, batchSize: number): Promise<{ layout: SourceLayout; starts: string }> {
  const starts = new BatchStarts(batchSize);
  const inspection = await inspectSource(new LocalFileSource(file), { format, batchStarts: starts });
  const out = `${file}.starts-${batchSize}.bin`;
  await writeBatchStarts(out, starts, inspection.totalRows);
  return { layout: inspection.layout, starts: out };
}

/** Every page from the starts file, following the cursors, as planAll follows them scanning. */
async function pagesFromStarts(file: string, layout: SourceLayout, batchSize: number, maxBatches: number): Promise<BatchPlan[][]> {
  const pages: BatchPlan[][] = [];
  let cursor: PlanCursor | null = null;
  do {
    const page = await planFromBatchStarts(file, { layout, cursor, batchSize, maxBatches });
    if (page === undefined) throw new Error('no page from the starts file');
    pages.push(page.batches);
    cursor = page.next;
  } while (cursor !== null);
  return pages;
}

describe('plan pages read from the batch starts the inspection noted', () => {
  it('are exactly the pages a scan of the source plans, page by page, whatever the batch and page sizes', async () => {
    for (const { name, format, content } of FILES) {
      const file = writeTemp(name, content);
      for (const batchSize of [1, 2, 3, 7, 1_000]) {
        const { layout, starts } = await startsOf(file, format, batchSize);
        for (const maxBatches of [1, 2, 5, 500]) {
          const scanned = await planAll(new LocalFileSource(file), format, layout, batchSize, maxBatches);
          expect(await pagesFromStarts(starts, layout, batchSize, maxBatches), `${name}, batch ${batchSize}, page ${maxBatches}`).toEqual(scanned.pages);
        }
      }
    }
  });

  it('give way to a scan when the file is missing, cut short, or the cursor is not at a batch start', async () => {
    const file = writeTemp('cursor.csv', FILES[0]?.content ?? '');
    const { layout, starts } = await startsOf(file, 'csv', 5);
    const options = { layout, batchSize: 5, maxBatches: 2 };
    const second = (await planFromBatchStarts(starts, { ...options, cursor: null }))?.next;
    expect(second).toMatchObject({ row: 11, nextBatchIndex: 2 });
    const cursor = second as PlanCursor;
    expect(await planFromBatchStarts(`${starts}.missing`, { ...options, cursor })).toBeUndefined();
    expect(await planFromBatchStarts(starts, { ...options, cursor: { ...cursor, byte: cursor.byte + 1 } })).toBeUndefined();
    expect(await planFromBatchStarts(starts, { ...options, cursor: { ...cursor, row: cursor.row + 1 } })).toBeUndefined();
    const cut = `${starts}.cut`;
    writeFileSync(cut, readFileSync(starts).subarray(0, 8 + 16 * 3));
    expect(await planFromBatchStarts(cut, { ...options, cursor })).toBeUndefined();
  });

  it('are not kept past the most batches a file holds: pages are scanned then', () => {
    const starts = new BatchStarts(1);
    for (let record = 0; record <= BatchStarts.MAX_BATCHES; record++) starts.note(record, record * 10, record + 2);
    expect(starts.bytes(BatchStarts.MAX_BATCHES + 1)).toBeUndefined();
    const kept = new BatchStarts(1);
    for (let record = 0; record < 3; record++) kept.note(record, record * 10, record + 2);
    expect(kept.bytes(3)?.length).toBe(8 * 7);
  });
});

describe('the planBatches activity', () => {
  it('reads its pages from the starts its import inspection wrote, and they are the scanned pages', async () => {
    const root = tempFolder();
    const dataDir = path.join(root, 'data');
    const reportDir = path.join(root, 'reports');
    mkdirSync(dataDir, { recursive: true });
    const content = `user_id,first_name\n${Array.from({ length: 30 }, (_, i) => `u${i},n${i}`).join('\n')}\n`;
    const file = path.join(dataDir, 'profiles.csv');
    writeFileSync(file, content);
    const deps: ActivityDeps = { dataDir, reportDir, buildThreads: 0, xtremepush: {} as XtremepushClient };
    const activities = createSourceActivities(deps, new PreparedBatches({ build: () => Promise.reject(new Error('no builds here')) }));
    const source = { kind: 'file' as const, path: 'profiles.csv' };
    const plan = (input: PlanBatchesInput): Promise<PlanPage> => new MockActivityEnvironment().run(() => activities.planBatches(input));
    const inspect = (input: InspectSourceInput): Promise<InspectSourceResult> => new MockActivityEnvironment().run(() => activities.inspectSource(input));
    const inspected = await inspect({ importId: 'starts-test', source, format: 'csv', firstWindow: { batchSize: 4, batches: 1, dryRun: true } });
    const paths = new ReportPaths(reportDir, 'starts-test');
    const input = { source, format: 'csv' as const, layout: inspected.layout, cursor: null, batchSize: 4, maxBatches: 3 };
    const scanned = await plan(input);
    const startsFile = paths.batchStarts(4, inspected.layout.fingerprint.sha256);
    expect(existsSync(startsFile)).toBe(true);
    expect(await plan({ ...input, importId: 'starts-test' })).toEqual(scanned);
    // Starts that say other lines past the first batch: the page says them too, so it came from the file.
    const said = scanned.batches.map((b) => (b.index === 0 ? b.firstLine : b.firstLine + 100));
    writeFileSync(startsFile, Buffer.concat([f64(30), ...scanned.batches.flatMap((b, i) => [f64(b.startByte), f64(said[i] as number)]), f64(999), f64(999)]));
    const fromStarts = await plan({ ...input, importId: 'starts-test' });
    expect(fromStarts.batches.map((b) => b.firstLine)).toEqual(said);
    expect(fromStarts.next).toMatchObject({ byte: 999, line: 999, row: 13, nextBatchIndex: 3 });
  });
});

function f64(value: number): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeDoubleLE(value);
  return bytes;
}
