import { z } from 'zod';

/** The units a duration is written in, largest last (formatDuration picks the largest that fits). */
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
type DurationUnit = keyof typeof UNIT_MS;
const UNITS_LARGEST_FIRST = (Object.keys(UNIT_MS) as DurationUnit[]).reverse();

/** Digits and one unit: "90s", "45m", "2h", "7d". "1.5h", "1h30m" and "45" (no unit: seconds or minutes?) are refused. */
const DURATION_PATTERN = /^(\d+)([smhd])$/;

/** `ms` in the largest unit it is a whole number of ("30m" for 1,800,000, "90s" for 90,000), as a duration flag takes it. */
export function formatDuration(ms: number): string {
  const unit = UNITS_LARGEST_FIRST.find((u) => ms >= UNIT_MS[u] && ms % UNIT_MS[u] === 0);
  return unit ? `${ms / UNIT_MS[unit]}${unit}` : `${ms}ms`;
}

const n = (value: number) => value.toLocaleString('en-US');
const shown = (input: unknown) => JSON.stringify(input) ?? String(input);

/**
 * A duration flag ("90s", "45m", "2h", "7d") from `minMs` to `maxMs`, as milliseconds. Every
 * message gives the range and an example in the flag's own units, and what was given: never the
 * milliseconds it was read as, which nobody typed.
 */
export function durationFlag(minMs: number, maxMs: number) {
  const expected = `a duration from ${formatDuration(minMs)} to ${formatDuration(maxMs)}: a whole number and s, m, h or d, such as 90s, 45m or 2h`;
  const error = (issue: { input?: unknown }) => `expected ${expected}, got ${shown(issue.input)}`;
  return z.string({ error }).transform((text, ctx) => {
    const match = DURATION_PATTERN.exec(text);
    const ms = match ? Number(match[1]) * UNIT_MS[match[2] as DurationUnit] : NaN;
    if (ms >= minMs && ms <= maxMs) return ms;
    ctx.issues.push({ code: 'custom', input: text, message: error({ input: text }) });
    return z.NEVER;
  });
}

/** The same range for the client API, where a duration is a whole number of milliseconds. */
export function milliseconds(minMs: number, maxMs: number) {
  const expected = `a whole number of milliseconds from ${n(minMs)} (${formatDuration(minMs)}) to ${n(maxMs)} (${formatDuration(maxMs)})`;
  const error = (issue: { input?: unknown }) => `expected ${expected}, got ${shown(issue.input)}`;
  return z.number({ error }).int({ error }).min(minMs, { error }).max(maxMs, { error });
}
