import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  log,
  patched,
  setCurrentDetails,
  setHandler,
  startChild,
  TemporalFailure,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { BatchSettings, BatchWorkflowInput, ImportJob, SubmitBatchResult } from '../common/batch';
import { batchWorkflowId, CANCELLED_FAILURE_CODE, DEFAULT_STUCK_LOOK_EVERY_MS, IMPORT_ID_MAX_LENGTH, IMPORT_ID_PATTERN, IMPORT_ID_RULE } from '../common/batchIds';
import type { ImportWorkflowInput } from '../common/importInput';
import { BATCHES_PER_PLAN_PAGE, DEFAULT_STUCK_AFTER_MS, MAX_CONCURRENCY } from '../common/limits';
import { firstPollAfterMs, lookSchedule, MAX_FIRST_POLL_DELAY_MS, rememberTaskWait, type LookSchedule } from '../common/firstPoll';
import { batchStuckSignal, cancelModeSignal, handOverSignal, pauseUpdate, progressQuery, resumeUpdate, setConcurrencyUpdate, stopSendingSignal, type CancelMode } from '../common/messages';
import type { BatchPlan, PlanCursor, PlanPage, SourceLayout } from '../common/plan';
import { formatProgressLine } from '../common/progressLine';
import type { BatchResult, FailureSummary, ImportReport, ImportStatus } from '../common/report';
import { ImportSourceKey, ImportStatusKey, RowsImportedKey, RowsRejectedKey, type ImportStatusValue } from '../common/searchAttributes';
import { sourceAttribute } from '../common/sourceName';
import { reportActivities, sourceActivities, submitActivities } from './activityOptions';
import { abandonedAfterSubmit, abandonedBetweenAttempts, batchLabel, FAILED_SUBMIT_KEEPS_WHAT_IT_DID, logBatchFinished, stoppedSubmit, settledBySubmit, submitInputFor } from './batchResult';
import { describeFailure, endedByCancel, fatalFailureOf, isFatal } from './failures';
import { BATCH_WORKFLOWS_OUTLIVE_A_RUN, HandedOverBatches, type BatchEnd } from './handOver';
import { importBatchWorkflow, INVALID_IMPORT_INPUT } from './importBatch';
import { CANCEL_STOPS_SENDING, cancelledWhilePosting, SendingStops, stoppedBetweenAttempts } from './stopSending';
import { addBatchResult, computeProgress, emptyTotals, finalStatus, rememberDone, rowsDone, type DonePoint, type ImportTotals } from '../common/totals';

/** What one run hands to the next at continue-as-new: a cursor and counters, never rows or row lists. */
export interface CarriedState {
  layout: SourceLayout;
  totalRows: number;
  /** Where the first batch not yet started begins; null when every batch has been started. */
  cursor: PlanCursor | null;
  totals: ImportTotals;
  startedAt: string;
  paused: boolean;
  concurrency: number;
  cancelMode: CancelMode;
  /** A re-run: the batches to send (as ranges) and what it kept from the run before. */
  retry: { redo: Array<[number, number]>; takenOver: TakenOver } | null;
  /**
   * How long the last tasks took (RECENT_TASK_WAITS numbers at most), so the next run's first
   * window looks at its tasks when they are due instead of at once. Absent in runs carried over
   * by older code.
   */
  recentTaskWaits?: number[];
  /** False when the import's workers do not watch the tasks their submits post (absent: they do). */
  submitWatches?: boolean;
  /** Batch workflows still running as the run handed on: they report their end to the next (handOver.ts). */
  handedOver?: BatchPlan[];
  /** Those of them waiting for an operator. */
  stuck?: number[];
  /** Where the progress rate is measured from (one point, or none); absent in runs carried over by older code. */
  ratePoints?: DonePoint[];
  /** The source's blank lines, for the report; absent in runs carried over by older code. */
  blankLines?: number;
}

type TakenOver = NonNullable<ImportReport['takenOver']>;

const DEFAULTS = {
  maxBatchesPerRun: 1_000,
  stuckAfterMs: DEFAULT_STUCK_AFTER_MS,
  stuckLookEveryMs: DEFAULT_STUCK_LOOK_EVERY_MS,
  maxTaskResubmits: 3,
  maxSubmitAttempts: 25,
  maxSourceAttempts: 10,
  /** Batch results are written to the report folder in groups of this many. */
  resultsPerFlush: 100,
  /** Search attributes are refreshed every this many batches (each upsert is a history event). */
  batchesPerSearchAttributeUpdate: 10,
  /** A plan page scans at most about this many bytes, so a page is quick even with huge batches. */
  bytesPerPlanPage: 64 * 1024 * 1024,
};

