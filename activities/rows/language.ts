import ISO6391 from 'iso-639-1';
import { Invalid } from './invalid';
import type { ValueRule } from './valueRule';

const LANGUAGE_INVALID = new Invalid('language_invalid', 'is not an ISO 639-1 language code (expected two letters such as en, ga or de, without a region)');

const LANGUAGE_CODES: ReadonlySet<string> = new Set(ISO6391.getAllCodes());

/** language: an ISO 639-1 code, case-insensitive, sent in lowercase (`EN` → `en`). */
export const languageRule: ValueRule = {
  trims: true,
  fromText(text) {
    const code = text.toLowerCase();
    return LANGUAGE_CODES.has(code) ? code : LANGUAGE_INVALID;
  },
  fromJson: () => LANGUAGE_INVALID,
};
