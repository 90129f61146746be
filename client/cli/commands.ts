import { z } from 'zod';
import { BatchSizeSchema, ConcurrencySchema, ImportIdSchema, StuckAfterFlagSchema } from '../../common/importInput';
import { wholeNumber } from '../../common/wholeNumber';
import { formatProgressLine } from '../../common/progressLine';
import { exitCodeForReport, ExitCode, type ImportReport } from '../../common/report';
import { DelimiterFlagSchema, SourceFormatSchema, sourceRefFromArgument } from '../../common/source';
import { connectImportClient, type ImportClientContext } from '../connect';
import { cancelImport, getProgress, getReport, importStatus, onImportQueue, pauseImport, resolveStuckBatch, resumeImport, retryFailed, setImportConcurrency, startImport, waitForReport } from '../imports';
import { noWorkerWarning } from '../workerPresence';
import { watchForSilence } from './silenceWatch';
import { STUCK_RESOLUTIONS } from '../../common/messages';
import { createProgressView } from './progressView';
import { formatReport } from './reportView';
import { checkDelimiterFlag, loadMappingFile, parseFlags, UsageError } from './usage';

const out = (text: string) => process.stdout.write(`${text}\n`);
const err = (text: string) => process.stderr.write(`${text}\n`);

/**
 * The connection is left open for the process's end (bin/xp-import.ts exits once its output is
 * written): the SDK retries a call that failed while the server was away on a timer that closing
 * the connection does not clear, and that timer then threw "Channel has been shut down" with a
 * stack trace after `watch` had printed its report.
 */
async function withClient<T>(fn: (ctx: ImportClientContext) => Promise<T>): Promise<T> {
  return fn(await connectImportClient());
}

/** An import on a task queue no worker polls waits without a word: say so once, on stderr. */
async function warnIfNoWorker(ctx: ImportClientContext): Promise<void> {
  sayNoWorker(await noWorkerWarning(ctx));
}

/** The warning itself; an import just started or re-run has it from its start (StartedImport.noWorker). */
function sayNoWorker(warning: string | null | undefined): void {
  if (warning) err(`xp-import: warning: ${warning}`);
}

/** Every command checks its import ID before it connects: bad usage is said before Temporal is asked anything. */
function importId(value: string): string {
  return parseFlags(ImportIdSchema, value, 'import id');
}

const StuckResolutionSchema = z.enum(STUCK_RESOLUTIONS, { error: 'use "resubmit" (send its stuck requests again) or "abandon" (give up on them)' });

function printReport(report: ImportReport, json: boolean): number {
  out(json ? JSON.stringify(report, null, 2) : formatReport(report));
  return exitCodeForReport(report);
}

export const StartFlagsSchema = z.object({
  id: ImportIdSchema.optional(),
  format: SourceFormatSchema.optional(),
  delimiter: DelimiterFlagSchema.optional(),
  mapping: z.string().optional(),
  batchSize: BatchSizeSchema.optional(),
  concurrency: ConcurrencySchema.optional(),
  /** In milliseconds once parsed, as the client API takes it. */
  stuckAfter: StuckAfterFlagSchema.optional(),
  dryRun: z.boolean().default(false),
  wait: z.boolean().default(false),
  json: z.boolean().default(false),
});

export async function startCommand(source: string, rawFlags: Record<string, unknown>): Promise<number> {
  const flags = parseFlags(StartFlagsSchema, rawFlags);
  // Bad usage is said before Temporal is asked anything.
  const ref = sourceRefFromArgument(source);
  checkDelimiterFlag(source, flags.format, flags.delimiter);
  const mapping = flags.mapping ? loadMappingFile(flags.mapping) : undefined;
  return withClient(async (ctx) => {
    const started = await startImport(ctx, {
      source: ref,
      importId: flags.id,
      format: flags.format,
      delimiter: flags.delimiter,
      batchSize: flags.batchSize,
      concurrency: flags.concurrency,
      stuckAfterMs: flags.stuckAfter,
      dryRun: flags.dryRun,
      mapping,
    });
    const id = started.importId;
    if (started.alreadyRunning) {
      err(`import ${id} is already running for this source; following it instead of starting another`);
      // Said, not dropped without a word: the running import goes on at its own pace.
      if (started.keptSettings.length > 0) err(`  it runs with its own ${started.keptSettings.join(', ')}; \`xp-import set-concurrency ${id} N\` changes its concurrency`);
    }
    const importCtx = await onImportQueue(ctx, id);
    sayNoWorker(started.noWorker);
    if (!flags.wait) {
      if (flags.json) out(JSON.stringify({ importId: id, alreadyRunning: started.alreadyRunning, status: 'running' }));
      else out(`${started.alreadyRunning ? 'following' : 'started'} import ${id}\n  follow it:  xp-import watch ${id}\n  report:     xp-import report ${id}`);
      return ExitCode.ok;
    }
    err(`import ${id} ${started.alreadyRunning ? 'is running' : 'started'}; waiting for it to finish`);
    return followToEnd(ctx, importCtx, id, flags.json);
  });
}

