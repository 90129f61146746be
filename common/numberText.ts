/**
 * A number as an identity's text: its decimal digits, never JavaScript's exponent form. An NDJSON
 * `"user_id": 1000000000000000000000` became "1e+21" (and 0.0000001 "1e-7"), while the identity index
 * kept the digits as written: the profile was another than the file named, and two rows of it were
 * not taken for one. The shortest digits that read back as the number, with the point moved.
 */
export function plainNumberText(value: number): string {
  const text = String(value);
  const exponent = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (exponent === null) return text;
  const [, sign = '', whole = '', fraction = '', power = '0'] = exponent;
  const digits = whole + fraction;
  const point = whole.length + Number(power);
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}
