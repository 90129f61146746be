/**
 * `work` over `items` with up to `depth` calls in flight, the results handed back in the items'
 * order. The end of an import touches one small file per batch (reject parts, submit journals):
 * one at a time, a 10,000-batch import's report came 8–10 s after its last batch, nearly all of
 * it waiting on the file system one call after another.
 *
 * A call that fails throws at its turn, as it would one at a time; the calls already started go
 * on, and what they throw is dropped (it would have come after the first failure anyway).
 */
export async function* aheadInOrder<T, R>(items: readonly T[], depth: number, work: (item: T) => Promise<R>): AsyncGenerator<R> {
  if (!Number.isInteger(depth) || depth < 1) throw new RangeError(`depth must be a positive integer, got ${depth}`);
  const inFlight: Array<Promise<R>> = [];
  let next = 0;
  const startMore = () => {
    while (inFlight.length < depth && next < items.length) {
      const call = work(items[next++] as T);
      call.catch(() => undefined); // awaited at its turn; this only keeps a later failure from counting as unhandled
      inFlight.push(call);
    }
  };
  startMore();
  while (inFlight.length > 0) {
    const result = await (inFlight.shift() as Promise<R>);
    // The next calls start before this result is used, so they run while the caller works on it.
    startMore();
    yield result;
  }
}
