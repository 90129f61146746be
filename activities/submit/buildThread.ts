import { parentPort, workerData } from 'node:worker_threads';
import { buildBeforeInspectionEnds, buildFromSource, type BuildFolders } from './buildFromSource';
import type { BuildReply, BuildRequest } from './buildThreads';
import { partBuffers } from './part';

/**
 * A build thread's entry point: builds the batches it is sent and posts them back. Errors go back as
 * a message only; the main thread then builds the batch itself, and that error is the one reported.
 */
const folders = workerData as BuildFolders;
const port = parentPort;
if (port === null) throw new Error('buildThread runs as a worker thread only');
port.on('message', (request: BuildRequest) => {
  (request.early ? buildBeforeInspectionEnds : buildFromSource)(folders, request.job, request.batch).then(
    (built) => port.postMessage({ id: request.id, built } satisfies BuildReply, partBuffers(built.parts)),
    (error: unknown) => port.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) } satisfies BuildReply),
  );
});
