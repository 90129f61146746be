/** Empty or whitespace only: such a cell holds no value (see the blank policies). */
const BLANK = /^\s*$/;

export function isBlankText(text: string): boolean {
  return BLANK.test(text);
}
