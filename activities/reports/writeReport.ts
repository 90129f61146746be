import { createWriteStream } from 'node:fs';
import { readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import { ImportReportSchema, MAX_FAILED_BATCHES_IN_RESULT, MAX_TASK_IDS_IN_RESULT, type BatchResult, type FailureSummary, type ImportReport, type ImportStatus } from '../../common/report';
import type { Delimiter, Fingerprint, SourceFormat, SourceRef } from '../../common/source';
import { describeSource } from '../../common/sourceName';
import type { ImportTotals } from '../../common/totals';
import { readRejectPart, rejectsFileLines, type RejectedRow, type RejectsFileDialect, type RejectsFileLines } from './rejectParts';
import { ReportPaths } from './reportPaths';
import { makePrivateFolder, partialFileFor, PRIVATE_FILE_MODE, writeWhole } from '../wholeFiles';
import { latestOf, readAllResults, writeResults } from './resultsStore';
import { loadRetryPlan, type RetryPlan, type RetryPlanInput } from './retryPlan';
import { removeFinishedJournals } from '../submit/submitJournal';
import { aheadInOrder } from '../aheadInOrder';


export interface WriteReportInput {
  importId: string;
  source: SourceRef;
  format: SourceFormat;
  dryRun: boolean;
  status: ImportStatus;
  totalRows: number;
  totalBatches: number;
  totals: ImportTotals;
  /** CSV header, so the rejects file can be fixed and imported again. */
  header?: string[];
  /** CSV: the source's delimiter and byte order mark, which the rejects file keeps (absent from runs of older code: a comma, no mark). */
  delimiter?: Delimiter;
  hasBom?: boolean;
  /** The source's blank lines, which are not rows; absent where the run did not know them. */
  blankLines?: number;
  fingerprint: Fingerprint | null;
  takenOver: ImportReport['takenOver'];
  /**
   * A re-run that stopped before it had a plan (its source changed, or cannot be read): report.json
   * stays the report of the run it was to continue, so the next re-run still compares the source
   * with the version the import ran on, and the earlier run's report is not lost.
   */
  keepReportFile?: boolean;
  startedAt: string;
  finishedAt: string;
  failure?: FailureSummary;
}

/** Merges the batches' reject parts into one file in row order; returns its path, or null if none. */
async function mergeRejects(paths: ReportPaths, format: SourceFormat, dialect: RejectsFileDialect): Promise<string | null> {
  let names: string[];
  try {
    names = (await readdir(paths.rejectParts)).filter((n) => n.endsWith('.part')).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const batches = [...new Set(names.map((n) => n.replace(/(-api)?\.part$/, '')))];
  const file = paths.rejects(format);
  // Put in place whole once merged, as report.json is: a failure half-way leaves the last whole one.
  const partial = partialFileFor(file);
  try {
    const count = await writeMergedRejects(partial, paths, batches, rejectsFileLines(format, dialect));
    if (count > 0) {
      await rename(partial, file);
      return file;
    }
  } finally {
    await rm(partial, { force: true });
  }
  // A header alone beside a report that names no rejects file (or one a run before left) would be taken for one.
  await rm(file, { force: true });
  return null;
}

/** Batches whose reject parts are read while the ones before are written: a batch's parts hold at most its rows. */
const PARTS_READ_AHEAD = 8;

/** Writes the batches' rejects in row order to `file`; returns how many rows it wrote. */
async function writeMergedRejects(file: string, paths: ReportPaths, batches: string[], lines: RejectsFileLines): Promise<number> {
  const out = createWriteStream(file, { mode: PRIVATE_FILE_MODE });
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  let count = 0;
  try {
    await write(lines.header);
    const partsOf = async (batch: string) => [
      ...(await readRejectPart(path.join(paths.rejectParts, `${batch}.part`))),
      ...(await readRejectPart(path.join(paths.rejectParts, `${batch}-api.part`))),
    ];
    for await (const rows of aheadInOrder(batches, PARTS_READ_AHEAD, partsOf)) {
      const byRow = new Map<number, RejectedRow>();
      for (const row of rows) if (!byRow.has(row.row)) byRow.set(row.row, row);
      for (const row of [...byRow.values()].sort((a, b) => a.row - b.row)) {
        count++;
        await write(lines.line(row));
      }
    }
    out.end();
    await once(out, 'finish');
    return count;
  } finally {
    // After a failure, the file is let go before it is removed; after the finish, this does nothing.
    // A write still under way then ends in an error of its own ("write after destroy"): the
    // failure being thrown says what went wrong, and unheard, that error would end the worker.
    if (!out.destroyed) out.on('error', () => undefined).destroy();
  }
}

/** Writes report.json and the rejects file; returns the report the workflow hands back. */
export function createReportActivities(reportDir: string) {
  return {
    async recordBatchResults(input: { importId: string; name: string; recordedAt: string; results: BatchResult[] }): Promise<void> {
      await writeResults(new ReportPaths(reportDir, input.importId).results, input.name, input.recordedAt, input.results);
    },

    async loadRetryPlan(input: RetryPlanInput): Promise<RetryPlan> {
      return loadRetryPlan(reportDir, input);
    },

    async writeReport(input: WriteReportInput): Promise<ImportReport> {
      const paths = new ReportPaths(reportDir, input.importId);
      await makePrivateFolder(paths.root);
      const kept = input.keepReportFile ? await readReportFile(paths.report) : undefined;
      // A re-run refused before its plan changed nothing: what the import has done is the kept
      // report's (so `report` still shows it); only the status and why this run stopped are new.
      if (kept) return forResult({ ...kept, status: input.status, finishedAt: input.finishedAt, ...(input.failure ? { failure: input.failure } : {}) });
      const all = await readAllResults(paths.results);
      const results = latestOf(all);
      // Every task of the import, the runs before a re-run included (a batch it redid had tasks
      // then too), as `requests` counts them; a task a re-run took over is listed once.
      const taskIds = [...new Set(all.flatMap((r) => r.taskIds))];
      const failedBatches = results
        .filter((r) => r.status !== 'succeeded')
        .map((r) => ({
          batch: r.index + 1,
          rows: `${r.firstRow}-${r.firstRow + Math.max(r.rows.total, 1) - 1}`,
          status: r.status,
          ...(r.failure ? { failure: r.failure } : {}),
        }));
      const rejectsFile = await mergeRejects(paths, input.format, { header: input.header, delimiter: input.delimiter, hasBom: input.hasBom });
      const durationMs = Math.max(Date.parse(input.finishedAt) - Date.parse(input.startedAt), 0);
      const report: ImportReport = ImportReportSchema.parse({
        importId: input.importId,
        status: input.status,
        source: describeSource(input.source),
        format: input.format,
        dryRun: input.dryRun,
        rows: { total: input.totalRows, ...input.totals.rows },
        ...(input.blankLines !== undefined ? { blankLines: input.blankLines } : {}),
        batches: { total: input.totalBatches, succeeded: input.totals.batches.succeeded, failed: input.totals.batches.failed },
        requests: input.totals.requests,
        taskIds,
        taskIdsTotal: taskIds.length,
        retries: input.totals.retries,
        possibleDuplicates: input.totals.possibleDuplicates,
        warnings: input.totals.warnings ?? 0,
        failedBatches,
        rejectsFile,
        reportFile: paths.report,
        fingerprint: input.fingerprint,
        takenOver: input.takenOver,
        startedAt: input.startedAt,
        finishedAt: input.finishedAt,
        durationMs,
        // A re-run's rate is of the rows it imported itself, in its own time.
        rowsPerSecond: durationMs > 0 ? ((input.totals.rows.imported - (input.takenOver?.rows.imported ?? 0)) / durationMs) * 1000 : 0,
        ...(input.failure ? { failure: input.failure } : {}),
      });
      if (!input.keepReportFile) await writeWhole(paths.report, `${JSON.stringify(report, null, 2)}\n`);
      await removeFinishedJournals(paths.submitJournals);
      return forResult(report);
    },
  };
}

/** The report as the workflow returns it: report.json has every task ID and failed batch, history only the first ones. */
function forResult(report: ImportReport): ImportReport {
  return { ...report, taskIds: report.taskIds.slice(0, MAX_TASK_IDS_IN_RESULT), failedBatches: report.failedBatches.slice(0, MAX_FAILED_BATCHES_IN_RESULT) };
}

/** The report.json an earlier run wrote, or undefined when there is none (or it does not parse). */
async function readReportFile(file: string): Promise<ImportReport | undefined> {
  try {
    return ImportReportSchema.parse(JSON.parse(await readFile(file, 'utf8')));
  } catch {
    return undefined;
  }
}