/** patched() id: the access check runs beside the inspection instead of after it. */
const ACCESS_CHECK_BESIDE_INSPECTION = 'access-check-beside-inspection';
/**
 * patched() id: the inspection is told the first window (batch size, concurrency), so that the
 * worker builds those batches while it still reads the file. Their submits, which found nothing
 * built, built eight batches two at a time after it (bench (b): the fourth POST 0.9 s later).
 */
const FIRST_WINDOW_BUILT_DURING_INSPECTION = 'first-window-built-during-inspection';
/** The first plan page holds this many windows of batches (at most a whole page). */
const FIRST_PAGE_WINDOWS = 2;
/**
 * patched() id: the inspection also plans the first page (EARLY_PAGE_WINDOWS windows, at most
 * `bytesPerPlanPage` past the first), so the first window starts without a planning step, and the
 * next page is asked for only once the first window's places start to free, not while its eight
 * batches are being posted. bench (b): the first page took 160 ms after the inspection, and the
 * second page's scan (a second of the worker's main thread) slowed the first window's posts.
 */
const FIRST_PAGE_PLANNED_DURING_INSPECTION = 'first-page-planned-during-inspection';
const EARLY_PAGE_WINDOWS = 3;
/**
 * patched() id: the next plan page is asked for while two windows of batches are left, not one, and
 * joins the queue as soon as it comes. A batch started near a page's end then still names the batch
 * `concurrency` places on for its worker to build ahead (bench (b): 16 of 100 batches waited about
 * 300 ms for rows built on the spot).
 */
const PLAN_PAGES_A_WINDOW_EARLIER = 'plan-pages-a-window-earlier';

/**
 * patched() id: a batch starts as the import's own submit activity, and becomes a batch workflow
 * only when its tasks outlast the submit's watch. A batch whose submit sees its tasks end costs the
 * import one workflow step instead of four (the child's start, its two steps, its end).
 */
const BATCHES_SUBMITTED_BY_THE_IMPORT = 'batches-submitted-by-the-import';
/**
 * A batch that goes on as a batch workflow after its submit costs the import about twice what a
 * batch workflow from the start does: when this many of the last SUBMITS_JUDGED submits that had a
 * hint did (task times too uneven for the hint), the run's later batches start as batch workflows.
 */
const SUBMITS_JUDGED = 10;
/**
 * patched() id: a step that ran out of attempts (a source that cannot be reached, a report that
 * cannot be written) ends the import as failed with a report, as a fatal error does. Before, the
 * workflow failed without one, and its search attribute still said Running.
 */
const REPORT_WHEN_A_STEP_GIVES_UP = 'report-when-a-step-gives-up';
/**
 * patched() id: a cancel that comes as the import ends (after its last batch, or between two runs)
 * still leaves a report. Before, the workflow ended cancelled without one, its ImportStatus Running.
 */
const CANCEL_AT_THE_END_STILL_REPORTS = 'cancel-at-the-end-still-reports';
/** patched() id: `cancel --abandon` after a plain cancel abandons the batches the first one waits for. */
const ABANDON_AFTER_CANCEL = 'abandon-after-cancel';
/**
 * patched() id: RowsImported and RowsRejected are set as a run hands on to the next and once a
 * re-run has taken over the rows of the runs before. Before, each run counted its own batches
 * towards the next update, so runs shorter than that never showed any rows imported.
 */
const COUNTS_SHOWN_AS_RUNS_HAND_ON = 'counts-shown-as-runs-hand-on';
/** patched() id: the point the progress rate is measured from goes on to the next run (before, each run began at the whole import's average). */
const RATE_POINT_HANDED_ON = 'rate-point-handed-on';
/** patched() id: the source's blank lines go on at continue-as-new, for the report. */
const BLANK_LINES_HANDED_ON = 'blank-lines-handed-on';
/** patched() id: the workflow refuses an ID longer than IMPORT_ID_MAX_LENGTH, as the client does (before, its report could not be written). */
const IMPORT_ID_LENGTH_CHECKED = 'import-id-length-checked';
/** patched() id: an input whose importId is not the workflow ID is refused (refuseForeignImportId). */
const IMPORT_ID_IS_WORKFLOW_ID = 'import-id-is-workflow-id';
const MAX_SUBMITS_HANDED_ON = 3;
/**
 * patched() id: a batch's looks around the hint are as far apart as this import's tasks are uneven
 * (lookSchedule), down to 20 ms, instead of always 100 ms, and what is remembered of its wait is
 * where its task probably ended (rememberTaskWait with its looks). Bench (b): tasks of exactly 2 s
 * were seen ~70 ms after their end, every batch.
 */
