import type { ImportClientContext } from '../connect';
import { noWorkerWarning } from '../workerPresence';

/** How long a followed import may give no progress before `watch` says so: a few of its 1 s queries, and one 10 s deadline. */
export const SILENCE_SAID_AFTER_MS = 15_000;

export interface SilenceWatch {
  /** A progress answer came. */
  answered(): void;
  stop(): void;
}

/**
 * Says when a followed import has given no progress for a while (its worker killed, stopped or
 * cut off from Temporal), and when it answers again: before, `watch` showed a line that stopped
 * moving, without a word, for as long as the outage lasted.
 */
export function watchForSilence(ctx: ImportClientContext, say: (text: string) => void, silentMs = SILENCE_SAID_AFTER_MS): SilenceWatch {
  let lastAnswer = Date.now();
  // A look for a worker is under way, or its warning was shown: one warning a silence.
  let looking = false;
  let shown = false;
  const check = async () => {
    if (looking || shown || Date.now() - lastAnswer < silentMs) return;
    looking = true;
    const silentSince = lastAnswer;
    const noWorker = await noWorkerWarning(ctx).catch(() => null);
    looking = false;
    // An answer came while the worker was looked for: the warning would be the wrong last word.
    if (lastAnswer !== silentSince) return;
    shown = true;
    say(
      noWorker ??
        `no progress from the import for ${Math.round((Date.now() - silentSince) / 1000)} s: no worker answers for it (stopped, overloaded or cut off from Temporal). ` +
          'Still waiting: it goes on when a worker runs.',
    );
  };
  const timer = setInterval(() => void check(), Math.min(5_000, silentMs));
  timer.unref();
  return {
    answered() {
      lastAnswer = Date.now();
      if (!shown) return;
      shown = false;
      say('the import answers again');
    },
    stop() {
      clearInterval(timer);
    },
  };
}
