import type { IdentityAttribute } from '../rows/attributeNames';
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

/** A rejected row with what its marks mean for whoever fixes it, said in its reason. */
export function withNotes(rejected: RejectedRow, identity: IdentityAttribute | null, marks: RowMarks): RejectedRow {
  if (marks.laterRow) return warnOfLaterRow(rejected, identity);
  return marks.earlierRows ? noteEarlierRows(rejected, identity) : rejected;
}

/**
 * A rejected row that could not be read as cells, and whose identity, as read, a later readable
 * row of the file has: fixed and imported after that row, it would bring back older values.
 * Said in the reason, where whoever fixes the row reads; no value goes into it.
 */
function warnOfLaterRow(rejected: RejectedRow, identity: IdentityAttribute | null): RejectedRow {
  const attribute = identity ?? 'user_id or device_id';
  return {
    ...rejected,
    reason: `${rejected.reason}; ${LATER_ROW} ${attribute} this row reads as: if that is this row's ${attribute}, leave this row out when you import the fixed rows, or its older values win`,
  };
}

/**
 * A rejected row of an identity whose earlier rows were left out for it ("the last row wins"):
 * until it is fixed and imported, the profile gets nothing from the file, though an earlier row
 * may have been valid. Said, so that a rejects file left unfixed is not taken for a few rows lost.
 */
function noteEarlierRows(rejected: RejectedRow, identity: IdentityAttribute | null): RejectedRow {
  const attribute = identity ?? 'user_id or device_id';
  return {
    ...rejected,
    reason: `${rejected.reason}; earlier rows of this ${attribute} were left out for this one, as the last row wins: until it is imported, the profile gets nothing from this file`,
  };
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
