import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { Sandbox } from '../../sandbox';

/*
 * The sandbox's store is the oracle: after an import it must hold exactly the file's profiles,
 * attribute by attribute, in the form the API requires (JSON values as JSON strings).
 */

/** Parses a sample CSV the simple way (test files hold no quoted newlines) for comparison. */
export function readSampleCsv(file: string): Array<Record<string, string>> {
  const [header, ...lines] = readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0);
  const columns = (header as string).split(',');
  return lines.map((line) => {
    const cells: string[] = [];
    let i = 0;
    while (i <= line.length) {
      if (line[i] === '"') {
        let value = '';
        i++;
        for (;;) {
          const q = line.indexOf('"', i);
          value += line.slice(i, q);
          if (line[q + 1] === '"') {
            value += '"';
            i = q + 2;
          } else {
            i = q + 2;
            break;
          }
        }
        cells.push(value);
      } else {
        const comma = line.indexOf(',', i);
        const end = comma === -1 ? line.length : comma;
        cells.push(line.slice(i, end));
        i = end + 1;
      }
    }
    return Object.fromEntries(columns.map((c, k) => [c, cells[k] ?? '']));
  });
}

/** The sample CSV's rows as the API should receive them: subscriptions are numbers 1/0. */
export function expectedFromSampleCsv(file: string): Array<Record<string, unknown>> {
  return readSampleCsv(file).map((r) => ({ ...r, email_subscription: Number(r.email_subscription), sms_subscription: Number(r.sms_subscription) }));
}

/** Asserts the store holds exactly these profiles (by user_id), every attribute equal. */
export function expectStoreEquals(sandbox: Sandbox, expected: Array<Record<string, unknown>>): void {
  const store = sandbox.profiles();
  expect(store.size).toBe(expected.length);
  const mismatches: string[] = [];
  for (const profile of expected) {
    const stored = store.get(`user_id:${String(profile.user_id)}`);
    for (const [attribute, value] of Object.entries(profile)) {
      if (stored?.[attribute] !== value) {
        mismatches.push(`${String(profile.user_id)}.${attribute}`);
      }
    }
    if (mismatches.length > 10) break;
  }
  expect(mismatches).toEqual([]);
}