const LOOKS_AS_FINE_AS_TASKS_ARE_EVEN = 'looks-as-fine-as-tasks-are-even';
/**
 * patched() id: an import paused once its last batch has started ends when that batch ends. Before,
 * it stayed paused with every row done, no report written, until someone resumed or cancelled it.
 */
const PAUSED_WITH_NOTHING_LEFT_ENDS = 'paused-with-nothing-left-ends';

/**
 * An import of one source: inspect it, plan batches page by page, keep a sliding window of batch
 * workflows, and write the report. Long imports continue as new with a cursor and counters.
 */
export async function importProfilesWorkflow(input: ImportWorkflowInput, carried?: CarriedState): Promise<ImportReport> {
  const { importId } = input;
  // Its report folder is named after it: an ID from a start that bypassed the client must not lead out of XP_IMPORT_REPORT_DIR.
  // Only for an ID the old check let through is the patch asked, so that no other history changes.
  const refused = !IMPORT_ID_PATTERN.test(importId) || (importId.length > IMPORT_ID_MAX_LENGTH && patched(IMPORT_ID_LENGTH_CHECKED));
  if (refused) {
    const message = `the import ID is not valid: ${IMPORT_ID_RULE}, at most ${IMPORT_ID_MAX_LENGTH} characters`;
    throw ApplicationFailure.create({ type: 'InvalidInputError', message, nonRetryable: true });
  }
  // Right after the ID's own check (whose message a foreign ID that is also malformed keeps), before any step.
  refuseForeignImportId(importId);
  const tuning = { ...DEFAULTS, ...input.tuning };
  const settings: BatchSettings = {
    stuckAfterMs: tuning.stuckAfterMs,
    stuckLookEveryMs: tuning.stuckLookEveryMs,
    maxTaskResubmits: tuning.maxTaskResubmits,
    maxSubmitAttempts: tuning.maxSubmitAttempts,
  };
  const { inspectSource, planBatches, checkXtremepushAccess } = sourceActivities(tuning.maxSourceAttempts);
  const { recordBatchResults, writeReport, loadRetryPlan } = reportActivities;
  // A cancelled batch waits for its submit to say what it posted (see submitActivities).
  const { submitBatch } = submitActivities(settings.maxSubmitAttempts, true);

  const totals = carried?.totals ?? emptyTotals();
  const startedAt = carried?.startedAt ?? new Date(workflowInfo().startTime).toISOString();
  let layout = carried?.layout;
  let totalRows: number | null = carried?.totalRows ?? null;
  let blankLines = carried?.blankLines;
  let concurrency = carried?.concurrency ?? input.concurrency;
  let paused = carried?.paused ?? false;
  let cancelMode: CancelMode = carried?.cancelMode ?? 'finish-in-flight';
  let retry = carried?.retry ?? null;
  let cancelling = false;
  let finishing = false;
  const inFlight = new Map<number, BatchPlan>();
  const handedOver = new HandedOverBatches(importId, inFlight);
  const stuck = new Set<number>(carried?.stuck ?? []);
  let unflushed: BatchResult[] = [];
  // How long this import's recent tasks took, over its runs: a new batch first looks at its task about then (common/firstPoll.ts).
  const recentTaskWaits: number[] = [...(carried?.recentTaskWaits ?? [])];
  // The looks each batch in flight was given: a wait its first look saw end says only that the task ended by then.
  const looksByBatch = new Map<number, LookSchedule>();
  let flushSeq = 0;
  let batchesSinceUpsert = 0;
  // False when the access check's worker does not watch its tasks (an API rate limit): every batch
  // would then need its own workflow's wait anyway.
  let submitWatches = carried?.submitWatches ?? true;
  // For each of the last SUBMITS_JUDGED submits run here with a hint: whether its batch went on as a workflow.
  const handedOn: boolean[] = [];

  const phase = () => {
    if (finishing) return 'finishing' as const;
    if (cancelling) return 'cancelling' as const;
    if (layout === undefined) return 'inspecting' as const;
    if (paused) return inFlight.size > 0 ? ('pausing' as const) : ('paused' as const);
    return 'importing' as const;
  };
  // Only for the rate that progress gives (never in a command): the rows done as batches ended.
  const donePoints: DonePoint[] = [...(carried?.ratePoints ?? [])];
  const progress = () =>
    computeProgress({
      importId,
      phase: phase(),
      totals,
      totalRows,
      batchSize: input.batchSize,
      inFlightRows: [...inFlight.values()].reduce((n, b) => n + b.rowCount, 0),
      inFlightBatches: inFlight.size,
      stuckBatches: [...stuck],
      concurrency,
      startedAt,
      now: Date.now(),
      ...(retry ? { rowsTakenOver: rowsDone(retry.takenOver) } : {}),
      ...(input.dryRun ? { dryRun: true } : {}),
      recent: donePoints,
    });
  const showProgress = () => setCurrentDetails(formatProgressLine(progress()));
  const setStatus = (status: ImportStatusValue) => upsertSearchAttributes([{ key: ImportStatusKey, value: status }]);

  setHandler(progressQuery, progress);
  // Once cancelled or finishing, no batch starts whatever is asked: a pause, a resume or a concurrency
  // confirmed then changed nothing, and a pause showed the import as Paused in the UI while it cancelled.
  const refuseOnceEnding = (what: string) => {
    if (cancelling || finishing) throw new Error(`${input.importId} is ${cancelling ? 'being cancelled' : 'finishing'}: it starts no new batch, so there is nothing to ${what}`);
  };
  const setPaused = (pause: boolean) => () => {
    paused = pause;
    setStatus(pause ? 'Paused' : 'Running');
    showProgress();
    return progress();
  };
  setHandler(pauseUpdate, setPaused(true), { validator: () => refuseOnceEnding('pause') });
  setHandler(resumeUpdate, setPaused(false), { validator: () => refuseOnceEnding('resume') });
  setHandler(
    setConcurrencyUpdate,
    (n) => {
      concurrency = n;
      showProgress();
      return progress();
    },
    {
      validator: (n) => {
        if (!Number.isInteger(n) || n < 1 || n > MAX_CONCURRENCY) throw new Error(`concurrency must be an integer from 1 to ${MAX_CONCURRENCY}`);
        refuseOnceEnding('change');
      },
    },
  );
  setHandler(cancelModeSignal, (mode) => {
    cancelMode = mode;
    // A cancel already waiting for its batches (stuck ones wait for an operator) can still be told to abandon them.
    if (cancelling && mode === 'abandon' && patched(ABANDON_AFTER_CANCEL)) batchScope.cancel();
  });
  setHandler(batchStuckSignal, ({ index, stuck: isStuck }) => {
    if (isStuck) stuck.add(index);
    else stuck.delete(index);
    showProgress();
  });

  // Batches run in a scope shielded from the import's own cancellation, so that a cancel can let
  // in-flight batches finish; the import cancels this scope itself when it must abandon them.
  const batchScope = new CancellationScope({ cancellable: true, parent: new CancellationScope({ cancellable: false }) });
  // A plain cancel stops what has not been sent yet (see stopSending.ts).
  const stops = new SendingStops();
  let fatal: unknown;

  const flushResults = async () => {
    if (unflushed.length === 0) return;
    const results = unflushed;
    unflushed = [];
    const name = `${workflowInfo().runId}-${flushSeq++}`;
    // Results already gathered are written even while the import is being cancelled.
    await CancellationScope.nonCancellable(() => recordBatchResults({ importId, name, recordedAt: new Date().toISOString(), results }));
  };
  let flushing: Promise<void> = Promise.resolve();
  const onBatchDone = (result: BatchResult) => {
    addBatchResult(totals, result);
    rememberDone(donePoints, { at: Date.now(), done: rowsDone(totals) });
    unflushed.push(result);
    if (result.taskWaitMs !== undefined) {
      rememberTaskWait(recentTaskWaits, result.taskWaitMs, looksByBatch.get(result.index));
    }
    stuck.delete(result.index);
    if (unflushed.length >= tuning.resultsPerFlush) flushing = flushing.then(flushResults);
    if (++batchesSinceUpsert >= tuning.batchesPerSearchAttributeUpdate) {
      batchesSinceUpsert = 0;
      upsertCounts(totals);
    }
    showProgress();
  };

  // A batch's submit runs here when its tasks are likely to end within the submit's watch: this
  // import's recent tasks end before a look's longest first wait (or none has been seen yet), and
  // few of the last submits with a hint missed their tasks' ends.
  const submitsHere = () =>
    patched(BATCHES_SUBMITTED_BY_THE_IMPORT) &&
    submitWatches &&
    firstPollAfterMs(recentTaskWaits) < MAX_FIRST_POLL_DELAY_MS &&
    handedOn.filter(Boolean).length < MAX_SUBMITS_HANDED_ON;
  const judge = (hinted: boolean, wentOn: boolean) => {
    if (!hinted) return;
    handedOn.push(wentOn);
    if (handedOn.length > SUBMITS_JUDGED) handedOn.shift();
  };

  const batchWorkflow = async (batchInput: BatchWorkflowInput) => {
    const { batch } = batchInput;
    const options = handedOver.startOptions();
    const child = await startChild(importBatchWorkflow, { workflowId: batchWorkflowId(importId, batch.index + 1), args: [batchInput], staticSummary: batchLabel(batch), ...options });
    handedOver.started(batch.index, options, () => child.signal(handOverSignal));
    // A child that has ended by then cannot be signalled: nothing is lost, it sends nothing more.
    const forget = stops.register(() => void child.signal(stopSendingSignal).catch(() => undefined));
    try {
      return await child.result();
    } finally {
      forget();
      handedOver.ended(batch.index);
    }
  };

  const runBatch = async (batchInput: BatchWorkflowInput): Promise<BatchResult> => {
    if (!submitsHere()) return await batchWorkflow(batchInput);
    const { job, batch } = batchInput;
    const submitInput = submitInputFor(batchInput);
    let submission: SubmitBatchResult;
    try {
      submission = await stops.run(() => submitBatch.executeWithOptions({ summary: batchLabel(batch) }, [submitInput]));
    } catch (error) {
      if (!endedByCancel(error) && patched(FAILED_SUBMIT_KEEPS_WHAT_IT_DID)) return await stoppedSubmit(error, importId, batch, reportActivities);
      if (!(stops.stopped && endedByCancel(error) && !CancellationScope.current().consideredCancelled)) return await abandonedBetweenAttempts(error, importId, batch, reportActivities);
      submission = await stoppedBetweenAttempts(importId, batch, batch.rowCount, true, reportActivities);
    }
    if (stops.stopped) submission = cancelledWhilePosting(submission, batch);
    const settled = settledBySubmit(job, batch, submission);
    judge(submitInput.watchTasks?.firstPollAfterMs !== undefined, settled === undefined);
    if (settled) {
      logBatchFinished(importId, settled);
      return settled;
    }
    // Cancelled (--abandon, or a fatal error elsewhere) while it ran: no batch workflow could start.
    if (CancellationScope.current().consideredCancelled) return abandonedAfterSubmit(importId, batch, submission);
    try {
      return await batchWorkflow({ ...batchInput, submitted: submission });
    } catch (error) {
      // Cancelled as the batch workflow was being started (or before its first step): it never took the submission over.
      if (!isCancellation(error)) throw error;
      return abandonedAfterSubmit(importId, batch, submission);
    }
  };

  /** Where a batch's end goes, however it came (its submit, its workflow's result or signal): once. */
  const batchEnded = (batch: BatchPlan, end: BatchEnd) => {
    if (inFlight.get(batch.index) !== batch) return;
    // A failure no retry fixes stops every batch, whether it failed the batch or the batch reported it.
    const error = 'result' in end ? fatalFailureOf(end.result) : isFatal(end.error) ? end.error : undefined;
    if (error !== undefined) {
      fatal ??= error;
      batchScope.cancel();
    }
    onBatchDone('result' in end ? end.result : unfinishedBatch(batch, isCancellation(end.error) ? 'cancelled' : 'failed', describeFailure(end.error)));
    inFlight.delete(batch.index);
    looksByBatch.delete(batch.index);
  };
  const startBatch = (job: ImportJob, batch: BatchPlan, next: BatchPlan | undefined) => {
    inFlight.set(batch.index, batch);
    const looks = patched(LOOKS_AS_FINE_AS_TASKS_ARE_EVEN) ? lookSchedule(recentTaskWaits) : undefined;
    if (looks) looksByBatch.set(batch.index, looks);
    const batchSettings = { ...settings, ...(looks ?? { firstPollAfterMs: firstPollAfterMs(recentTaskWaits) }) };
    const batchInput: BatchWorkflowInput = { job, batch, settings: batchSettings, parentWorkflowId: importId, ...(next ? { next } : {}) };
    void batchScope.run(() => runBatch(batchInput)).then(
      (result) => batchEnded(batch, { result }),
      (error: unknown) => batchEnded(batch, { error }),
    );
  };
  // Before the first step that waits: batches handed on by the run before are in flight from the start.
  handedOver.begin(carried?.handedOver ?? [], batchScope, stops, batchEnded);

  // The first page when the inspection planned it; only ever in an import's first run.
  let earlyPage: PlanPage | undefined;
  let cursorForNextRun: PlanCursor | null = null;
  let continueRun = false;
  try {
    if (layout === undefined) {
      upsertSearchAttributes([
        { key: ImportStatusKey, value: 'Running' },
        { key: ImportSourceKey, value: sourceAttribute(input.source) },
      ]);
      // One cheap call before any row is sent: a wrong token or region stops the import here. It runs
      // beside the inspection (a round trip saved before the first batch); a bad file is still the
      // error reported when both fail, because the inspection is awaited first.
      const accessBeside = !input.dryRun && patched(ACCESS_CHECK_BESIDE_INSPECTION);
      const access = accessBeside ? checkXtremepushAccess() : undefined;
      access?.catch(() => undefined); // awaited below; this only keeps an early rejection from counting as unhandled
      // A retry sends only some batches again: its first window is not the file's first batches.
      const firstWindow =
        input.retryOf === undefined && patched(FIRST_WINDOW_BUILT_DURING_INSPECTION)
          ? {
              batchSize: input.batchSize,
              batches: concurrency,
              dryRun: input.dryRun,
              ...(patched(FIRST_PAGE_PLANNED_DURING_INSPECTION) ? { pageBatches: EARLY_PAGE_WINDOWS * concurrency, pageBytes: tuning.bytesPerPlanPage } : {}),
            }
          : undefined;
      const inspection = await inspectSource({
        importId,
        source: input.source,
        format: input.format,
        delimiter: input.delimiter,
        mapping: input.mapping,
        ...(firstWindow ? { firstWindow } : {}),
      });
      // Histories from before the check answered anything have null here.
      const accessAnswer = access ? await access : input.dryRun ? undefined : await checkXtremepushAccess();
      if (accessAnswer?.watchesTasks === false) submitWatches = false;
      layout = inspection.layout;
      totalRows = inspection.totalRows;
      blankLines = inspection.blankLines;
      earlyPage = inspection.firstPage;
      if (input.retryOf) {
        const plan = await loadRetryPlan({ importId, fingerprint: layout.fingerprint, totalBatches: Math.ceil(totalRows / input.batchSize) });
        Object.assign(totals, plan.takenOver);
        if (patched(COUNTS_SHOWN_AS_RUNS_HAND_ON)) upsertCounts(totals);
        retry = {
          redo: plan.redo,
          takenOver: { fromRunId: input.retryOf.fromRunId, batches: plan.takenOver.batches.succeeded, rows: { ...plan.takenOver.rows } },
        };
      }
    }
    showProgress();
    const job: ImportJob = { importId, source: input.source, format: input.format, layout, mapping: input.mapping, dryRun: input.dryRun };
    const bytesPerBatch = ((layout.fingerprint.size - layout.dataStartByte) / Math.max(totalRows ?? 1, 1)) * input.batchSize;
    const batchesPerPage = Math.max(1, Math.min(BATCHES_PER_PLAN_PAGE, Math.floor(tuning.bytesPerPlanPage / Math.max(bytesPerBatch, 1))));

    // The plan is read page by page, one page ahead of the window, so planning never stalls sending.
    let planCursor: PlanCursor | null = carried ? carried.cursor : (earlyPage?.next ?? null);
    let planExhausted = (carried !== undefined && carried.cursor === null) || earlyPage?.next === null;
    let queue: BatchPlan[] = earlyPage?.batches ?? [];
    let nextPage: Promise<PlanPage> | undefined;
    let nextPageReady = false;
    const requestPage = () => {
      if (nextPage === undefined && !planExhausted) {
        // The import's first page is short, so the first batches start after a scan of a few batches
        // rather than of a whole page; the next page is planned while they run.
        const maxBatches = planCursor === null ? Math.min(batchesPerPage, FIRST_PAGE_WINDOWS * concurrency) : batchesPerPage;
        nextPageReady = false;
        nextPage = planBatches({ importId, source: input.source, format: input.format, layout: job.layout, cursor: planCursor, batchSize: input.batchSize, maxBatches });
        nextPage.then(
          () => (nextPageReady = true),
          () => (nextPageReady = true), // its error is thrown where the page is awaited
        );
      }
    };
    const pagesEarly = patched(PLAN_PAGES_A_WINDOW_EARLIER);
    const endsWhilePaused = patched(PAUSED_WITH_NOTHING_LEFT_ENDS);
    // A pause holds back batches not started yet: with none left, there is nothing for it to hold.
    const nothingLeft = () => endsWhilePaused && queue.length === 0 && planExhausted && nextPage === undefined;
    let startedThisRun = 0;
    // With the first page planned early, the second is asked for while two windows are left only once
    // a batch has ended (before then, while one is left): until then the first window is being posted.
    const endedBefore = totals.batches.done;
    const pageAheadWindows = () => (earlyPage !== undefined && totals.batches.done === endedBefore ? 1 : 2);
    for (;;) {
      // Asked for before the wait for a free place, so the page is there when that place frees; but
      // not before this run's first window is out, whose batches are built on the spot, nor for a
      // run that will continue as new before it needs the page.
      const pageAhead = startedThisRun >= concurrency && startedThisRun + queue.length < tuning.maxBatchesPerRun;
      if (pagesEarly && pageAhead && queue.length <= pageAheadWindows() * concurrency) requestPage();
      await condition(() => fatal !== undefined || (!paused && inFlight.size < concurrency) || nothingLeft());
      if (fatal !== undefined) break;
      if (queue.length <= concurrency) requestPage();
      if (nextPage !== undefined && (queue.length === 0 || (pagesEarly && nextPageReady))) {
        const page = await nextPage;
        nextPage = undefined;
        queue = queue.concat(page.batches);
        planCursor = page.next;
        planExhausted = page.next === null;
        continue;
      }
      if (queue.length === 0) break;
      if (startedThisRun >= tuning.maxBatchesPerRun || workflowInfo().continueAsNewSuggested) {
        if (nextPage !== undefined) await nextPage;
        cursorForNextRun = cursorAt(queue[0] as BatchPlan);
        continueRun = true;
        break;
      }
      const batch = queue.shift() as BatchPlan;
      if (retry && !retry.redo.some(([first, last]) => batch.index >= first && batch.index <= last)) continue;
      // By the time this batch ends, the others in the window will have handed on their places: the
      // batch `concurrency` places on is the likeliest to take this one's, so its worker builds it ahead.
      startBatch(job, batch, retry ? undefined : queue[concurrency - 1]);
      startedThisRun++;
    }
    // Handing on, batch workflows still running go on beside the next run; ending, every batch is waited for.
    const handingOn = continueRun && fatal === undefined && patched(BATCH_WORKFLOWS_OUTLIVE_A_RUN);
    if (handingOn) await handedOver.handOver();
    await condition(() => inFlight.size === 0 || (handingOn && handedOver.allHandedOver()));
    if (fatal !== undefined) throw fatal as Error;
  } catch (error) {
    return await CancellationScope.nonCancellable(async () => {
      if (isCancellation(error)) {
        cancelling = true;
        if (cancelMode === 'abandon') batchScope.cancel();
        else if (patched(CANCEL_STOPS_SENDING)) stops.stopAll();
        showProgress();
        await condition(() => inFlight.size === 0);
        await finish('cancelled', { code: CANCELLED_FAILURE_CODE, message: 'the import was cancelled' });
        throw error;
      }
      // Only a bug in this code (a plain error) is left to fail the workflow task, which is tried
      // again once a mended worker runs it.
      const endsImport = fatal !== undefined || isFatal(error) || (error instanceof TemporalFailure && patched(REPORT_WHEN_A_STEP_GIVES_UP));
      if (!endsImport) throw error;
      batchScope.cancel();
      await condition(() => inFlight.size === 0);
      const failure = describeFailure(error);
      const report = await finish('failed', failure);
      throw ApplicationFailure.create({ message: failure.message, type: failure.code, nonRetryable: true, details: [report] });
    });
  }

  try {
    await flushing;
    await flushResults();
    if (continueRun) {
      await condition(allHandlersFinished);
      // A handed-over batch that ended meanwhile was counted: its result is written before the run hands on.
      while (unflushed.length > 0) await flushResults();
      if (patched(COUNTS_SHOWN_AS_RUNS_HAND_ON)) upsertCounts(totals);
      const handing = handedOver.handedOver();
      const next: CarriedState = {
        layout,
        totalRows: totalRows ?? 0,
        cursor: cursorForNextRun,
        totals,
        startedAt,
        paused,
        concurrency,
        cancelMode,
        retry,
        recentTaskWaits,
        submitWatches,
        // The oldest point kept is the one the rate may be measured from: one point, a few bytes.
        ...(donePoints.length > 0 && patched(RATE_POINT_HANDED_ON) ? { ratePoints: donePoints.slice(0, 1) } : {}),
        ...(blankLines !== undefined && patched(BLANK_LINES_HANDED_ON) ? { blankLines } : {}),
        ...(handing.length > 0 ? { handedOver: handing, stuck: handing.map((b) => b.index).filter((index) => stuck.has(index)) } : {}),
      };
      return await continueAsNew<typeof importProfilesWorkflow>(input, next);
    }
  } catch (error) {
    // Cancelled after the run's last batch, before the next run: the batches not started are skipped, as in any cancel.
    if (!isCancellation(error) || !patched(CANCEL_AT_THE_END_STILL_REPORTS)) throw error;
    return await CancellationScope.nonCancellable(async () => {
      cancelling = true;
      await finish('cancelled', { code: CANCELLED_FAILURE_CODE, message: 'the import was cancelled' });
      throw error;
    });
  }
  // Every batch has ended: a cancel now comes too late to change anything, and must not stop the report.
  const ending = async () => {
    const report = await finish(finalStatus(totals), undefined);
    await condition(allHandlersFinished);
    return report;
  };
  return patched(CANCEL_AT_THE_END_STILL_REPORTS) ? await CancellationScope.nonCancellable(ending) : await ending();

  async function finish(status: ImportStatus, failure: FailureSummary | undefined): Promise<ImportReport> {
    finishing = true;
    await flushing;
    await flushResults();
    // Rows of batches never started (a fatal error or a cancel) still count, as skipped.
    const notStarted = Math.max((totalRows ?? 0) - rowsDone(totals), 0);
    totals.rows.skipped += notStarted;
    const report = await writeReport({
      importId,
      source: input.source,
      format: input.format,
      dryRun: input.dryRun,
      status,
      totalRows: totalRows ?? 0,
      totalBatches: Math.ceil((totalRows ?? 0) / input.batchSize),
      totals,
      header: layout?.header,
      delimiter: layout?.delimiter,
      hasBom: layout?.hasBom,
      ...(blankLines !== undefined ? { blankLines } : {}),
      fingerprint: layout?.fingerprint ?? null,
      takenOver: retry?.takenOver ?? null,
      ...(input.retryOf && retry === null ? { keepReportFile: true } : {}),
      startedAt,
      finishedAt: new Date().toISOString(),
      failure,
    });
    upsertCounts(totals);
    setStatus(SEARCH_STATUS[status]);
    setCurrentDetails(`${status}: ${report.rows.imported} imported, ${report.rows.rejected} rejected, ${report.rows.skipped} skipped of ${report.rows.total} rows`);
    logImportFinished(report, failure);
    return report;
  }
}

