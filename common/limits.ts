/** Limits and defaults that come from the Xtremepush API or from our own design. */

/** import/profile accepts at most this many rows per request (documented). */
export const MAX_ROWS_PER_REQUEST = 10_000;

/** From this many rows a request is processed asynchronously and answered with a task ID (documented). */
export const ASYNC_ROW_THRESHOLD = 100;

export const DEFAULT_BATCH_SIZE = MAX_ROWS_PER_REQUEST;
export const DEFAULT_CONCURRENCY = 4;
export const MAX_CONCURRENCY = 64;

export const DEFAULT_TASK_QUEUE = 'xp-import';
export const DEFAULT_NAMESPACE = 'default';
export const DEFAULT_TEMPORAL_ADDRESS = 'localhost:7233';
export const DEFAULT_XTREMEPUSH_API_URL = 'https://external-api.xtremepush.com';

/**
 * Batches planned per planning page. A page travels through Temporal as one payload,
 * so it is sized to stay far below the 256 KB payload warning (about 80 bytes a batch).
 */
export const BATCHES_PER_PLAN_PAGE = 500;
