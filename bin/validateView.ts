import type { ValidationSummary } from '../common/validation';

const n = (value: number) => value.toLocaleString('en-US');
const DELIMITER_NAMES: Record<string, string> = { ',': 'comma', ';': 'semicolon', '\t': 'tab', '|': 'pipe' };
/** Reasons can be long (they say what to do, and may warn of a later row); the list stays one screen. */
const MAX_REASON_CHARS = 400;

function counts(record: Record<string, number>): string {
  return Object.entries(record)
    .map(([code, count]) => `${code} ${n(count)}`)
    .join(', ');
}

/** The summary of `xp-import validate` for people: counts first, then what to fix and where. */
export function formatValidation(summary: ValidationSummary): string {
  const { rows } = summary;
  const unused = summary.unusedMappingKeys.length;
  const rowsVerdict =
    rows.total === 0
      ? 'the file has no data rows, nothing to import'
      : rows.rejected > 0
        ? `${n(rows.rejected)} row${rows.rejected === 1 ? '' : 's'} would be rejected`
        : unused === 0
          ? 'every row is valid'
          : 'every row is valid as read';
  const verdict = [rowsVerdict, ...(unused === 0 ? [] : [`the mapping names ${unused === 1 ? 'a key' : `${unused} keys`} no line has`])].join('; ');
  const delimiter = summary.delimiter === undefined ? '' : `, ${DELIMITER_NAMES[summary.delimiter] ?? summary.delimiter}-separated`;
  const lines = [
    `${summary.source} (${summary.format}${delimiter}): ${verdict}`,
    `  rows        ${n(rows.total)} total: ${n(rows.valid)} valid, ${n(rows.rejected)} rejected, ${n(rows.duplicates)} duplicate${rows.duplicates === 1 ? '' : 's'}` +
      // The import's report calls them superseded: the same rows, one word for both once explained.
      (rows.duplicates > 0 ? ' (superseded by a later row of the same profile: an import skips them, and its report counts them as superseded)' : ''),
  ];
  if (summary.blankLines > 0) lines.push(`  blank lines ${n(summary.blankLines)} (ignored)`);
  if (summary.identity !== null) lines.push(`  identity    ${summary.identity}`);
  if (summary.unusedMappingKeys.length > 0) {
    lines.push(`  mapping     names keys no line has: ${summary.unusedMappingKeys.map((k) => JSON.stringify(k)).join(', ')} (spelled as in the file?)`);
  }
  if (summary.attributes.length > 0) lines.push(`  would send  ${summary.attributes.map((a) => `${a.name} (${n(a.rows)})`).join(', ')}`);
  if (rows.rejected > 0) lines.push(`  rejected    ${counts(summary.rejectedByCode)}`);
  if (Object.keys(summary.warningsByCode).length > 0) lines.push(`  warnings    ${counts(summary.warningsByCode)} (sent as they are)`);
  if (summary.firstErrors.length > 0) {
    const more = rows.rejected - summary.firstErrors.length;
    lines.push(`  first ${summary.firstErrors.length === 1 ? 'error' : `${summary.firstErrors.length} errors`}${more > 0 ? ` (${n(more)} more)` : ''}:`);
    for (const error of summary.firstErrors) {
      const column = error.column === null ? '' : `, column ${JSON.stringify(error.column)}`;
      const reason = error.reason.length > MAX_REASON_CHARS ? `${error.reason.slice(0, MAX_REASON_CHARS - 1)}…` : error.reason;
      lines.push(`    row ${n(error.row)} (line ${n(error.line)}${column}) ${error.code}: ${reason}`);
    }
  }
  if (summary.firstWarnings.length > 0) {
    const warned = Object.values(summary.warningsByCode).reduce((a, b) => a + b, 0);
    const more = warned - summary.firstWarnings.length;
    lines.push(`  first ${summary.firstWarnings.length === 1 ? 'warning' : `${summary.firstWarnings.length} warnings`}${more > 0 ? ` (${n(more)} more)` : ''}:`);
    for (const warning of summary.firstWarnings) {
      const column = warning.column === null ? '' : `, column ${JSON.stringify(warning.column)}`;
      lines.push(`    row ${n(warning.row)} (line ${n(warning.line)}${column}) ${warning.code}: ${warning.reason}`);
    }
  }
  if (summary.rejectsFile !== null) lines.push(`  rejects     ${summary.rejectsFile}${rows.rejected === 0 ? ' (empty)' : ''}`);
  else if (rows.rejected > 0) lines.push('  rejects     add --rejects FILE to write the rejected rows with their values, ready to fix');
  lines.push(`  time        ${(summary.durationMs / 1000).toFixed(1)} s, ${n(Math.round(summary.rowsPerSecond))} rows/s`);
  return lines.join('\n');
}
