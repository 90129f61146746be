import { createAwaitImportTask } from './awaitTask';
import type { ActivityDeps } from './deps';
import { toApplicationFailure } from './failures';
import { createReportActivities } from './reports/writeReport';
import { createSourceActivities } from './sourceActivities';
import { createSubmitBatch } from './submit/submitBatch';

/**
 * Every activity of xp-import, bound to the worker's folders and API client. Workflows import only
 * the type, through proxyActivities.
 */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createSourceActivities(deps),
    ...createReportActivities(deps.reportDir),
    submitBatch: createSubmitBatch(deps),
    awaitImportTask: createAwaitImportTask(deps),
    /** One cheap API call before anything is sent: a wrong token stops the import at once. */
    async checkXtremepushAccess(): Promise<void> {
      try {
        await deps.xtremepush.checkCredentials();
      } catch (error) {
        throw toApplicationFailure(error);
      }
    },
  };
}

export type ImportActivities = ReturnType<typeof createActivities>;
export type { ActivityDeps } from './deps';
