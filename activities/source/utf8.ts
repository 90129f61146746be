/**
 * Offset (within buf) of the first byte of the first invalid UTF-8 sequence in [start, end),
 * or -1 when the range is valid. Only called once `isUtf8` has said a range is bad, to name
 * the byte; it follows the well-formedness table of Unicode §3.9 (no overlongs, no surrogates,
 * nothing above U+10FFFF, no truncated sequence).
 */
export function findInvalidUtf8(buf: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end) {
    const lead = buf[i] ?? 0;
    if (lead < 0x80) {
      i++;
      continue;
    }
    let continuation: number;
    let low = 0x80;
    let high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) {
      continuation = 1;
    } else if (lead >= 0xe0 && lead <= 0xef) {
      continuation = 2;
      if (lead === 0xe0) low = 0xa0;
      if (lead === 0xed) high = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      continuation = 3;
      if (lead === 0xf0) low = 0x90;
      if (lead === 0xf4) high = 0x8f;
    } else {
      return i;
    }
    if (i + continuation >= end) return i;
    const second = buf[i + 1] ?? 0;
    if (second < low || second > high) return i;
    for (let k = 2; k <= continuation; k++) {
      if (((buf[i + k] ?? 0) & 0xc0) !== 0x80) return i;
    }
    i += continuation + 1;
  }
  return -1;
}
