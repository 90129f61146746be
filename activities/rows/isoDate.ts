import { Invalid } from './invalid';
import type { ValueRule } from './valueRule';

const DATE_FORM_INVALID = new Invalid(
  'date_invalid',
  'is not an ISO-8601 date (expected e.g. 2024-05-31, 2024-05-31T09:30:00Z or 2024-05-31 09:30:00 +01:00)',
);
const DATE_CALENDAR_INVALID = new Invalid(
  'date_invalid',
  'is not a real calendar date and time (check the month, the day of the month, hours 00-23, minutes and seconds 00-59, and an offset of at most 14:00)',
);

/**
 * ISO-8601 extended format: a date; optionally a time after `T` or a space (seconds and fractions
 * optional); optionally `Z` or an offset (±HH, ±HHMM, ±HH:MM), with or without a space before it.
 * Groups: year, month, day, hour, minute, second, offset hours, offset minutes.
 */
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d{1,9})?)?(?: ?(?:[Zz]|[+-](\d{2})(?::?(\d{2}))?))?)?$/;

const MAX_OFFSET_HOURS = 14;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Absent groups are undefined and count as 0. */
function part(group: string | undefined): number {
  return group === undefined ? 0 : Number(group);
}

function isRealDateTime(m: RegExpExecArray): boolean {
  const year = part(m[1]);
  const month = part(m[2]);
  const day = part(m[3]);
  const offsetHours = part(m[7]);
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    part(m[4]) <= 23 &&
    part(m[5]) <= 59 &&
    part(m[6]) <= 59 &&
    offsetHours <= MAX_OFFSET_HOURS &&
    part(m[8]) <= (offsetHours === MAX_OFFSET_HOURS ? 0 : 59)
  );
}

/** Custom attributes of type `date`: validated and sent as written (trimmed); Xtremepush reads UTC unless an offset is given. */
export const dateRule: ValueRule = {
  trims: true,
  fromText(text) {
    const match = ISO_DATE.exec(text);
    if (match === null) return DATE_FORM_INVALID;
    return isRealDateTime(match) ? text : DATE_CALENDAR_INVALID;
  },
  fromJson: () => DATE_FORM_INVALID,
};
