import { describe, expect, it } from 'vitest';
import { mentionsAuthentication } from '../../../activities/xtremepush/responses';

describe('a 400 about authentication, told from a 400 about the rows', () => {
  it.each(['apptoken is required', 'Invalid app token', 'Invalid token', 'Authentication failed', 'Unauthorized', 'Bad credentials', 'auth error'])(
    'the message %j is about the token',
    (message) => expect(mentionsAuthentication({ code: 400, success: false, message })).toBe(true),
  );

  it('errors that echo a row value with "auth" or "token" in it are about the rows, not the token', () => {
    const errors = [{ row: 1, message: 'email author@example.com is on the suppression list' }, 'push_token: invalid value token-7'];
    expect(mentionsAuthentication({ code: 400, success: false, message: 'Invalid rows', errors })).toBe(false);
  });

  it('a message about the rows is read as whole words: "author" and "push_token" are not "auth" and "token"', () => {
    expect(mentionsAuthentication({ code: 400, success: false, message: 'Invalid value for push_token in 2 rows (author field too long)' })).toBe(false);
    expect(mentionsAuthentication(undefined)).toBe(false);
  });
});
