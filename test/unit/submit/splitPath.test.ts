import { describe, expect, it } from 'vitest';
import { requestKey, splitPath } from '../../../activities/submit/submitProgress';

/** A re-run walks down to a request an earlier run split out of a refused one, through the same halves. */
describe('splitPath', () => {
  it('is empty for a whole part, and names every half above a split-out request', () => {
    expect(splitPath(requestKey(0, 0, 400), 400)).toEqual([]);
    expect(splitPath(requestKey(1, 200, 400), 400)).toEqual(['1:0-400']);
    // 0-401 halves at 200, 200-401 at 300, 300-401 at 350.
    expect(splitPath(requestKey(0, 300, 350), 401)).toEqual(['0:0-401', '0:200-401', '0:300-401']);
    expect(splitPath(requestKey(0, 57, 58), 100)).toEqual(['0:0-100', '0:50-100', '0:50-75', '0:50-62', '0:56-62', '0:56-59', '0:57-59']);
  });

  it('is undefined for a range no halving makes: a key that no longer fits the batch is posted again', () => {
    expect(splitPath(requestKey(0, 100, 300), 400)).toBeUndefined();
    expect(splitPath(requestKey(0, 0, 500), 400)).toBeUndefined();
    expect(splitPath(requestKey(0, 0, 1), 1)).toEqual([]);
    expect(splitPath(requestKey(0, 2, 3), 2)).toBeUndefined();
  });
});
