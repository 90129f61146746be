import { Invalid } from './invalid';
import type { ValueRule } from './valueRule';

const TIMEZONE_INVALID = new Invalid('timezone_invalid', 'is not an IANA time zone (expected a name such as Europe/Dublin, America/New_York or UTC; offsets are not zones)');

/**
 * IANA names that Node 20's ICU knows only as aliases, so `Intl.supportedValuesOf` omits them (it
 * lists Asia/Calcutta, not Asia/Kolkata) though people write them: current names of renamed zones
 * and IANA's zones without a slash (UTC, EST5EDT, ...).
 */
const IANA_NAMES_ICU_CALLS_ALIASES = [
  'UTC',
  'GMT',
  'UCT',
  'Etc/UTC',
  'Etc/GMT',
  'CET',
  'EET',
  'MET',
  'WET',
  'EST',
  'MST',
  'HST',
  'EST5EDT',
  'CST6CDT',
  'MST7MDT',
  'PST8PDT',
  'Asia/Kolkata',
  'Europe/Kyiv',
  'America/Nuuk',
  'Asia/Ho_Chi_Minh',
  'Asia/Kathmandu',
  'Asia/Yangon',
  'Pacific/Kanton',
  'Pacific/Chuuk',
  'Pacific/Pohnpei',
  'Atlantic/Faroe',
  'Africa/Asmara',
  'America/Atikokan',
];

/** Etc/GMT-14 … Etc/GMT+12 (POSIX signs: Etc/GMT-1 is one hour *ahead* of UTC). */
function etcOffsetZones(): string[] {
  const zones: string[] = [];
  for (let hours = -14; hours <= 12; hours++) if (hours !== 0) zones.push(`Etc/GMT${hours > 0 ? '+' : ''}${hours}`);
  return zones;
}

function acceptedByIntl(timeZone: string): string | undefined {
  try {
    return new Intl.DateTimeFormat('en', { timeZone }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/** Lowercase name → name as IANA spells it, built once: lookups are case-insensitive and cheap. */
function buildZoneTable(): Map<string, string> {
  const table = new Map<string, string>();
  for (const zone of Intl.supportedValuesOf('timeZone')) table.set(zone.toLowerCase(), zone);
  for (const zone of [...IANA_NAMES_ICU_CALLS_ALIASES, ...etcOffsetZones()]) {
    if (acceptedByIntl(zone) !== undefined) table.set(zone.toLowerCase(), zone);
  }
  return table;
}

const ZONES = buildZoneTable();

/**
 * Names outside the table that may be asked of Intl: IANA's `Area/Location` links (US/Eastern).
 * Slash-free names are not, because ICU also accepts Java's three-letter IDs that IANA does not
 * have and that are ambiguous (IST would become India, not Ireland); nor ICU's own SystemV zones.
 */
const ZONE_SHAPE = /^(?!SystemV\/)[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+){1,2}$/i;

/**
 * timezone: an IANA zone name, case-insensitive, sent as IANA spells it (`europe/dublin` →
 * `Europe/Dublin`). Other `Area/Location` names that Intl accepts (links such as US/Eastern or
 * America/Argentina/Buenos_Aires) are sent as written: they are valid, and Intl would swap them for
 * ICU's older names. That check builds an Intl object, so it is kept for names outside the table.
 */
export const timezoneRule: ValueRule = {
  trims: true,
  fromText(text) {
    const zone = ZONES.get(text.toLowerCase());
    if (zone !== undefined) return zone;
    return ZONE_SHAPE.test(text) && acceptedByIntl(text) !== undefined ? text : TIMEZONE_INVALID;
  },
  fromJson: () => TIMEZONE_INVALID,
};
