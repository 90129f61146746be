/**
 * Import IDs become workflow IDs and the names of folders under XP_IMPORT_REPORT_DIR: a safe
 * alphabet, and no way out of that folder (no "/", no leading "."). Here, zod-free, for the workflow.
 */
export const IMPORT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
export const IMPORT_ID_RULE = 'use letters, digits, ".", "_" and "-" (starting with a letter or digit)';
/** Folder names of most file systems stop at 255 bytes; batch workflow IDs add `/batch-<n>` to it. */
export const IMPORT_ID_MAX_LENGTH = 200;

/** The workflow ID of batch `n` (1-based, as the UI and reports number batches). */
export function batchWorkflowId(importId: string, batchNumber: number): string {
  return `${importId}/batch-${batchNumber}`;
}

/** Failure types that end the whole import at once: retrying batches cannot fix them. */
export const FATAL_FAILURE_TYPES = [
  'AuthenticationError',
  'ForbiddenError',
  'EndpointError',
  'RefusedByProxyError',
  'RowsRefusedError',
  'SourceChangedError',
  'SourceFormatError',
  'SourceAccessError',
  'MappingError',
] as const;

/**
 * The failure code of a batch abandoned by a cancel (`cancel --abandon`, or a fatal error in
 * another batch): also what a submit returns when the cancel stopped it posting.
 */
export const ABANDONED_FAILURE_CODE = 'Abandoned';

/** The failure code of a batch cancelled before all of it was sent (a plain cancel, or one never started). */
export const CANCELLED_FAILURE_CODE = 'Cancelled';

/** A stuck task is looked at once a minute: one Task Info call, and an operator's decision is rarely quicker. */
export const DEFAULT_STUCK_LOOK_EVERY_MS = 60_000;

/** The activities that read and write the report folder: they heartbeat on a timer, and their options time a heartbeat out. */
export const REPORT_FOLDER_ACTIVITIES = ['recordBatchResults', 'writeReport', 'loadRetryPlan', 'postedRequests', 'submitRemains'] as const;
