/** RFC 4180 output: quote a field only when it holds a quote, a delimiter or a line break. */
export type CsvValue = string | number | boolean | null | undefined;

export function csvField(value: CsvValue, delimiter = ','): string {
  const text = value === null || value === undefined ? '' : String(value);
  return text.includes('"') || text.includes(delimiter) || /[\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(fields: readonly CsvValue[], delimiter = ','): string {
  return `${fields.map((field) => csvField(field, delimiter)).join(delimiter)}\r\n`;
}
