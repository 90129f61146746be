import type { ImportJob } from '../../common/batch';
import type { BatchPlan } from '../../common/plan';
import type { ActivityDeps } from '../deps';
import { buildFromSource, confirmEarlyBuild } from './buildFromSource';
import { BuildThreads } from './buildThreads';
import { PreparedBatches } from './preparedBatches';

/**
 * The worker's batch builds, shared by the inspection (which starts an import's first window) and
 * the submits (which take what is built and build ahead). Batches built ahead go to the build
 * threads; a submit whose batch is not ready builds it at once on the main thread, which would
 * otherwise wait: both kinds of core time go to rows.
 */
export function createBatchBuilds(deps: Pick<ActivityDeps, 'dataDir' | 'reportDir' | 'buildThreads'>): PreparedBatches {
  const folders = { dataDir: deps.dataDir, reportDir: deps.reportDir };
  const threads = deps.buildThreads > 0 && BuildThreads.available() ? new BuildThreads(deps.buildThreads, folders) : undefined;
  threads?.startAll();
  const build = (job: ImportJob, batch: BatchPlan) => buildFromSource(folders, job, batch);
  if (threads === undefined) return new PreparedBatches({ build });
  return new PreparedBatches({
    build,
    buildAhead: (job, batch) => threads.build(job, batch),
    // Only on threads: on the main thread, builds during the inspection would only slow it down.
    early: {
      build: (job, batch) => threads.build(job, batch, true),
      confirm: (job, builtWith, batch, built) => confirmEarlyBuild(folders, job, builtWith, batch, built),
    },
    parallel: threads.size,
  });
}