/**
 * The import writes into the report folder its input names: a workflow started without the client
 * (`temporal workflow start -w clobber1 -i '{"importId":"other",...}'`) would write another
 * import's report, rejects and journals. The client always starts an import under its own ID, and
 * runs after continue-as-new keep it, so only such a start fails here, and it does so before any
 * command: a history whose IDs match is unchanged. Asked through patched() so that a history that
 * got past the check before it existed replays as it ran, instead of failing its workflow tasks.
 */
function refuseForeignImportId(importId: string): void {
  const { workflowId } = workflowInfo();
  if (importId === workflowId || !patched(IMPORT_ID_IS_WORKFLOW_ID)) return;
  throw ApplicationFailure.create({
    type: INVALID_IMPORT_INPUT,
    message: `the input's importId is not this workflow's ID (${workflowId}): start an import with xp-import start or the client API, which use its ID for both`,
    nonRetryable: true,
  });
}

/**
 * The import's last line. At XP_IMPORT_LOG_LEVEL=WARN an operator still sees every import whose
 * rows did not all land: failed batches, and rows rejected by validation or refused by the API,
 * with where the rejects file is (a path in the report folder; the rows stay in the file).
 */
function logImportFinished(report: ImportReport, failure: FailureSummary | undefined): void {
  const { importId, status, rows, batches, rejectsFile } = report;
  const fields = { importId, status, rows, batches, ...(rows.rejected > 0 && rejectsFile !== null ? { rejectsFile } : {}), ...(failure ? { failure } : {}) };
  if (status === 'failed') log.error('import finished', fields);
  else if (batches.failed > 0 || rows.rejected > 0) log.warn('import finished', fields);
  else log.info('import finished', fields);
}


const SEARCH_STATUS: Record<ImportStatus, ImportStatusValue> = {
  completed: 'Completed',
  completed_with_rejections: 'CompletedWithRejections',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

function upsertCounts(totals: ImportTotals): void {
  upsertSearchAttributes([
    { key: RowsImportedKey, value: totals.rows.imported },
    { key: RowsRejectedKey, value: totals.rows.rejected },
  ]);
}

function cursorAt(batch: BatchPlan): PlanCursor {
  return { byte: batch.startByte, row: batch.firstRow, line: batch.firstLine, nextBatchIndex: batch.index };
}

function unfinishedBatch(batch: BatchPlan, status: 'failed' | 'cancelled', failure: FailureSummary): BatchResult {
  return {
    index: batch.index,
    firstRow: batch.firstRow,
    status,
    rows: { total: batch.rowCount, imported: 0, rejected: 0, skipped: batch.rowCount },
    requests: 0,
    taskIds: [],
    retries: {},
    possibleDuplicates: 0,
    failure,
  };
}
