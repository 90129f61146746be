import type { Progress } from './progress';

/** One line for logs, `watch` on a pipe and the workflow's current details. */
export function formatProgressLine(p: Progress): string {
  const total = p.rows.total === null ? '?' : p.rows.total.toLocaleString('en-US');
  const eta = p.etaSeconds === null ? '' : `, ETA ${Math.ceil(p.etaSeconds)}s`;
  return (
    `${p.phase}: ${p.rows.done.toLocaleString('en-US')}/${total} rows ` +
    `(${p.rows.imported} imported, ${p.rows.rejected} rejected, ${p.rows.skipped} skipped), ` +
    `batches ${p.batches.done}/${p.batches.total ?? '?'} (${p.batches.inFlight} in flight${p.batches.stuck ? `, ${p.batches.stuck} stuck` : ''}), ` +
    `${Math.round(p.rowsPerSecond)} rows/s${eta}`
  );
}
