import { readFile } from 'node:fs/promises';
import { ImportReportSchema, type BatchResult } from '../../common/report';
import type { Fingerprint } from '../../common/source';
import { emptyTotals, type ImportTotals } from '../../common/totals';
import { InputError } from '../failures';
import { SourceChangedError } from '../source/errors';
import { writeOpenTasks } from './openTasks';
import { ReportPaths } from './reportPaths';
import { readLatestResults } from './resultsStore';

export interface RetryPlanInput {
  importId: string;
  fingerprint: Fingerprint;
  totalBatches: number;
}

export interface RetryPlan {
  /** Batch indexes to send again, as [first, last] ranges (compact even when thousands never started). */
  redo: Array<[number, number]>;
  /** The counts of the batches that succeeded before, and all the earlier runs sent; the re-run starts from them. */
  takenOver: ImportTotals;
}

/**
 * What a re-run must do: every batch that did not succeed in the runs before (failed, abandoned,
 * cancelled, or never started), read from the results the earlier runs wrote to the report folder.
 * The tasks abandoned batches left open are written for the re-run's submits to take over.
 */
export async function loadRetryPlan(reportDir: string, input: RetryPlanInput): Promise<RetryPlan> {
  const paths = new ReportPaths(reportDir, input.importId);
  let previous;
  try {
    previous = ImportReportSchema.parse(JSON.parse(await readFile(paths.report, 'utf8')));
  } catch {
    throw new InputError(`import ${input.importId} has no readable report in ${paths.root}; a re-run needs the report folder of the first run`);
  }
  const before = previous.fingerprint;
  if (before && (before.size !== input.fingerprint.size || before.version !== input.fingerprint.version || (before.sha256 && before.sha256 !== input.fingerprint.sha256))) {
    throw new SourceChangedError(previous.source, 'it is not the version the import ran on');
  }

  // What the earlier runs sent stays sent: their requests, retries and possible duplicates count
  // in the re-run's report, which would otherwise describe only its own batches.
  const takenOver: ImportTotals = { ...emptyTotals(), requests: previous.requests, retries: { ...previous.retries }, possibleDuplicates: previous.possibleDuplicates };
  const succeeded = new Set<number>();
  const openTasks = new Map<number, NonNullable<BatchResult['openTasks']>>();
  for (const result of await readLatestResults(paths.results)) {
    if (result.status !== 'succeeded') {
      if (result.openTasks) openTasks.set(result.index, result.openTasks);
      continue;
    }
    succeeded.add(result.index);
    takenOver.rows.imported += result.rows.imported;
    takenOver.rows.rejected += result.rows.rejected;
    takenOver.rows.skipped += result.rows.skipped;
    takenOver.batches.done += 1;
    takenOver.batches.succeeded += 1;
    takenOver.warnings = (takenOver.warnings ?? 0) + (result.warnings ?? 0);
  }
  const redo: Array<[number, number]> = [];
  for (let index = 0; index < input.totalBatches; index++) {
    if (succeeded.has(index)) continue;
    const last = redo.at(-1);
    if (last && last[1] === index - 1) last[1] = index;
    else redo.push([index, index]);
  }
  await writeOpenTasks(paths.openTasks, openTasks);
  // The re-run's submits count the requests they take over among their own.
  for (const tasks of openTasks.values()) takenOver.requests -= tasks.length;
  return { redo, takenOver };
}
