/** A pseudo-random number in [0, 1). */
export type Random = () => number;

/** mulberry32: tiny, fast and good enough to make fault injection reproducible from a seed. */
export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * One independent stream per name (a method, or tasks), so that how often a client polls
 * cannot shift the faults drawn for its imports.
 */
export function streamFor(seed: number, name: string): Random {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193);
  return mulberry32((seed ^ hash) >>> 0);
}
