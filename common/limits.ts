/** Limits and defaults that come from the Xtremepush API or from our own design. */

/** import/profile accepts at most this many rows per request (documented). */
export const MAX_ROWS_PER_REQUEST = 10_000;

/** From this many rows a request is processed asynchronously and answered with a task ID (documented). */
export const ASYNC_ROW_THRESHOLD = 100;

export const DEFAULT_BATCH_SIZE = MAX_ROWS_PER_REQUEST;
export const DEFAULT_CONCURRENCY = 4;
export const MAX_CONCURRENCY = 64;

/**
 * The stuck-task watchdog: a task still running this long after its POST is reported stuck, for an
 * operator to resolve (resubmit or abandon). The workflow takes it for an input that names none.
 */
export const DEFAULT_STUCK_AFTER_MS = 30 * 60_000;
/** Below a minute the watchdog would fire on tasks that are only slow: a first look at a task alone may take 20 s. */
export const MIN_STUCK_AFTER_MS = 60_000;
/** A task still running after a week will not end by itself; the import would hold its batch that long. */
export const MAX_STUCK_AFTER_MS = 7 * 24 * 3_600_000;

export const DEFAULT_TASK_QUEUE = 'xp-import';
export const DEFAULT_NAMESPACE = 'default';
export const DEFAULT_TEMPORAL_ADDRESS = 'localhost:7233';
export const DEFAULT_XTREMEPUSH_API_URL = 'https://external-api.xtremepush.com';

/**
 * Batches planned per planning page. A page travels through Temporal as one payload,
 * so it is sized to stay far below the 256 KB payload warning (about 80 bytes a batch).
 */
export const BATCHES_PER_PLAN_PAGE = 500;
