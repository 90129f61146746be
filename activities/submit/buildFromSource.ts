import { isDeepStrictEqual } from 'node:util';
import type { ImportJob } from '../../common/batch';
import type { BatchPlan, SourceLayout } from '../../common/plan';
import { markedRowsIn, supersededRowsIn } from '../dedupe';
import { ReportPaths } from '../reports/reportPaths';
import { BlockRecorder, readBlockDigests, sameBlocks, type BlockDigestSlice } from '../source/blockDigests';
import { openSource } from '../sourceAccess';
import { buildBatch, type BuiltBatch } from './buildBatch';

/** The worker's folders: all a build needs besides the job, so it can run on any thread. */
export interface BuildFolders {
  dataDir: string | undefined;
  reportDir: string;
}

/** A batch built while the inspection still ran: what it read, to be compared with what the inspection read. */
export interface EarlyBuiltBatch extends BuiltBatch {
  readDigests: BlockDigestSlice;
}

/** A batch's rows, from its byte range of the source, mapped and without the rows a later one supersedes. */
export async function buildFromSource(folders: BuildFolders, job: ImportJob, batch: BatchPlan): Promise<BuiltBatch> {
  const source = await openSource(folders.dataDir, job.source);
  const { digests, ...rows } = await inspectedFor(folders, job, batch);
  return buildBatch(source, job, batch, rows, digests);
}

/** What the inspection wrote about a batch's range, which every build of it reads. */
async function inspectedFor(folders: BuildFolders, job: ImportJob, batch: BatchPlan) {
  const paths = new ReportPaths(folders.reportDir, job.importId);
  const lastRow = batch.firstRow + batch.rowCount - 1;
  return {
    // Rows a later row of the file supersedes: never sent, whatever order batches finish in.
    superseded: await supersededRowsIn(paths.superseded, batch.firstRow, lastRow),
    // Rejected rows whose reason warns of a later row of their identity.
    unreadableSuperseded: await markedRowsIn(paths.unreadableSuperseded, batch.firstRow, lastRow),
    // Rejected rows whose reason says that earlier rows of their identity were left out for them.
    superseding: await markedRowsIn(paths.superseding, batch.firstRow, lastRow),
    // The bytes the inspection read, block by block (none for imports inspected before digests were taken).
    digests: await readBlockDigests(paths.sourceDigests, batch.startByte, batch.endByte),
  };
}

/**
 * A batch of an import's first window, built while the inspection still reads the file: without the
 * superseded rows and the block digests, which the inspection writes only at its end. It stands for
 * `buildFromSource` only once `confirmEarlyBuild` has found that neither would have changed it.
 */
export async function buildBeforeInspectionEnds(folders: BuildFolders, job: ImportJob, batch: BatchPlan): Promise<EarlyBuiltBatch> {
  const source = await openSource(folders.dataDir, job.source);
  const recorder = new BlockRecorder(batch.startByte, batch.endByte);
  const built = await buildBatch(source, job, batch, undefined, recorder);
  return { ...built, readDigests: recorder.slice() };
}

/**
 * Whether a batch built before the inspection ended is exactly what `buildFromSource` builds now: the
 * same layout, no row of it superseded by a later one, and its bytes those the inspection took the
 * digests of. Anything else (an identity seen again later in the file, a file rewritten during the
 * inspection, an import inspected without digests) and the batch is built again.
 */
export async function confirmEarlyBuild(folders: BuildFolders, job: ImportJob, builtWith: ImportJob, batch: BatchPlan, built: BuiltBatch): Promise<boolean> {
  if (!('readDigests' in built) || !sameLayout(job.layout, builtWith.layout)) return false;
  const { superseded, unreadableSuperseded, superseding, digests } = await inspectedFor(folders, job, batch);
  // A superseding row changes the build only where it is rejected: its reason then says so.
  const rejected = new Set(built.rejects.map((reject) => reject.row));
  const notedRejects = Array.from(superseding).some((row) => rejected.has(row));
  return superseded.length === 0 && unreadableSuperseded.length === 0 && !notedRejects && digests !== undefined && sameBlocks(digests, (built as EarlyBuiltBatch).readDigests);
}

/** Layouts equal in all a build reads: the content hash, known only at the inspection's end, aside. */
export function sameLayout(a: SourceLayout, b: SourceLayout): boolean {
  const unhashed = (layout: SourceLayout) => ({ ...layout, fingerprint: { ...layout.fingerprint, sha256: '' } });
  return isDeepStrictEqual(unhashed(a), unhashed(b));
}
