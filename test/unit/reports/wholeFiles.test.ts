import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { readAllResults, writeResults } from '../../../activities/reports/resultsStore';
import { RejectPartError, writeRejectPart } from '../../../activities/reports/rejectParts';
import { ReportPaths } from '../../../activities/reports/reportPaths';
import { createReportActivities, type WriteReportInput } from '../../../activities/reports/writeReport';
import { writeWhole } from '../../../activities/wholeFiles';
import type { BatchResult } from '../../../common/report';
import { emptyTotals } from '../../../common/totals';

/**
 * A disk that fills up half-way through a write: `writeFile` to a path that `fault.hits` picks
 * really writes the first half of the data, then fails with ENOSPC, as a full report volume does.
 * Every other call goes to the real file system.
 */
const fault = vi.hoisted(() => ({ hits: undefined as ((file: string) => boolean) | undefined, tripped: [] as string[] }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const writeFile: typeof real.writeFile = async (file, data, options) => {
    const name = typeof file === 'string' ? file : file instanceof URL ? file.pathname : Buffer.isBuffer(file) ? file.toString('utf8') : '';
    if (fault.hits?.(name) && (typeof data === 'string' || data instanceof Uint8Array)) {
      fault.tripped.push(name);
      const bytes = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data);
      await real.writeFile(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
      throw Object.assign(new Error(`ENOSPC: no space left on device, write '${name}'`), { code: 'ENOSPC', errno: -28, syscall: 'write' });
    }
    return real.writeFile(file, data, options);
  };
  return { ...real, default: { ...real, writeFile }, writeFile };
});

const root = mkdtempSync(path.join(tmpdir(), 'whole-whole-files-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => {
  fault.hits = undefined;
  fault.tripped = [];
});

function result(index: number, imported: number): BatchResult {
  return {
    index,
    firstRow: index * 10 + 1,
    status: 'succeeded',
    rows: { total: 10, imported, rejected: 10 - imported, skipped: 0 },
    requests: 1,
    taskIds: [`whole-task-${index}-${imported}`],
    retries: {},
    possibleDuplicates: 0,
  };
}

function reportInput(importId: string, imported: number): WriteReportInput {
  const totals = emptyTotals();
  totals.rows.imported = imported;
  totals.rows.skipped = 100 - imported;
  totals.batches = { done: 10, succeeded: 10, failed: 0 };
  totals.requests = 10;
  return {
    importId,
    source: { kind: 'file', path: 'whole-people.csv' },
    format: 'csv',
    dryRun: false,
    status: 'completed',
    totalRows: 100,
    totalBatches: 10,
    totals,
    header: ['user_id', 'first_name'],
    fingerprint: null,
    takenOver: null,
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:01:00.000Z',
  };
}

describe('the fault itself', () => {
  // Without this, a fault that never cut a file short would make the tests below pass for nothing.
  it('leaves half a file behind a plain writeFile to the same path', async () => {
    const { writeFile } = await import('node:fs/promises');
    const file = path.join(root, 'whole-plain.json');
    await writeFile(file, JSON.stringify({ version: 1, padding: 'x'.repeat(1_000) }));
    fault.hits = (name) => name.startsWith(file);
    await expect(writeFile(file, JSON.stringify({ version: 2, padding: 'y'.repeat(1_000) }))).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(() => JSON.parse(readFileSync(file, 'utf8')) as unknown).toThrow(SyntaxError);
  });
});

