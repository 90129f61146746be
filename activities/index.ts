import { createAwaitImportTask } from './awaitTask';
import type { ActivityDeps } from './deps';
import { reportingFailures } from './failures';
import { heartbeatWhile } from './heartbeats';
import { REPORT_FOLDER_ACTIVITIES } from '../common/batchIds';
import { createReportActivities } from './reports/writeReport';
import { createSourceActivities } from './sourceActivities';
import type { XtremepushAccess } from '../common/batch';
import { createBatchBuilds } from './submit/batchBuilds';
import { createPostedRequests, createSubmitBatch, createSubmitRemains, submitsWatchTasks } from './submit/submitBatch';

/**
 * Every activity of xp-import, bound to the worker's folders and API client. Workflows import only
 * the type, through proxyActivities.
 */
export function createActivities(deps: ActivityDeps) {
  const builds = createBatchBuilds(deps);
  const activities = {
    ...createSourceActivities(deps, builds),
    ...createReportActivities(deps.reportDir),
    submitBatch: createSubmitBatch(deps, builds),
    postedRequests: createPostedRequests(deps),
    submitRemains: createSubmitRemains(deps),
    awaitImportTask: createAwaitImportTask(deps),
    /**
     * One cheap API call before anything is sent: a wrong token stops the import at once. It also
     * says whether this worker's submits watch their tasks, so that an import whose workers do not
     * starts its batches as batch workflows, which wait for them.
     */
    checkXtremepushAccess: async (): Promise<XtremepushAccess> => {
      await deps.xtremepush.checkCredentials();
      return { watchesTasks: submitsWatchTasks(deps) };
    },
  };
  return Object.fromEntries(
    Object.entries(activities).map(([name, fn]) => {
      const activity = fn as (...args: unknown[]) => Promise<unknown>;
      return [name, reportingFailures(BOOKKEEPING.has(name) ? (...args: unknown[]) => heartbeatWhile(activity(...args)) : activity)];
    }),
  ) as typeof activities;
}

const BOOKKEEPING = new Set<string>(REPORT_FOLDER_ACTIVITIES);

export type ImportActivities = ReturnType<typeof createActivities>;
export type { ActivityDeps } from './deps';
