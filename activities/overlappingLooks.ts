import type { TaskInfo } from './xtremepush/client';

/**
 * Around the time a task is expected to end, looks at it every gap (lookSchedule in
 * common/firstPoll.ts: 20 to 100 ms, as even as the import's tasks are) without waiting for
 * the look before to answer. Looks that wait for each other sample the task once per round trip
 * plus a gap: with a 300 ms Task Info that is every 320 ms, and a task's end was seen on average
 * ~160 ms after it happened (bench (b), a batch's slot idle for that long every round). Overlapping
 * looks see it within about a gap, for a few looks more per task (bench (b): about 6 looks where there
 * were 2), and only here: they start at the hint (a little before this import's tasks have been
 * ending) and stop after OVERLAP_LOOKS.
 */
export const OVERLAP_LOOKS = 6;
/** After a 429 from the API (to any call of the worker), looks wait for each other this long. */
export const OVERLAP_PAUSE_AFTER_429_MS = 60_000;

/** A task whose look said it ended. */
export type EndedTask = TaskInfo & { status: Exclude<TaskInfo['status'], 'running'> };

export type OverlapOutcome =
  /** A look saw the task ended; `lookedAtMs` is when that look was sent. */
  | { done: true; task: EndedTask; lookedAtMs: number }
  /** Every look saw it running; the last answer's status. */
  | { done: false; rawStatus: string }
  /** A look failed and none saw the task end: the caller handles the error as a failed look. */
  | { done: false; error: unknown };

/**
 * Sends up to OVERLAP_LOOKS looks `gapMs` apart and settles on the first answer that the task
 * ended, or when every look has answered. After a failed look no more are sent (a 429 must not be
 * answered with more calls); the ones in flight may still see the end.
 */
export function overlappingLooks(look: (signal?: AbortSignal) => Promise<TaskInfo>, gapMs: number, signal?: AbortSignal): Promise<OverlapOutcome> {
  return new Promise((resolve) => {
    let sent = 0;
    let answered = 0;
    let settled = false;
    let error: unknown;
    let rawStatus = '';
    let timer: NodeJS.Timeout | undefined;
    const settle = (outcome: OverlapOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const send = () => {
      if (settled || error !== undefined) return;
      const lookedAtMs = Date.now();
      sent++;
      look(signal).then(
        (task) => {
          answered++;
          if (task.status !== 'running') settle({ done: true, task: { ...task, status: task.status }, lookedAtMs });
          else rawStatus = task.rawStatus;
          if (answered === sent && (sent === OVERLAP_LOOKS || error !== undefined)) settle(error === undefined ? { done: false, rawStatus } : { done: false, error });
        },
        (lookError: unknown) => {
          answered++;
          // Something to report even for a rejection without a reason.
          error ??= lookError ?? new Error('a Task Info look failed without a reason');
          clearTimeout(timer);
          if (answered === sent) settle({ done: false, error });
        },
      );
      if (sent < OVERLAP_LOOKS && error === undefined) timer = setTimeout(send, gapMs);
    };
    send();
  });
}
