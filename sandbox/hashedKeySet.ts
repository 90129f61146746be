/**
 * A set of strings kept as 64-bit hashes in one typed array (open addressing, linear probing).
 * Ten million identities take about 128 MB instead of gigabytes of strings, which is what lets
 * the 'count' store follow multi-million-row benchmarks. Two different keys share a 64-bit hash
 * with odds of about n²/2⁶⁵ (3·10⁻⁶ at ten million), negligible for counting.
 */
export class HashedKeySet {
  /** Pairs of 32-bit words per slot; (0, 0) marks an empty slot. */
  private slots: Uint32Array;
  private mask = 0;
  private count = 0;
  private readonly initialCapacity: number;

  constructor(initialCapacity = 1024) {
    this.initialCapacity = 2 ** Math.ceil(Math.log2(Math.max(16, initialCapacity)));
    this.slots = this.allocate(this.initialCapacity);
  }

  get size(): number {
    return this.count;
  }

  /** Adds a key; true when it was not there yet. */
  add(key: string): boolean {
    if ((this.count + 1) * 4 > (this.mask + 1) * 3) this.grow();
    const [low, high] = hash64(key);
    const inserted = this.insert(low, high);
    if (inserted) this.count++;
    return inserted;
  }

  clear(): void {
    this.slots = this.allocate(this.initialCapacity);
    this.count = 0;
  }

  private allocate(capacity: number): Uint32Array {
    this.mask = capacity - 1;
    return new Uint32Array(capacity * 2);
  }

  private insert(low: number, high: number): boolean {
    const slots = this.slots;
    let index = low & this.mask;
    for (;;) {
      const at = index * 2;
      const slotLow = slots[at]!;
      const slotHigh = slots[at + 1]!;
      if (slotLow === 0 && slotHigh === 0) {
        slots[at] = low;
        slots[at + 1] = high;
        return true;
      }
      if (slotLow === low && slotHigh === high) return false;
      index = (index + 1) & this.mask;
    }
  }

  private grow(): void {
    const old = this.slots;
    this.slots = this.allocate(old.length);
    for (let at = 0; at < old.length; at += 2) {
      const low = old[at]!;
      const high = old[at + 1]!;
      if (low !== 0 || high !== 0) this.insert(low, high);
    }
  }
}

/** cyrb53's mixing, keeping all 64 bits; never (0, 0), which marks an empty slot. */
function hash64(key: string): [number, number] {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < key.length; i++) {
    const code = key.charCodeAt(i);
    h1 = Math.imul(h1 ^ code, 2_654_435_761);
    h2 = Math.imul(h2 ^ code, 1_597_334_677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2_246_822_507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3_266_489_909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2_246_822_507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3_266_489_909);
  const low = h1 >>> 0;
  const high = h2 >>> 0;
  return low === 0 && high === 0 ? [0, 1] : [low, high];
}
