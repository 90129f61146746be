import { CancellationScope, CancelledFailure, condition, getExternalWorkflowHandle, ParentClosePolicy, patched, setHandler } from '@temporalio/workflow';
import { batchWorkflowId } from '../common/batchIds';
import { batchEndedSignal, stopSendingSignal, type BatchEnded } from '../common/messages';
import type { BatchPlan } from '../common/plan';
import type { BatchResult } from '../common/report';
import { failureFrom } from './failures';
import type { SendingStops } from './stopSending';

/**
 * patched() id: batch workflows outlive the run of the import that started them. A run that
 * continues as new hands the ones still running (a long task, a stuck one waiting for an
 * operator) to the next run instead of waiting for them all: before, one stuck batch at a run's
 * end stopped the whole import until an operator came.
 */
export const BATCH_WORKFLOWS_OUTLIVE_A_RUN = 'batch-workflows-outlive-a-run';

export type BatchEnd = { result: BatchResult } | { error: unknown };

/**
 * The batch workflows of an import that go on from one run to the next. A run hands on once every
 * batch in flight is a batch workflow that can outlive it and has been told so (`handOverSignal`);
 * such a workflow then reports its end by signal, which reaches the newest run. The run that
 * takes them over counts them in flight, as batches of its own, and stops or cancels them through
 * their workflow IDs.
 */
export class HandedOverBatches {
  /** Batches whose end comes by signal: handed over by this run, or by the run before. */
  private readonly bySignal = new Set<number>();
  /** This run's batch workflows that can outlive it, and how to tell one it is handed over. */
  private readonly outliving = new Map<number, () => Promise<void>>();

  constructor(
    private readonly importId: string,
    private readonly inFlight: Map<number, BatchPlan>,
  ) {}

  /**
   * Takes over the batches the run before handed on (in flight here, stopped or abandoned with the
   * rest), then listens for ends; in that order, since a signal that came before this run's first
   * step is handed to the handler as soon as it is set.
   */
  begin(handedOver: readonly BatchPlan[], scope: CancellationScope, stops: SendingStops, onEnd: (batch: BatchPlan, end: BatchEnd) => void): void {
    this.takeOver(handedOver, scope, stops);
    setHandler(batchEndedSignal, (ended) => {
      const batch = this.inFlight.get(ended.index);
      if (batch === undefined || !this.bySignal.delete(ended.index)) return;
      onEnd(batch, 'result' in ended ? { result: ended.result } : { error: errorOf(ended) });
    });
  }

  private takeOver(batches: readonly BatchPlan[], scope: CancellationScope, stops: SendingStops): void {
    for (const batch of batches) {
      this.inFlight.set(batch.index, batch);
      this.bySignal.add(batch.index);
      const workflow = getExternalWorkflowHandle(batchWorkflowId(this.importId, batch.index + 1));
      // One that has ended by then cannot be signalled or cancelled: nothing is lost.
      stops.register(() => void workflow.signal(stopSendingSignal).catch(() => undefined));
      void scope.run(async () => {
        try {
          await CancellationScope.current().cancelRequested;
        } catch {
          await CancellationScope.nonCancellable(() => workflow.cancel()).catch(() => undefined);
        }
      });
    }
  }

  /** How a batch workflow is started now: one that can outlive this run is not closed with it. */
  startOptions(): { parentClosePolicy?: ParentClosePolicy } {
    return patched(BATCH_WORKFLOWS_OUTLIVE_A_RUN) ? { parentClosePolicy: ParentClosePolicy.ABANDON } : {};
  }

  /** A batch workflow started with `startOptions` that can outlive this run, and how to tell it so. */
  started(index: number, options: { parentClosePolicy?: ParentClosePolicy }, tell: () => Promise<void>): void {
    if (options.parentClosePolicy === ParentClosePolicy.ABANDON) this.outliving.set(index, tell);
  }

  ended(index: number): void {
    this.outliving.delete(index);
  }

  /**
   * Waits until every batch in flight is a batch workflow that can outlive this run (submits, and
   * workflows that cannot, end first), and tells each it is handed over. One that ended before it
   * was told reports its end here, as any batch of this run does.
   */
  async handOver(): Promise<void> {
    await condition(() => [...this.inFlight.keys()].every((index) => this.bySignal.has(index) || this.outliving.has(index)));
    const untold = [...this.inFlight.keys()].filter((index) => !this.bySignal.has(index));
    await Promise.all(
      untold.map(async (index) => {
        const told = await (this.outliving.get(index) as () => Promise<void>)().then(
          () => true,
          () => false,
        );
        if (told) this.bySignal.add(index);
      }),
    );
  }

  /** Whether every batch in flight reports its end by signal, so the run can hand on. */
  allHandedOver(): boolean {
    return [...this.inFlight.keys()].every((index) => this.bySignal.has(index));
  }

  /** The batches the next run takes over. */
  handedOver(): BatchPlan[] {
    return [...this.inFlight.values()].filter((batch) => this.bySignal.has(batch.index));
  }
}

/** A handed-over batch workflow's failure, as the error its result would have thrown. */
function errorOf(ended: Extract<BatchEnded, { failure: unknown }>): Error {
  if (ended.cancelled) return new CancelledFailure(ended.failure.message);
  return failureFrom(ended.failure);
}
