/**
 * A CSV of 400 rows whose first 200 fill `first_name` and last 200 `city`: rows that fill different
 * attributes go in different requests, so one batch of it (batch size 400) is two requests, and a
 * fault set between them (a 429, say) lands on the second while the first is already taken.
 */
export function twoRequestBatchCsv(): string {
  const rows = Array.from({ length: 400 }, (_, i) => `b${i},${i < 200 ? `Name ${i},` : `,City ${i}`}`);
  return `user_id,first_name,city\n${rows.join('\n')}\n`;
}
