import { ImportClientError } from '../common/clientError';
import type { Progress } from '../common/progress';
import { formatStuck } from '../common/progressLine';
import { batchesNotRun, ExitCode, rerunFailsAgain, type ImportReport, type ImportStatus } from '../common/report';

/** What the client API refuses or cannot do, each with what the caller needs to decide and a message that says what to do. */

/**
 * How a refused import ID was chosen: from the source's version (a local file's size and
 * modification time, a URL's ETag), from a local file's path alone (this client cannot see the
 * file), or given by the caller.
 */
export type ImportIdBasis = 'version' | 'path' | 'given';

/** How an import that ran ended, as far as starting it again goes: its report, or none. */
export type EndedImport = Pick<ImportReport, 'status' | 'dryRun' | 'batches' | 'failure'> | 'no-report';

/** What to do with an import that already ran, from how it ended: `retry` only where it can send something. */
function nextForEnded(importId: string, ended: EndedImport | undefined): string {
  const report = `See its report with \`xp-import report ${importId}\``;
  const retry = `${report}, send what it did not import again with \`xp-import retry ${importId}\` (with the options it ran with)`;
  if (ended === undefined) return retry;
  if (ended === 'no-report') return 'It ended without a report, so it cannot be re-run: start the source again under a new ID';
  if (ended.dryRun) return `It was a dry run: nothing was sent. ${report}`;
  const notDone = ended.batches.failed > 0 || batchesNotRun(ended.batches) > 0;
  if (rerunFailsAgain(ended)) {
    return `It failed on its input (${ended.failure?.code}), and a re-run would too: fix the file (a corrected --mapping is a new import by itself). ${report}`;
  }
  if (notDone || ended.status === 'failed' || ended.status === 'cancelled') return retry;
  if (ended.status === 'completed_with_rejections') return `It completed, with rows rejected: ${report} (it names the rejects file, which can be fixed and imported)`;
  return `It completed. ${report}`;
}

export class ImportAlreadyExistsError extends ImportClientError {
  override name = 'ImportAlreadyExistsError';
  readonly retryable = false;
  /** How it ended, when its report tells. */
  readonly status?: ImportStatus;
  constructor(
    readonly importId: string,
    readonly basis: ImportIdBasis = 'version',
    ended?: EndedImport,
  ) {
    const next = nextForEnded(importId, ended);
    super(
      basis === 'given'
        ? `an import with the ID ${importId} has already run (an ID names one import for good). ${next}, or choose another --id.`
        : basis === 'path'
          ? `import ${importId} already ran for this path. This client cannot see the file (it is not in XP_IMPORT_DATA_DIR here), so the ` +
            "default ID comes from the path alone, not from the file's size and modification time: to import a new version of the file, give " +
            `an import ID (--id), or set XP_IMPORT_DATA_DIR to the workers' data folder where the client runs. ${next}.`
          : `import ${importId} already ran for this source. ${next}, or start a new import with --id <new id>.`,
    );
    if (ended !== undefined && ended !== 'no-report') this.status = ended.status;
  }
}

/**
 * An import ID that a running import already has, of another source, or of this source with
 * options that change what is sent (mapping, format, delimiter, dry run): following it would
 * report success for rows never sent as asked.
 */
export class ImportIdInUseError extends ImportClientError {
  override name = 'ImportIdInUseError';
  readonly retryable = false;
  constructor(
    readonly importId: string,
    /** The running import's source as its ImportSource search attribute names it; null when it is not known. */
    readonly runningSource: string | null,
    source: string,
    /** Set when the source is the same: how the running import's options differ from the request's ("mapping", "dry run"). */
    readonly otherOptions?: string[],
  ) {
    const status = `\`xp-import status ${importId}\` shows the running import.`;
    super(
      otherOptions === undefined
        ? `import ${importId} is already running for another source (${runningSource ?? 'not recorded'}), so ${source} would not be imported; ` +
            `choose another --id (or leave it out: the default ID comes from the source). ${status}`
        : `import ${importId} is already running for ${source} with another ${otherOptions.join(', ')}, so this request's would not be used; ` +
            `wait for it to end (\`xp-import watch ${importId}\`) or cancel it, or choose another --id. ${status}`,
    );
  }
}

export class ImportNotFoundError extends ImportClientError {
  override name = 'ImportNotFoundError';
  readonly retryable = false;
  constructor(readonly importId: string) {
    super(`no import ${importId}: check the ID (the Temporal UI lists imports by their IDs, as does \`temporal workflow list\`)`);
  }
}