/** Follows an import to its report; `importCtx` is on the import's own task queue (onImportQueue), where its workers are looked for. */
async function followToEnd(ctx: ImportClientContext, importCtx: ImportClientContext, id: string, json: boolean): Promise<number> {
  const view = createProgressView();
  // Ctrl-C stops the following, not the import: the bar gives the terminal its cursor and line
  // wrapping back (left hidden and off before), and the user learns the import goes on.
  const interrupted = (signal: NodeJS.Signals) => {
    view.stop();
    err(`\nstopped following import ${id}; it goes on. Follow it again: xp-import watch ${id}   stop it: xp-import cancel ${id}`);
    process.exit(signal === 'SIGTERM' ? ExitCode.terminated : ExitCode.interrupted);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  // On a terminal the bar holds the last line: a warning starts a line of its own.
  const silence = watchForSilence(importCtx, (text) => err(`${process.stderr.isTTY ? '\n' : ''}xp-import: ${text}`));
  try {
    const report = await waitForReport(ctx, id, (p) => {
      silence.answered();
      view.update(p);
    });
    view.stop();
    return printReport(report, json);
  } finally {
    silence.stop();
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    view.stop();
  }
}

export async function watchCommand(rawId: string, flags: { json?: boolean }): Promise<number> {
  const id = importId(rawId);
  return withClient(async (ctx) => {
    const importCtx = await onImportQueue(ctx, id);
    if ((await importStatus(ctx, id)) === 'RUNNING') await warnIfNoWorker(importCtx);
    return followToEnd(ctx, importCtx, id, flags.json ?? false);
  });
}

export async function statusCommand(rawId: string, flags: { json?: boolean }): Promise<number> {
  const id = importId(rawId);
  return withClient(async (ctx) => {
    const report = await getReport(ctx, id);
    if (report !== null) return printReport(report, flags.json ?? false);
    const progress = await getProgress(ctx, id);
    out(flags.json ? JSON.stringify(progress, null, 2) : formatProgressLine(progress));
    return ExitCode.ok;
  });
}

export async function reportCommand(rawId: string, flags: { json?: boolean }): Promise<number> {
  const id = importId(rawId);
  return withClient(async (ctx) => {
    const report = await getReport(ctx, id);
    if (report === null) throw new UsageError(`import ${id} is still running, so it has no report yet; \`xp-import watch ${id}\` follows it to its report`);
    return printReport(report, flags.json ?? false);
  });
}

export async function pauseCommand(rawId: string): Promise<number> {
  const id = importId(rawId);
  return withClient(async (ctx) => {
    const progress = await pauseImport(ctx, id);
    out(`paused ${id}: no new batches start; ${progress.batches.inFlight} batch(es) in flight finish. Resume with \`xp-import resume ${id}\`.`);
    return ExitCode.ok;
  });
}

export async function resumeCommand(rawId: string): Promise<number> {
  const id = importId(rawId);
  return withClient(async (ctx) => {
    await resumeImport(ctx, id);
    out(`resumed ${id}`);
    return ExitCode.ok;
  });
}

export async function setConcurrencyCommand(rawId: string, value: string): Promise<number> {
  const id = importId(rawId);
  const concurrency = parseFlags(ConcurrencySchema, value, 'concurrency');
  return withClient(async (ctx) => {
    await setImportConcurrency(ctx, id, concurrency);
    out(`${id}: at most ${concurrency} batch(es) in flight from now on`);
    return ExitCode.ok;
  });
}

export async function cancelCommand(rawId: string, flags: { abandon?: boolean }): Promise<number> {
  const id = importId(rawId);
  return withClient(async (ctx) => {
    await cancelImport(ctx, id, flags.abandon ? 'abandon' : 'finish-in-flight');
    out(`cancelling ${id}: ${flags.abandon ? 'in-flight batches are abandoned' : 'nothing more is sent, and requests already sent finish first'}; the report is written either way (xp-import report ${id})`);
    // A cancel is carried out by a worker: without one, nothing happens yet.
    await warnIfNoWorker(await onImportQueue(ctx, id));
    return ExitCode.ok;
  });
}

export async function retryCommand(rawId: string, flags: { wait?: boolean; json?: boolean }): Promise<number> {
  const id = importId(rawId);
  return withClient(async (ctx) => {
    const started = await retryFailed(ctx, id);
    // The re-run runs on the import's own queue (retryFailed), whatever this shell's is.
    const importCtx = await onImportQueue(ctx, id);
    sayNoWorker(started.noWorker);
    if (!flags.wait) {
      out(flags.json ? JSON.stringify({ importId: started.importId, status: 'running', retry: true }) : `re-running the batches of ${id} that did not succeed; follow it: xp-import watch ${id}`);
      return ExitCode.ok;
    }
    return followToEnd(ctx, importCtx, started.importId, flags.json ?? false);
  });
}

export async function resolveCommand(rawId: string, batch: string, resolution: string): Promise<number> {
  const id = importId(rawId);
  const batchNumber = parseFlags(wholeNumber(1), batch, 'batch number');
  const decision = parseFlags(StuckResolutionSchema, resolution, 'resolution');
  return withClient(async (ctx) => {
    out(await resolveStuckBatch(ctx, id, batchNumber, decision));
    return ExitCode.ok;
  });
}

