import type { XtremepushClient } from '../activities/xtremepush/client';
import { AuthenticationError, ForbiddenError, RefusedByProxyError } from '../activities/xtremepush/errors';
import { ConfigError } from './config';

/** Long enough for a slow API, short enough that a worker that cannot reach it still starts soon. */
const API_CHECK_TIMEOUT_MS = 15_000;

/**
 * One cheap call before the worker takes work: a token the API refuses (or a proxy in front of it)
 * stops the worker at start, with the same message an import would fail with. Before, such a
 * worker started, wrote its health file, and failed the imports it picked up while the others
 * succeeded, and a rolling token rotation that waits for healthy workers would have rolled a
 * mistyped token onto every worker. An API that does not answer is no reason not to start (the
 * imports retry): it is told to `onUnreachable`, and the worker starts.
 */
export async function checkApiAtStart(xtremepush: XtremepushClient, onUnreachable: (reason: string) => void): Promise<void> {
  try {
    await xtremepush.checkCredentials(AbortSignal.timeout(API_CHECK_TIMEOUT_MS));
  } catch (error) {
    if (error instanceof AuthenticationError || error instanceof ForbiddenError || error instanceof RefusedByProxyError) {
      throw new ConfigError(`the Xtremepush API refused this worker's first call, so it does not start: ${error.message}`);
    }
    onUnreachable(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  }
}
