import { setTimeout as sleep } from 'node:timers/promises';
import { isGrpcServiceError, type WorkflowHandle } from '@temporalio/client';

/** gRPC codes (UNAVAILABLE, DEADLINE_EXCEEDED) of a server that is away (restarting, a network cut), as opposed to one that refuses. */
const AWAY_CODES: readonly number[] = [14, 4];
/** How long a wait for an import's end lets a server that is away be, before asking again. */
export const OUTAGE_RETRY_MS = 2_000;

/** The error, or one of its causes, says the server could not be reached. */
export function serverAway(error: unknown): boolean {
  for (let cause: unknown = error, depth = 0; cause !== undefined && cause !== null && depth < 5; depth++) {
    if (isGrpcServiceError(cause) && AWAY_CODES.includes(Number(cause.code))) return true;
    cause = (cause as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * The workflow's end, asked for again while the server is away. The SDK gives up on a server gone
 * for about 20 s ("Failed to get Workflow execution history"), and `watch` and `start --wait` then
 * ended with exit 1 (which means rejected rows) and a stack trace, while the import itself went on
 * as soon as the server was back. Any other error, and a stop, end the wait as before.
 */
export async function endOutlastingOutages(handle: WorkflowHandle, signal: AbortSignal): Promise<unknown> {
  for (;;) {
    try {
      return await handle.result();
    } catch (error) {
      if (signal.aborted || !serverAway(error)) throw error;
      await sleep(OUTAGE_RETRY_MS, undefined, { signal }).catch(() => undefined);
      if (signal.aborted) throw error;
    }
  }
}