/**
 * An import that ended before it could write its report: stopped from outside (terminated, timed
 * out), or failed writing it (a report folder that stayed unwritable). No report says what it did,
 * and a re-run cannot know which batches it finished since its last results were written, so
 * `retry` is refused too.
 */
export class ImportEndedWithoutReportError extends ImportClientError {
  override name = 'ImportEndedWithoutReportError';
  readonly retryable = false;
  constructor(
    readonly importId: string,
    readonly status: string,
    /** The message it failed with, when it failed. */
    readonly failure?: string,
  ) {
    const results = `what its batches did up to then is in XP_IMPORT_REPORT_DIR/${importId}/results on the worker`;
    super(
      status === 'FAILED'
        ? `import ${importId} failed before it could write its report (${failure ?? 'no message'}), so there is none; ${results}, as far as it could be written. ` +
            'It cannot be re-run with `xp-import retry`: fix the cause and start the source again with --id <new id>.'
        : `import ${importId} was ${status.toLowerCase().replace('_', ' ')} before it wrote a report, so there is none; ${results}. It cannot be re-run with \`xp-import retry\`: start the source again with --id <new id> ` +
            '(cancel an import with `xp-import cancel` rather than terminate it: it then writes its report).',
    );
  }
}

/** Why a steering request was refused: what a caller decides on without reading the message. */
export type SteeringRefusal =
  /** The import has ended: nothing to pause, resume, change or cancel. */
  | 'ended'
  /** `retryFailed` of an import that still runs (perhaps a re-run another caller started). */
  | 'running'
  /** `retryFailed` of an import whose every batch succeeded. */
  | 'nothing_to_retry'
  /** `retryFailed` of an import that failed on its input (a mapping, the file's format): a re-run would fail the same way. */
  | 'fails_again'
  /** The import itself refused it (a concurrency out of range, a batch with no stuck task). */
  | 'refused'
  /** `resolveStuckBatch` of a batch number the import does not have (NoSuchBatchError). */
  | 'no_such_batch';

/** A steering request the import refused, with its reason. */
export class ImportSteeringError extends ImportClientError {
  override name = 'ImportSteeringError';
  /** Only a re-run asked for while the import still runs may pass later, once it has ended. */
  readonly retryable: boolean;
  constructor(
    readonly importId: string,
    readonly reason: SteeringRefusal,
    message: string,
  ) {
    super(message);
    this.retryable = reason === 'running';
  }
}

/** The stuck batches of an import as `status` shows them, for a message about a batch that is not one of them. */
export function stuckNowText(batches: Pick<Progress['batches'], 'stuck' | 'stuckBatches'>): string {
  return batches.stuck === 0 ? 'none of its batches is stuck now' : `now ${formatStuck(batches)}`;
}

/**
 * `resolve` of a batch number the import does not have (999 of a 3-batch import, or 0): most likely
 * a typo, so the message gives the numbers it has and those of its stuck batches, the ones to resolve.
 */
export class NoSuchBatchError extends ImportSteeringError {
  override name = 'NoSuchBatchError';
  /** The import's stuck batches (at most 100, as the progress query lists them). */
  readonly stuckBatches: number[];
  constructor(
    importId: string,
    readonly batchNumber: number,
    /** How many batches the import has. */
    readonly batchCount: number,
    batches: Pick<Progress['batches'], 'stuck' | 'stuckBatches'>,
  ) {
    const has = batchCount === 0 ? 'has no batches' : `has only ${batchCount} batch${batchCount === 1 ? ' (batch 1)' : `es (1 to ${batchCount})`}`;
    super(importId, 'no_such_batch', `import ${importId} ${has}, so there is no batch ${batchNumber} to resolve; ${stuckNowText(batches)}`);
    this.stuckBatches = batches.stuckBatches;
  }
}

/** A start request whose options break the rules (a batch over 10,000 rows, an import ID with a slash), each named. */
export class InvalidImportRequestError extends ImportClientError {
  override name = 'InvalidImportRequestError';
  readonly retryable = false;
  constructor(readonly problems: string[]) {
    super(`the import request is not valid:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}

/**
 * What the CLI exits with for a refusal of the client API (DESIGN.md's CLI contract), so that a
 * script driving the API answers as the CLI would; undefined for a failure nobody expected.
 */
export function exitCodeForClientError(error: unknown): number | undefined {
  if (!(error instanceof ImportClientError)) return undefined;
  // Every other refusal asks the caller to change something, or to wait for a worker or a server.
  return error instanceof ImportEndedWithoutReportError ? ExitCode.failed : ExitCode.usage;
}