describe('a results file or report.json whose write fails half-way (a full disk)', () => {
  it('writeWhole: the file keeps its previous content whole, and no partial file is left beside it', async () => {
    const dir = path.join(root, 'whole-write-whole');
    const file = path.join(dir, 'data.json');
    const before = JSON.stringify({ version: 1, padding: 'a'.repeat(5_000) });
    await writeWhole(file, before);
    fault.hits = (name) => name.startsWith(file);
    await expect(writeWhole(file, JSON.stringify({ version: 2, padding: 'b'.repeat(5_000) }))).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(fault.tripped).toHaveLength(1);
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(readdirSync(dir)).toEqual(['data.json']);
  });

  it('results: a retried flush that fails keeps the one before, a new flush that fails leaves no file, and the folder still reads', async () => {
    const dir = new ReportPaths(root, 'whole-results').results;
    await writeResults(dir, 'whole-run-1-flush-1', '2026-01-01T00:00:01.000Z', [result(0, 10), result(1, 9)]);
    await writeResults(dir, 'whole-run-1-flush-2', '2026-01-01T00:00:02.000Z', [result(2, 8)]);
    const before = await readAllResults(dir);
    expect(before.map((r) => r.index)).toEqual([0, 1, 2]);

    fault.hits = (name) => name.includes(`${path.sep}results${path.sep}`);
    // The same flush written again (an activity retry) with other content, then a new flush: both cut short.
    await expect(writeResults(dir, 'whole-run-1-flush-2', '2026-01-01T00:00:02.000Z', [result(2, 7), result(3, 10)])).rejects.toMatchObject({ code: 'ENOSPC' });
    await expect(writeResults(dir, 'whole-run-1-flush-3', '2026-01-01T00:00:03.000Z', [result(4, 10), result(5, 10)])).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(fault.tripped).toHaveLength(2);
    fault.hits = undefined;

    // A half-written file would make every later read of the folder (a re-run, the report) fail to parse.
    expect(await readAllResults(dir)).toEqual(before);
    expect(readdirSync(dir).sort()).toEqual(['whole-run-1-flush-1.json', 'whole-run-1-flush-2.json']);
  });

  it('report.json: a report written again that fails keeps the earlier report whole, and no partial file is left', async () => {
    const importId = 'whole-report';
    const reports = createReportActivities(root);
    const paths = new ReportPaths(root, importId);
    const first = await reports.writeReport(reportInput(importId, 100));
    const written = readFileSync(paths.report, 'utf8');
    expect(JSON.parse(written)).toMatchObject({ importId, rows: { imported: 100 } });
    expect(first.rows.imported).toBe(100);
    const filesBefore = readdirSync(paths.root).sort();

    fault.hits = (name) => name.startsWith(paths.report);
    await expect(reports.writeReport({ ...reportInput(importId, 40), status: 'completed_with_rejections' })).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(fault.tripped).toHaveLength(1);
    fault.hits = undefined;

    expect(await readFile(paths.report, 'utf8')).toBe(written);
    expect(readdirSync(paths.root).sort()).toEqual(filesBefore);
  });
});

describe('the rejects file, merged from the batches\' parts', () => {
  it('a merge that fails half-way (a part it cannot read) keeps the earlier rejects file whole, and no partial file is left', async () => {
    const importId = 'whole-rejects';
    const reports = createReportActivities(root);
    const paths = new ReportPaths(root, importId);
    const rows = (first: number) => Array.from({ length: 50 }, (_, i) => ({ row: first + i, line: first + i + 1, column: 'email', reason: 'not an email', cells: [`u${first + i}`, 'not-an-email'] }));
    await writeRejectPart(paths.validationRejects(0), rows(1));
    const first = await reports.writeReport(reportInput(importId, 50));
    expect(first.rejectsFile).toBe(paths.rejects('csv'));
    const written = readFileSync(paths.rejects('csv'), 'utf8');
    expect(written.split('\r\n').filter((l) => l !== '')).toHaveLength(51);
    const filesBefore = readdirSync(paths.root).sort();

    // A second batch's part, then a third whose last line was torn: the merge writes batch 2 and stops at 3.
    await writeRejectPart(paths.validationRejects(1), rows(101));
    await writeRejectPart(paths.validationRejects(2), rows(201));
    appendFileSync(paths.validationRejects(2), '{"row": 251, "cut short\n');
    await expect(reports.writeReport(reportInput(importId, 0))).rejects.toThrow(RejectPartError);

    expect(readFileSync(paths.rejects('csv'), 'utf8')).toBe(written);
    expect(readdirSync(paths.root).sort()).toEqual(filesBefore);
  });
});

describe('two writes of one file at once in one process (an attempt that timed out, and its retry)', () => {
  it('both finish, and the file is one of them whole', async () => {
    const file = path.join(root, 'whole-twice', 'results.json');
    const versions = ['a', 'b'].map((v) => JSON.stringify({ version: v, rows: Array.from({ length: 100_000 }, (_, i) => `whole-row-${v}-${i}`) }));
    for (let round = 0; round < 5; round++) {
      await Promise.all(versions.map((version) => writeWhole(file, version)));
      expect(versions).toContain(readFileSync(file, 'utf8'));
      expect(readdirSync(path.dirname(file))).toEqual(['results.json']);
    }
  });
});

describe('a reader of report.json while it is written again and again', () => {
  it('reads one whole version or another, never a file cut short', async () => {
    const file = path.join(root, 'whole-readers', 'report.json');
    // Large enough that one write takes many chunks, so the reader's reads fall inside writes.
    const versions = Array.from({ length: 6 }, (_, v) => JSON.stringify({ version: v, rows: Array.from({ length: 120_000 }, (_, i) => `whole-row-${v}-${i}`) }));
    await writeWhole(file, versions[0] as string);
    let writing = true;
    const seen: Array<number | 'partial'> = [];
    const reader = (async () => {
      while (writing) {
        const text = await readFile(file, 'utf8');
        try {
          seen.push((JSON.parse(text) as { version: number }).version);
        } catch {
          seen.push('partial');
        }
      }
    })();
    for (let round = 0; round < 4; round++) for (const version of versions.slice(1)) await writeWhole(file, version);
    writing = false;
    await reader;
    // Reads fell between writes (how many depends on the machine's load: only that there were some is asked).
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.filter((v) => v === 'partial')).toEqual([]);
    expect(readFileSync(file, 'utf8')).toBe(versions[5]);
  });
});
