import type { ImportJob } from '../../common/batch';
import type { BatchPlan } from '../../common/plan';
import { supersededRowsIn } from '../dedupe';
import { ReportPaths } from '../reports/reportPaths';
import { readBlockDigests } from '../source/blockDigests';
import { openSource } from '../sourceAccess';
import { buildBatch, type BuiltBatch } from './buildBatch';

/** The worker's folders: all a build needs besides the job, so it can run on any thread. */
export interface BuildFolders {
  dataDir: string | undefined;
  reportDir: string;
}

/** A batch's rows, from its byte range of the source, mapped and without the rows a later one supersedes. */
export async function buildFromSource(folders: BuildFolders, job: ImportJob, batch: BatchPlan): Promise<BuiltBatch> {
  const source = await openSource(folders.dataDir, job.source);
  // Rows a later row of the file supersedes (written by the inspection): never sent, whatever order batches finish in.
  const paths = new ReportPaths(folders.reportDir, job.importId);
  const superseded = await supersededRowsIn(paths.superseded, batch.firstRow, batch.firstRow + batch.rowCount - 1);
  // The bytes the inspection read, block by block (none for imports inspected before digests were taken).
  const digests = await readBlockDigests(paths.sourceDigests, batch.startByte, batch.endByte);
  return buildBatch(source, job, batch, superseded, digests);
}
