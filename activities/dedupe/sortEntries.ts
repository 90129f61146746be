/** Buckets at most this wide are insertion-sorted; wider ones (many equal hashes) use the engine's sort. */
const INSERTION_LIMIT = 32;
const MIN_BUCKET_BITS = 4;
const MAX_BUCKET_BITS = 20;

/**
 * The order of `count` entries of `width` uint32 words, sorted word by word (unsigned). Entries
 * are the identity hash then the row, so no two are equal. Hashes are uniform, so a counting sort
 * on the top bits of the first word (about two entries a bucket) and an insertion sort within
 * each bucket do nearly all the work in two linear passes.
 *
 * `order` must hold at least `count` slots; the sorted indexes are returned in its first `count`.
 * Extra memory: the bucket counts, at most 4 MiB.
 */
export function sortedOrder(entries: Uint32Array, count: number, width: number, order: Uint32Array): Uint32Array {
  const bits = Math.min(MAX_BUCKET_BITS, Math.max(MIN_BUCKET_BITS, Math.ceil(Math.log2(Math.max(count, 2)))));
  const shift = 32 - bits;
  const ends = new Uint32Array((1 << bits) + 1);
  for (let i = 0; i < count; i++) {
    const bucket = ((entries[i * width] as number) >>> shift) + 1;
    ends[bucket] = (ends[bucket] as number) + 1;
  }
  for (let b = 1; b < ends.length; b++) ends[b] = (ends[b] as number) + (ends[b - 1] as number);
  // Scatter: afterwards ends[b] is where bucket b ends (and bucket b + 1 starts).
  for (let i = 0; i < count; i++) {
    const bucket = (entries[i * width] as number) >>> shift;
    const slot = ends[bucket] as number;
    order[slot] = i;
    ends[bucket] = slot + 1;
  }

  const compare = (a: number, b: number) => compareEntries(entries, a * width, b * width, width);
  let start = 0;
  for (let b = 0; b < ends.length - 1; b++) {
    const end = ends[b] as number;
    const size = end - start;
    if (size > INSERTION_LIMIT) order.subarray(start, end).sort(compare);
    else if (size > 1) insertionSort(order, start, end, compare);
    start = end;
  }
  return order.subarray(0, count);
}

function insertionSort(order: Uint32Array, start: number, end: number, compare: (a: number, b: number) => number): void {
  for (let i = start + 1; i < end; i++) {
    const item = order[i] as number;
    let j = i - 1;
    while (j >= start && compare(order[j] as number, item) > 0) {
      order[j + 1] = order[j] as number;
      j--;
    }
    order[j + 1] = item;
  }
}

function compareEntries(entries: Uint32Array, a: number, b: number, width: number): number {
  for (let w = 0; w < width; w++) {
    const x = entries[a + w] as number;
    const y = entries[b + w] as number;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
