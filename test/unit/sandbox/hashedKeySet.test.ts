import { describe, expect, it } from 'vitest';
import { HashedKeySet } from '../../../sandbox/hashedKeySet';

describe('HashedKeySet', () => {
  it('counts distinct keys exactly across many growths', () => {
    const set = new HashedKeySet(16);
    let added = 0;
    for (let index = 0; index < 300_000; index++) if (set.add(`user_id:${index}`)) added++;
    let addedAgain = 0;
    for (let index = 0; index < 300_000; index += 7) if (set.add(`user_id:${index}`)) addedAgain++;
    expect(added).toBe(300_000);
    expect(addedAgain).toBe(0);
    expect(set.size).toBe(300_000);
  });

  it('tells apart keys that differ only by kind or a character', () => {
    const set = new HashedKeySet();
    for (const key of ['user_id:1', 'device_id:1', 'user_id:01', 'user_id:10', '', 'user_id:é']) set.add(key);
    expect(set.size).toBe(6);
  });

  it('forgets everything on clear', () => {
    const set = new HashedKeySet();
    set.add('a');
    set.clear();
    expect(set.size).toBe(0);
    expect(set.add('a')).toBe(true);
  });
});
