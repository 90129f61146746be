import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { Invalid } from './invalid';
import type { ValueRule } from './valueRule';

/*
 * libphonenumber-js with its `max` metadata: the full per-country number patterns, so a number in
 * an unallocated range (e.g. +353 99..., or the UK's +44 7700 900... drama range) is rejected here
 * instead of bouncing later at an SMS gateway. `min` validates less strictly (it accepts
 * +353 99 012 3456); the ~75 KB more of metadata costs nothing on a worker. A parse takes ~10 µs.
 */

const MOBILE_INVALID = new Invalid(
  'mobile_number_invalid',
  'is not a valid phone number (expected the international form such as +353 85 012 3456, or a national number with "defaultCountry" in the mapping)',
);
const MOBILE_NEEDS_COUNTRY = new Invalid(
  'mobile_number_needs_country',
  'is a national number (it starts with 0) and the mapping has no "defaultCountry"; add one such as "defaultCountry": "IE", or write the number in international form such as +353 85 012 3456',
);

/** A national number starts with a trunk 0 (possibly inside a parenthesis); no country code starts with 0. */
const NATIONAL_PREFIX = /^[\s(]*0/;

export function isPhoneCountry(code: string): code is CountryCode {
  return isSupportedCountry(code);
}

/** E.164 digits without the `+`, as a string. */
function validDigits(text: string, defaultCountry: CountryCode | undefined): string | undefined {
  const phone = parsePhoneNumberFromString(text, { defaultCountry, extract: false });
  if (phone === undefined || !phone.isValid() || phone.ext !== undefined) return undefined;
  return phone.number.slice(1);
}

/**
 * mobile_number. Accepted forms, tried in this order:
 * - `+353 85 012 3456` (any spacing, dashes, dots, parentheses);
 * - `00353850123456`: 00 is the international call prefix in most of the world;
 * - a national number such as `0850123456` or `(085) 012-3456` when the mapping has a defaultCountry;
 * - digits that are already E.164 without the `+` (`353850123456`), the API's own form.
 */
export function phoneRule(defaultCountry: CountryCode | undefined): ValueRule {
  const fromText = (text: string): string | Invalid => {
    if (text.startsWith('+')) return validDigits(text, undefined) ?? MOBILE_INVALID;
    if (text.startsWith('00')) return validDigits(`+${text.slice(2)}`, undefined) ?? MOBILE_INVALID;
    if (defaultCountry !== undefined) {
      const national = validDigits(text, defaultCountry);
      if (national !== undefined) return national;
    }
    if (NATIONAL_PREFIX.test(text)) return defaultCountry === undefined ? MOBILE_NEEDS_COUNTRY : MOBILE_INVALID;
    return validDigits(`+${text}`, undefined) ?? MOBILE_INVALID;
  };
  return {
    trims: true,
    fromText,
    // NDJSON exports sometimes hold 353850123456 as a number; a number cannot carry a 0 or a +.
    fromJson: (value) => (typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? fromText(String(value)) : MOBILE_INVALID),
  };
}
