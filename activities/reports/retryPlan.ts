import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { ImportReportSchema, type BatchResult } from '../../common/report';
import type { Fingerprint } from '../../common/source';
import { addRowCounts, emptyTotals, type ImportTotals } from '../../common/totals';
import { InputError } from '../failures';
import { SourceChangedError } from '../source/errors';
import { writeTakenOver, type TakenOverRequests } from './openTasks';
import { ReportPaths } from './reportPaths';
import { latestOf, readAllResults } from './resultsStore';

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
 * The requests those batches had sent (tasks left open, requests applied) are written for the
 * re-run's submits to take over.
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
  const all = await readAllResults(paths.results);
  for (const result of latestOf(all)) {
    if (result.status !== 'succeeded') continue;
    succeeded.add(result.index);
    addRowCounts(takenOver.rows, result.rows);
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
  // Counted in the runs that sent them (previous.requests): the re-run's submits do not count them again.
  await writeTakenOver(paths.openTasks, requestsSentBefore(all, succeeded));
  await clearRejectParts(paths, succeeded);
  return { redo, takenOver };
}

/**
 * The reject parts of the batches to send again go: the re-run's submits write them afresh (the
 * API may take a row it refused before), and a batch the re-run does not reach lists no rejects,
 * as its rows count as skipped. Done here, before any submit, rather than by each batch's first
 * submit attempt, which may fail before it gets that far and leave a stale part behind.
 */
async function clearRejectParts(paths: ReportPaths, succeeded: ReadonlySet<number>): Promise<void> {
  let names: string[];
  try {
    names = await readdir(paths.rejectParts);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const redone = names.filter((name) => {
    const batch = /^batch-(\d+)(-api)?\.part$/.exec(name)?.[1];
    return batch !== undefined && !succeeded.has(Number(batch) - 1);
  });
  await Promise.all(redone.map((name) => rm(path.join(paths.rejectParts, name), { force: true })));
}

/**
 * For each batch to redo, the requests the runs before sent that a re-run must not post again:
 * tasks that may still apply their rows, and requests applied. Over every run, not only the last:
 * a run that stopped before its submit took them over says nothing of them, and must not make
 * them be sent again. What a later run says of a request replaces what an earlier one did (a task
 * taken over and seen to complete is applied); an open task that has since failed is looked at,
 * seen failed, and sent again. A request whose answer was lost is sent again as a possible duplicate.
 */
function requestsSentBefore(results: BatchResult[], succeeded: ReadonlySet<number>): Map<number, TakenOverRequests> {
  type Sent = { state: 'open' | 'applied' | 'unknown'; taskId?: string };
  const byBatch = new Map<number, Map<string, Sent>>();
  for (const result of results) {
    if (succeeded.has(result.index)) continue;
    const requests = byBatch.get(result.index) ?? new Map<string, Sent>();
    for (const key of result.unknownRequests ?? []) requests.set(key, { state: 'unknown' });
    for (const task of result.openTasks ?? []) requests.set(task.key, { state: 'open', taskId: task.taskId });
    for (const request of result.appliedRequests ?? []) requests.set(request.key, { state: 'applied', ...(request.taskId ? { taskId: request.taskId } : {}) });
    if (requests.size > 0) byBatch.set(result.index, requests);
  }
  const takenOver = new Map<number, TakenOverRequests>();
  for (const [index, requests] of byBatch) {
    const sent = [...requests];
    const open = sent.flatMap(([key, r]) => (r.state === 'open' && r.taskId !== undefined ? [{ key, taskId: r.taskId }] : []));
    const applied = sent.flatMap(([key, r]) => (r.state === 'applied' ? [{ key, ...(r.taskId ? { taskId: r.taskId } : {}) }] : []));
    const unknown = sent.flatMap(([key, r]) => (r.state === 'unknown' ? [key] : []));
    takenOver.set(index, { open, applied, ...(unknown.length > 0 ? { unknown } : {}) });
  }
  return takenOver;
}
