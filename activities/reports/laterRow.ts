import type { IdentityAttribute } from '../rows/attributeNames';
import type { RejectedRow } from './rejectParts';

/** The words every later-row warning holds, by which a rejects file imported again is seen to carry one. */
const LATER_ROW = 'a later row has the';

/**
 * A rejected row that could not be read as cells, and whose identity, as read, a later readable
 * row of the file has: fixed and imported after that row, it would bring back older values.
 * Said in the reason, where whoever fixes the row reads; no value goes into it.
 */
export function warnOfLaterRow(rejected: RejectedRow, identity: IdentityAttribute | null): RejectedRow {
  const attribute = identity ?? 'user_id or device_id';
  return {
    ...rejected,
    reason: `${rejected.reason}; ${LATER_ROW} ${attribute} this row reads as: if that is this row's ${attribute}, leave this row out when you import the fixed rows, or its older values win`,
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
