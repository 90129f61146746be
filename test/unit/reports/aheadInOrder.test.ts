import { describe, expect, it } from 'vitest';
import { aheadInOrder } from '../../../activities/aheadInOrder';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Calls that end in the reverse of the order they start in, counting how many run at once. */
function reversedCalls(count: number) {
  const state = { running: 0, most: 0, started: [] as number[] };
  const work = async (item: number) => {
    state.started.push(item);
    state.running++;
    state.most = Math.max(state.most, state.running);
    await sleep((count - item) * 3);
    state.running--;
    return item * 10;
  };
  return { state, work };
}

async function collect<R>(results: AsyncIterable<R>): Promise<R[]> {
  const all: R[] = [];
  for await (const result of results) all.push(result);
  return all;
}

describe('aheadInOrder: a few calls at once, results in the items\' order', () => {
  it('runs up to `depth` calls at once, and hands results back in order even when later ones end first', async () => {
    const items = Array.from({ length: 20 }, (_, i) => i);
    const { state, work } = reversedCalls(items.length);
    expect(await collect(aheadInOrder(items, 4, work))).toEqual(items.map((i) => i * 10));
    expect(state.most).toBe(4);
    expect(state.started).toEqual(items);
  });

  it('with depth 1 makes one call after another', async () => {
    const { state, work } = reversedCalls(5);
    expect(await collect(aheadInOrder([0, 1, 2, 3, 4], 1, work))).toEqual([0, 10, 20, 30, 40]);
    expect(state.most).toBe(1);
  });

  it('starts the next calls before the caller has used a result', async () => {
    const started: number[] = [];
    const results = aheadInOrder([0, 1, 2, 3], 3, async (item) => {
      started.push(item);
      await sleep(1);
      return item;
    });
    for await (const result of results) {
      if (result === 0) {
        // The caller holds the first result: the calls for items 1, 2 and 3 are out already.
        expect(started).toEqual([0, 1, 2, 3]);
        break;
      }
    }
  });

  it('a failed call throws at its turn, after the results before it, and a later failure goes unnoticed', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const seen: number[] = [];
      const results = aheadInOrder([0, 1, 2, 3], 4, async (item) => {
        await sleep(item === 1 ? 10 : 1);
        if (item >= 1 && item !== 2) throw new Error(`part ${item} is torn`);
        return item;
      });
      await expect(
        (async () => {
          for await (const result of results) seen.push(result);
        })(),
      ).rejects.toThrow('part 1 is torn');
      expect(seen).toEqual([0]);
      await sleep(20);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('refuses a depth that is not a positive whole number', async () => {
    const same = (item: number) => Promise.resolve(item);
    await expect(collect(aheadInOrder([1], 0, same))).rejects.toThrow(RangeError);
    await expect(collect(aheadInOrder([1], 1.5, same))).rejects.toThrow(RangeError);
  });
});
