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
}
