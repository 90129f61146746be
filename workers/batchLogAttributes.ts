import type { ActivityInterceptorsFactory } from '@temporalio/worker';

/** The batch (1-based, as `status` and the UI name it) an activity's input is about, if any. */
export function batchNumberOf(input: unknown): number | undefined {
  if (input === null || typeof input !== 'object') return undefined;
  const { batch, batchIndex } = input as { batch?: { index?: unknown }; batchIndex?: unknown };
  const index = typeof batch?.index === 'number' ? batch.index : batchIndex;
  return typeof index === 'number' ? index + 1 : undefined;
}

/**
 * Adds `batch` to every log line of an activity about one batch (its submit, its wait): the SDK's
 * own lines ("Activity failed") name only the workflow and a sequence number, and a submit run by
 * the import has the import's workflow ID, so nothing said which batch a retry was about.
 */
export const batchLogAttributes: ActivityInterceptorsFactory = () => {
  let batch: number | undefined;
  return {
    inbound: {
      execute(input, next) {
        batch = batchNumberOf(input.args[0]);
        return next(input);
      },
    },
    outbound: {
      getLogAttributes(attributes, next) {
        return next(batch === undefined ? attributes : { ...attributes, batch });
      },
    },
  };
};
