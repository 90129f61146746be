/**
 * MurmurHash3 x86_128 (Austin Appleby, public domain) of a string's UTF-16LE code units, keeping
 * the first 96 bits. Written for 32-bit JavaScript arithmetic (Math.imul), it needs no encoding
 * step and no allocation, so hashing an identity costs about as much as reading it.
 *
 * Why 96 bits: two distinct identities collide with probability about n² / 2⁹⁷, which is 6e-16
 * for ten million identities and 6e-12 for a billion; a collision would make one row look like a
 * duplicate of another. Not a cryptographic hash, and not meant to resist chosen inputs.
 */

export const HASH_WORDS = 3;

const C1 = 0x239b961b;
const C2 = 0xab0e9789;
const C3 = 0x38b34ae5;
const C4 = 0xa1e38b93;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Writes the hash of `key` as three uint32 words into out[at], out[at + 1], out[at + 2]. */
export function hashIdentity(key: string, out: Uint32Array, at: number, seed = 0): void {
  const units = key.length;
  // Little-endian 32-bit words of the UTF-16LE bytes: two code units per word.
  const word = (unit: number) => key.charCodeAt(unit) | (key.charCodeAt(unit + 1) << 16);
  let h1 = seed;
  let h2 = seed;
  let h3 = seed;
  let h4 = seed;
  const blockUnits = units - (units % 8);
  for (let i = 0; i < blockUnits; i += 8) {
    let k1 = word(i);
    let k2 = word(i + 2);
    let k3 = word(i + 4);
    let k4 = word(i + 6);

    k1 = Math.imul(rotl(Math.imul(k1, C1), 15), C2);
    h1 ^= k1;
    h1 = (Math.imul(rotl(h1, 19) + h2, 5) + 0x561ccd1b) | 0;

    k2 = Math.imul(rotl(Math.imul(k2, C2), 16), C3);
    h2 ^= k2;
    h2 = (Math.imul(rotl(h2, 17) + h3, 5) + 0x0bcaa747) | 0;

    k3 = Math.imul(rotl(Math.imul(k3, C3), 17), C4);
    h3 ^= k3;
    h3 = (Math.imul(rotl(h3, 15) + h4, 5) + 0x96cd1c35) | 0;

    k4 = Math.imul(rotl(Math.imul(k4, C4), 18), C1);
    h4 ^= k4;
    h4 = (Math.imul(rotl(h4, 13) + h1, 5) + 0x32ac3b17) | 0;
  }

  // The tail: up to 7 code units (14 bytes). A missing code unit is a zero byte pair, as in the
  // byte-wise reference, where absent tail bytes contribute nothing.
  const tail = units - blockUnits;
  if (tail > 0) {
    const at16 = (k: number) => (blockUnits + k < units ? key.charCodeAt(blockUnits + k) : 0);
    const tailWord = (k: number) => at16(k) | (at16(k + 1) << 16);
    if (tail > 6) h4 ^= Math.imul(rotl(Math.imul(tailWord(6), C4), 18), C1);
    if (tail > 4) h3 ^= Math.imul(rotl(Math.imul(tailWord(4), C3), 17), C4);
    if (tail > 2) h2 ^= Math.imul(rotl(Math.imul(tailWord(2), C2), 16), C3);
    h1 ^= Math.imul(rotl(Math.imul(tailWord(0), C1), 15), C2);
  }

  const bytes = units * 2;
  h1 ^= bytes;
  h2 ^= bytes;
  h3 ^= bytes;
  h4 ^= bytes;
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  h1 = fmix(h1);
  h2 = fmix(h2);
  h3 = fmix(h3);
  h4 = fmix(h4);
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  out[at] = h1;
  out[at + 1] = h2;
  out[at + 2] = h3;
}
