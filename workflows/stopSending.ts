import { CancellationScope } from '@temporalio/workflow';
import type { SubmitBatchResult } from '../common/batch';
import { ABANDONED_FAILURE_CODE, CANCELLED_FAILURE_CODE } from '../common/batchIds';
import type { BatchPlan } from '../common/plan';
import type { FailureSummary } from '../common/report';
import { batchLabel, remainsOfSubmit, sum, unsentOf, type SubmitJournalReaders } from './batchResult';

/**
 * A plain cancel ("batches already sent finish") also stops what has not been sent: a submit
 * waiting out a 429 or posting a batch's later requests. Before, such a batch went on trying until
 * the API took it, so a cancel during a rate limit could take as long as the limit lasted.
 */

/** patched() id: a plain cancel stops the import's submits and tells its batch workflows to send nothing more. */
export const CANCEL_STOPS_SENDING = 'cancel-stops-sending';

/**
 * What a plain cancel stops. Each submit runs in a scope of its own, so that cancelling it leaves
 * its batch's waits for tasks already posted alone; a batch workflow is told by a signal.
 */
export class SendingStops {
  private stopping = false;
  private readonly stoppers = new Set<() => void>();

  get stopped(): boolean {
    return this.stopping;
  }

  /** Runs a submit so that stopAll() cancels it (the submit then says what it posted). */
  async run<T>(submit: () => Promise<T>): Promise<T> {
    const scope = new CancellationScope();
    const unregister = this.register(() => scope.cancel());
    try {
      return await scope.run(submit);
    } finally {
      unregister();
    }
  }

  /** Calls `stop` when the sending stops (at once if it has); returns what forgets it. */
  register(stop: () => void): () => void {
    if (this.stopping) {
      stop();
      return () => undefined;
    }
    this.stoppers.add(stop);
    return () => this.stoppers.delete(stop);
  }

  stopAll(): void {
    this.stopping = true;
    for (const stop of this.stoppers) stop();
    this.stoppers.clear();
  }
}

export function notSentFailure(batch: BatchPlan, rows: number): FailureSummary {
  return { code: CANCELLED_FAILURE_CODE, message: `${batchLabel(batch)}: the import was cancelled before ${rows} row(s) of it were sent` };
}

/** A submit stopped by a plain cancel while posting: its batch is cancelled (what it posted is still waited for), not abandoned. */
export function cancelledWhilePosting(submission: SubmitBatchResult, batch: BatchPlan): SubmitBatchResult {
  if (submission.failure?.code !== ABANDONED_FAILURE_CODE) return submission;
  return { ...submission, failure: notSentFailure(batch, submission.rows.unsent) };
}

/**
 * A submit stopped by a plain cancel while it waited for its next attempt (the server answers such
 * a cancel at once): what its earlier attempts posted, read from its journal, is waited for like
 * any submission's; the rows refused are rejected; the rest of the `asked` rows are not sent.
 */
export async function stoppedBetweenAttempts(importId: string, batch: BatchPlan, asked: number, firstSubmit: boolean, readers: SubmitJournalReaders): Promise<SubmitBatchResult> {
  const remains = await remainsOfSubmit(readers, importId, batch, firstSubmit);
  const sent = sum(remains.requests.map((r) => r.rows));
  const unsent = unsentOf(remains, asked);
  return {
    requests: remains.requests,
    rows: { total: batch.rowCount, sent, rejected: remains.rejectedRows, skipped: 0, unsent },
    retries: remains.retries ?? {},
    possibleDuplicates: remains.possibleDuplicates ?? 0,
    warnings: 0,
    ...(unsent > 0 ? { failure: notSentFailure(batch, unsent) } : {}),
    ...(unsent > 0 && remains.unknownKeys.length > 0 ? { unknownKeys: remains.unknownKeys } : {}),
  };
}
