import type { Delimiter } from '../../common/source';

const LF = 0x0a;
const QUOTE = 0x22;
/** In order of preference when counts tie: a comma wins ties, as in RFC 4180. */
export const CANDIDATES: readonly Delimiter[] = [',', ';', '\t', '|'];

export interface DelimiterGuess {
  delimiter: Delimiter;
  /** False when the bytes ended before the header line did: more bytes could change the guess. */
  complete: boolean;
}

/**
 * Picks the delimiter from the header line: the candidate that occurs most often outside
 * quotes. Which bytes are quoted is judged by toggling on every quote, since the delimiter
 * (and so where fields start) is not known yet; a header rarely quotes anything anyway.
 */
export function detectDelimiter(bytes: Uint8Array, start: number): DelimiterGuess {
  const counts = new Map<number, number>(CANDIDATES.map((c) => [c.charCodeAt(0), 0]));
  let inQuotes = false;
  let complete = false;
  for (let i = start; i < bytes.length; i++) {
    const b = bytes[i] ?? 0;
    if (b === QUOTE) {
      inQuotes = !inQuotes;
    } else if (!inQuotes) {
      if (b === LF) {
        complete = true;
        break;
      }
      const count = counts.get(b);
      if (count !== undefined) counts.set(b, count + 1);
    }
  }
  let best: Delimiter = ',';
  let bestCount = 0;
  for (const candidate of CANDIDATES) {
    const count = counts.get(candidate.charCodeAt(0)) ?? 0;
    if (count > bestCount) {
      best = candidate;
      bestCount = count;
    }
  }
  return { delimiter: best, complete };
}
