import { describe, expect, it } from 'vitest';
import { hashIdentity } from '../../../activities/dedupe/identityHash';

/**
 * Expected words from a byte-wise MurmurHash3 x86_128 of the UTF-16LE bytes, written separately
 * (in Python) and checked against SMHasher's verification value for x86_128 (0xB3ECE62A).
 */
const VECTORS: Array<[string, [number, number, number]]> = [
  ['', [0, 0, 0]],
  ['a', [54243734, 3438235617, 3438235617]],
  ['ab', [638564691, 2938287869, 2938287869]],
  ['user_id:abc', [3344359875, 540031131, 1394213326]],
  ['user_id:u00000001', [2087222794, 3090957095, 124861856]],
  ['Zoë 😀 café', [2722387474, 1754480652, 3797604478]],
  ['device_id:0123456789abcdef', [2290077852, 1588164887, 2320192509]],
  ['x'.repeat(17), [1758727242, 264509430, 979578506]],
];

function hash(key: string): number[] {
  const out = new Uint32Array(3);
  hashIdentity(key, out, 0);
  return [...out];
}

describe('hashIdentity (MurmurHash3 x86_128 of UTF-16LE, first 96 bits)', () => {
  it.each(VECTORS)('hashes %j as the reference does', (key, expected) => {
    expect(hash(key)).toEqual(expected);
  });

  it('writes at the offset it is given and nowhere else', () => {
    const out = new Uint32Array(5).fill(7);
    hashIdentity('user_id:abc', out, 1);
    expect([...out]).toEqual([7, 3344359875, 540031131, 1394213326, 7]);
  });

  it('gives 200,000 similar identities 200,000 different hashes', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200_000; i++) seen.add(hash(`user_id:u${String(i).padStart(8, '0')}`).join(','));
    expect(seen.size).toBe(200_000);
  });
});
