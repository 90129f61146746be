import { Invalid } from './invalid';
import type { ValueRule } from './valueRule';

/**
 * The WHATWG HTML "valid e-mail address" pattern, with one change: the domain must have at least
 * one dot, because an address at a bare host name (`sam@localhost`) cannot receive marketing email.
 * Like the WHATWG pattern it accepts ASCII addresses only.
 */
export const EMAIL_PATTERN =
  /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+$/;

/** RFC 5321's limit on a forward path. */
const MAX_EMAIL_LENGTH = 254;

const EMAIL_INVALID = new Invalid('email_invalid', 'is not a valid email address (expected the form name@example.com, ASCII only)');

export const emailRule: ValueRule = {
  trims: true,
  fromText: (text) => (text.length <= MAX_EMAIL_LENGTH && EMAIL_PATTERN.test(text) ? text : EMAIL_INVALID),
  fromJson: () => EMAIL_INVALID,
};
