import type { XtremepushClient } from './xtremepush/client';

/** What activities need from the worker: folders and an API client. Never passed through Temporal. */
export interface ActivityDeps {
  /** The only folder local sources are read from. */
  dataDir: string | undefined;
  /** Where reports and rejects files are written. */
  reportDir: string;
  xtremepush: XtremepushClient;
  /** Threads that build batches ahead of their submit (0: the main thread builds them). */
  buildThreads: number;
  /**
   * Task Info looks the first attempt of awaitImportTask may make itself (DENSE_POLLS by default).
   * 1 under XP_IMPORT_API_RATE_LIMIT: that limit counts activity starts, so every look is one.
   */
  looksPerFirstAttempt?: number;
  /**
   * True once the worker is asked to stop: its shutdown grace is for the requests in flight, so a
   * submit starts no new one (the next attempt, on another worker, sends the rest).
   */
  stopping?: () => boolean;
}
