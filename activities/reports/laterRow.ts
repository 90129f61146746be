import type { SourceFormat } from '../../common/source';
import type { IdentityAttribute } from '../rows/attributeNames';
import type { RowMapper } from '../rows';
import type { RejectedRow } from './rejectParts';

/** The words every later-row warning holds, by which a rejects file imported again is seen to carry one. */
const LATER_ROW = 'a later row has the';

/** What the identity index says of a rejected row (see IdentityIndexBuilder). */
export interface RowMarks {
  /** It could not be read as cells, and a later readable row has its identity as read. */
  laterRow: boolean;
  /** Earlier rows of its identity were left out for it. */
  earlierRows: boolean;
}

/**
 * The identity attribute a note may name: a CSV file's is its identity column's, for every row;
 * an NDJSON line's is its own (user_id, else device_id), which the mapper does not know of a line
 * it could not read.
 */
export function identityNamed(format: SourceFormat, mapper: RowMapper): IdentityAttribute | null {
  return format === 'csv' ? mapper.identityAttribute : null;
}

/**
 * A rejected row with what its marks mean for whoever fixes it, said in its reason; no value goes
 * into it.
 * - laterRow: fixed and imported after the later row, it would bring back older values.
 * - earlierRows: until it is fixed and imported, the profile gets nothing from the file, though an
 *   earlier row may have been valid; said, so that a rejects file left unfixed is not taken for a
 *   few rows lost.
 */
export function withNotes(rejected: RejectedRow, identity: IdentityAttribute | null, marks: RowMarks): RejectedRow {
  const attribute = identity ?? 'user_id or device_id';
  const note = marks.laterRow
    ? `${LATER_ROW} ${attribute} this row reads as: if that is this row's ${attribute}, leave this row out when you import the fixed rows, or its older values win`
    : marks.earlierRows
      ? `earlier rows of this ${attribute} were left out for this one, as the last row wins: until it is imported, the profile gets nothing from this file`
      : undefined;
  return note === undefined ? rejected : { ...rejected, reason: `${rejected.reason}; ${note}` };
}

/**
 * The reason of a row rejected again from a rejects file: where the round before warned of a
 * later row, the warning goes on, or a second round would lose it (the later row is not in a
 * rejects file) and the row, fixed then, would bring back older values.
 */
export function keepLaterRowWarning(reason: string, before: string | undefined): string {
  if (before === undefined || !before.includes(LATER_ROW) || reason.includes(LATER_ROW)) return reason;
  return `${reason}; the rejects file this row came from said that ${LATER_ROW} identity this row read as there: if that is this row's, leave it out when you import the fixed rows, or its older values win`;
}
