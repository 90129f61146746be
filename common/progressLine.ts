import type { Progress, RetryingStep, SourceReadProgress } from './progress';

/** One line for logs, `watch` on a pipe and the workflow's current details. */
export function formatProgressLine(p: Progress): string {
  return p.retrying === undefined ? formatCounts(p) : `${formatCounts(p)}; ${formatRetrying(p.retrying)}`;
}

function formatCounts(p: Progress): string {
  if (p.phase === 'inspecting' && p.inspection !== undefined) return `inspecting: ${formatSourceRead(p.inspection)}`;
  const n = formatCount;
  const eta = p.etaSeconds === null ? '' : `, ETA ${Math.ceil(p.etaSeconds)}s`;
  const still = (p.unchangedSeconds ?? 0) >= UNCHANGED_SAID_AFTER_S ? `, no change for ${p.unchangedSeconds}s` : '';
  return (
    `${phaseName(p)}: ${n(p.rows.done)}/${n(p.rows.total)} rows ` +
    `(${n(p.rows.imported)} ${p.dryRun ? 'would be imported' : 'imported'}, ${n(p.rows.rejected)} rejected, ${n(p.rows.skipped)} skipped), ` +
    `batches ${n(p.batches.done)}/${n(p.batches.total)} (${p.batches.inFlight} in flight${p.batches.stuck ? `, ${formatStuck(p.batches)}` : ''}), ` +
    `${n(Math.round(p.rowsPerSecond))} rows/s${eta}${still}`
  );
}

/** Every count written the same way: 11,500/300,000 rows (11,500 imported, ...), not 11500 beside 11,500; ? when not known. */
export function formatCount(count: number | null): string {
  return count === null ? '?' : count.toLocaleString('en-US');
}

/** `importing`, or `importing (dry run)`: a dry run's progress must not read as rows sent. */
export function phaseName(p: Pick<Progress, 'phase' | 'dryRun'>): string {
  return p.dryRun ? `${p.phase} (dry run)` : p.phase;
}

/** A batch's request and task take seconds: a longer quiet is worth saying. */
const UNCHANGED_SAID_AFTER_S = 10;

/** The stuck batches mentioned in a line at most; `status --json` has up to 100. */
const STUCK_LISTED = 10;

/**
 * `3 stuck: batches 4, 9, 12`: the numbers `xp-import resolve <id> <batch>` takes, which its
 * refusal says `status` lists.
 */
export function formatStuck(batches: Pick<Progress['batches'], 'stuck' | 'stuckBatches'>): string {
  const listed = batches.stuckBatches.slice(0, STUCK_LISTED);
  if (listed.length === 0) return `${batches.stuck} stuck`;
  const more = batches.stuck - listed.length;
  return `${batches.stuck} stuck: batch${batches.stuck === 1 ? '' : 'es'} ${listed.join(', ')}${more > 0 ? ` and ${more} more (\`status --json\` lists up to 100)` : ''}`;
}

/** `retrying inspectSource (attempt 3 of 10): SourceUnavailableError: …` */
export function formatRetrying(step: RetryingStep): string {
  const of = step.maximumAttempts > 0 ? ` of ${step.maximumAttempts}` : '';
  return `retrying ${step.step} (attempt ${step.attempt}${of}): ${step.message}`;
}

/** How far a pass over the source has read: `412 of 1,170 MB read (35%)`. */
export function formatSourceRead(read: SourceReadProgress): string {
  // A file under 1 MB in MB reads as "0.0 of 0.0 MB": in KB it says something.
  const [unit, size] = (read.bytesTotal ?? read.bytesRead) < 1e6 ? ['KB', kilobytes] : ['MB', megabytes];
  if (read.bytesTotal === null || read.bytesTotal === 0) return `${size(read.bytesRead)} ${unit} read`;
  const percent = Math.min(100, Math.floor((read.bytesRead * 100) / read.bytesTotal));
  return `${size(read.bytesRead)} of ${size(read.bytesTotal)} ${unit} read (${percent}%)`;
}

function kilobytes(bytes: number): string {
  return String(Math.ceil(bytes / 1e3));
}

function megabytes(bytes: number): string {
  const mb = bytes / 1e6;
  return mb < 10 ? mb.toFixed(1) : Math.round(mb).toLocaleString('en-US');
}
