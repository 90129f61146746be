import { z } from 'zod';
import { ImportIdSchema } from './importInput';
import { MAX_LOOK_GAP_MS, MIN_LOOK_GAP_MS } from './firstPoll';
import { MappingSchema } from './mapping';
import { BatchPlanSchema, SourceLayoutSchema } from './plan';
import { FailureSummarySchema, RetryCountsSchema } from './report';
import { SourceFormatSchema, SourceRefSchema } from './source';

/** Everything a batch needs to find, read and map its rows: the same for every batch of an import. */
export const ImportJobSchema = z.object({
  importId: ImportIdSchema,
  source: SourceRefSchema,
  format: SourceFormatSchema,
  layout: SourceLayoutSchema,
  mapping: MappingSchema.optional(),
  dryRun: z.boolean(),
});
export type ImportJob = z.infer<typeof ImportJobSchema>;

const LookGapSchema = z.number().int().min(MIN_LOOK_GAP_MS).max(MAX_LOOK_GAP_MS);

/** Operator-tunable behaviour of a batch; defaults live in the workflow. */
export const BatchSettingsSchema = z.object({
  /** A task still running after this long is reported stuck instead of being polled forever. */
  stuckAfterMs: z.number().int().positive(),
  /** A stuck task is still looked at this often (one Task Info call), until it ends or an operator decides. */
  stuckLookEveryMs: z.number().int().positive().optional(),
  /** How often a batch whose task failed is sent again before the batch is reported failed. */
  maxTaskResubmits: z.number().int().nonnegative(),
  /** Attempts at posting one request through transient errors before the batch is failed. */
  maxSubmitAttempts: z.number().int().positive(),
  /** When to look at a new task first, from how long this import's tasks took so far (0: at once). */
  firstPollAfterMs: z.number().int().nonnegative().optional(),
  /** How far apart the looks around that time are: as fine as this import's tasks have been even (common/firstPoll.ts). */
  lookGapMs: LookGapSchema.optional(),
});
export type BatchSettings = z.infer<typeof BatchSettingsSchema>;

/**
 * A request: a slice of one part of a batch. A part holds the batch's rows that fill the same
 * attributes (so blank cells are never sent); a 400 about content splits a request in halves.
 * The key (`part:start-end`) is deterministic, so a retry rebuilds exactly the same request.
 */
export const RequestSliceSchema = z.object({
  key: z.string(),
  rows: z.number().int().positive(),
  /** Async: the task to wait for. Sync (under 100 rows): applied already. */
  taskId: z.string().optional(),
  /** A re-run's request sent by an earlier run (its task taken over, or its rows applied): counted there, not again. */
  takenOver: z.literal(true).optional(),
});
export type RequestSlice = z.infer<typeof RequestSliceSchema>;

export const AwaitTaskInputSchema = z.object({
  taskId: z.string(),
  batchIndex: z.number().int().nonnegative(),
  /** Look first after this long: about when this import's tasks have been finishing (0: at once). */
  firstPollAfterMs: z.number().int().nonnegative().optional(),
  /** The gap between the looks around that time (absent: the widest). */
  lookGapMs: LookGapSchema.optional(),
  /** One look per attempt, this far apart: a task already reported stuck is watched slowly, without end. */
  everyMs: z.number().int().positive().optional(),
});
export type AwaitTaskInput = z.infer<typeof AwaitTaskInputSchema>;
export const AwaitTaskResultSchema = z.object({
  status: z.enum(['completed', 'failed']),
  rawStatus: z.string(),
  /**
   * From the first poll being scheduled to the start of the look that saw the end (looks without a
   * hint: midway from the last look that saw it running): how long this task took, give or take a poll.
   */
  waitedMs: z.number().int().nonnegative(),
});
export type AwaitTaskResult = z.infer<typeof AwaitTaskResultSchema>;

export const TaskOutcomeSchema = AwaitTaskResultSchema.extend({ taskId: z.string() });
export type TaskOutcome = z.infer<typeof TaskOutcomeSchema>;

export const SubmitBatchInputSchema = z.object({
  job: ImportJobSchema,
  batch: BatchPlanSchema,
  /** Send only these requests again (their tasks failed); all when absent. */
  onlyKeys: z.array(z.string()).optional(),
  maxSubmitAttempts: z.number().int().positive(),
  /** A batch this worker may build ahead while this one's task runs (a hint; byte ranges only). */
  prepareNext: BatchPlanSchema.optional(),
  /**
   * Watch the tasks just posted for a few looks before answering: a task seen done then needs no
   * wait of its own (two fewer workflow steps per batch). `firstPollAfterMs` as for the wait.
   */
  watchTasks: z.object({ firstPollAfterMs: z.number().int().nonnegative().optional(), lookGapMs: LookGapSchema.optional() }).optional(),
});
export type SubmitBatchInput = z.infer<typeof SubmitBatchInputSchema>;

export const SubmitBatchResultSchema = z.object({
  requests: z.array(RequestSliceSchema),
  rows: z.object({
    total: z.number().int().nonnegative(),
    /** Rows in the requests sent (or, in a dry run, that would be sent). */
    sent: z.number().int().nonnegative(),
    rejected: z.number().int().nonnegative(),
    /** Rows a later row of the file supersedes, left out of the batch. */
    skipped: z.number().int().nonnegative(),
    /** Rows the last attempt gave up on after transient errors; the batch is then failed. */
    unsent: z.number().int().nonnegative(),
  }),
  retries: RetryCountsSchema,
  /** Set when the last allowed attempt still could not send everything. */
  failure: FailureSummarySchema.optional(),
  /** With a failure: requests sent whose answer was lost; the API may have applied them. */
  unknownKeys: z.array(z.string()).optional(),
  possibleDuplicates: z.number().int().nonnegative(),
  warnings: z.number().int().nonnegative(),
  /** Tasks the submit saw end while it watched them (watchTasks); the others are waited for. */
  taskOutcomes: z.array(TaskOutcomeSchema).optional(),
  /**
   * Set when the submit looked at its tasks: how long after its post the longest watch of a task
   * still running ended. The wait for such a task looks at once (the hint is past), and its time
   * counts from the post, not from the wait.
   */
  watchedMs: z.number().int().nonnegative().optional(),
});
export type SubmitBatchResult = z.infer<typeof SubmitBatchResultSchema>;

/** The access check's answer: what the worker that ran it does with the tasks its submits post. */
export const XtremepushAccessSchema = z.object({ watchesTasks: z.boolean() });
export type XtremepushAccess = z.infer<typeof XtremepushAccessSchema>;

export const BatchWorkflowInputSchema = z.object({
  job: ImportJobSchema,
  batch: BatchPlanSchema,
  settings: BatchSettingsSchema,
  /** The import's workflow ID, for signals to the newest run of the parent. */
  parentWorkflowId: z.string(),
  /** The batch likely to take this one's place in the window: the worker may build it ahead. */
  next: BatchPlanSchema.optional(),
  /**
   * The import already ran this batch's submit (its usual way) and the submit did not see every
   * task end: the batch workflow takes over from that result instead of submitting again.
   */
  submitted: SubmitBatchResultSchema.optional(),
});
export type BatchWorkflowInput = z.infer<typeof BatchWorkflowInputSchema>;
