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
  let said = false;
  const check = async () => {
    if (said || Date.now() - lastAnswer < silentMs) return;
    said = true;
    const silentS = Math.round((Date.now() - lastAnswer) / 1000);
    const noWorker = await noWorkerWarning(ctx).catch(() => null);
    say(
      noWorker ??
        `no progress from the import for ${silentS} s: no worker answers for it (stopped, overloaded or cut off from Temporal). ` +
          'Still waiting: it goes on when a worker runs.',
    );
  };
  const timer = setInterval(() => void check(), Math.min(5_000, silentMs));
  timer.unref();
  return {
    answered() {
      lastAnswer = Date.now();
      if (!said) return;
      said = false;
      say('the import answers again');
    },
    stop() {
      clearInterval(timer);
    },
  };
}
