import { seededRandom } from '../../bin/sampleData';
import type { MappingInput } from '../../common/mapping';

/**
 * A generated CSV for the accounting acceptance test: mostly valid rows in the messy forms real
 * exports use (national phone numbers, yes/TRUE consent, lowercase zones, JSON with spaces), a
 * share of invalid rows of many kinds at known row numbers, and rows that repeat an earlier
 * identity. It comes with what must happen to each row: the rejected rows and their column, and
 * the store the sandbox must end with (the last row of each identity, normalised as sent).
 * Deterministic: the same options give the same bytes.
 */

export const ACCOUNTING_COLUMNS = [
  'user_id',
  'first_name',
  'email',
  'email_subscription',
  'mobile_number',
  'sms_subscription',
  'timezone',
  'language',
  'prefs',
  'signup',
  'vip',
  'points',
] as const;
type Column = (typeof ACCOUNTING_COLUMNS)[number];

export const ACCOUNTING_MAPPING: MappingInput = {
  columns: { prefs: { type: 'json' }, signup: { type: 'date' }, vip: { type: 'boolean' }, points: { type: 'number' } },
  defaultCountry: 'IE',
};

/** How a row is made invalid; the code the import gives it and the column it names (null: the whole record). */
export const INVALID_KINDS = {
  email_invalid: { column: 'email', cells: (r: number) => ({ email: `user${r}-at-example.com`, email_subscription: '1' }) },
  email_subscription_missing: { column: 'email_subscription', cells: (r: number) => ({ email: `user${r}@example.com`, email_subscription: '' }) },
  subscription_invalid: { column: 'email_subscription', cells: (r: number) => ({ email: `user${r}@example.com`, email_subscription: 'maybe' }) },
  mobile_number_invalid: { column: 'mobile_number', cells: () => ({ mobile_number: '+353 99 123', sms_subscription: '1' }) },
  sms_subscription_missing: { column: 'sms_subscription', cells: () => ({ mobile_number: '085 012 3456', sms_subscription: '' }) },
  timezone_invalid: { column: 'timezone', cells: () => ({ timezone: 'Mars/Olympus_Mons' }) },
  language_invalid: { column: 'language', cells: () => ({ language: 'english' }) },
  json_invalid: { column: 'prefs', cells: () => ({ prefs: '{"tier": gold}' }) },
  date_invalid: { column: 'signup', cells: () => ({ signup: '2023-02-30' }) },
  boolean_invalid: { column: 'vip', cells: () => ({ vip: 'perhaps' }) },
  number_invalid: { column: 'points', cells: () => ({ points: '12abc' }) },
  identity_missing: { column: 'user_id', cells: () => ({ user_id: ' ' }) },
  ragged_row: { column: null, cells: () => ({}) },
  invalid_utf8: { column: null, cells: () => ({}) },
} satisfies Record<string, { column: Column | null; cells: (row: number) => Partial<Record<Column, string>> }>;
export type InvalidKind = keyof typeof INVALID_KINDS;

export interface AccountingFileOptions {
  rows: number;
  /** Share of rows that are invalid (exactly round(rows × share) of them). */
  invalidShare: number;
  /** Share of valid rows that repeat the identity of an earlier valid row. */
  duplicateShare: number;
  seed: number;
}

export interface AccountingFile {
  content: Buffer;
  /** Row number → how it is invalid. */
  invalid: Map<number, InvalidKind>;
  /** Rows that a later row of the same identity supersedes (counted as skipped). */
  superseded: number;
  /** `user_id:<id>` → the profile the store must hold: the last row of the identity, as sent. */
  expectedStore: Map<string, Record<string, unknown>>;
}

function csvCell(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A value as written in the file and as the API receives it; absent when the cell is blank. */
type Pair = [written: string, sent: unknown] | undefined;

const NAMES = ['Sam', 'Aoife', 'Siobhán', 'Zoë', 'Ana María', "O'Brien", 'Li "Lee"', 'Kai'];
const CONSENT: Array<[string, number]> = [
  ['yes', 1],
  ['no', 0],
  ['TRUE', 1],
  ['false', 0],
  ['1', 1],
  ['0', 0],
  ['Y', 1],
  ['n', 0],
];
const ZONES: Array<[string, string]> = [
  ['Europe/Dublin', 'Europe/Dublin'],
  ['europe/london', 'Europe/London'],
  ['America/New_York', 'America/New_York'],
  ['UTC', 'UTC'],
  [' asia/tokyo ', 'Asia/Tokyo'],
];
const LANGUAGES: Array<[string, string]> = [
  ['en', 'en'],
  ['GA', 'ga'],
  ['De', 'de'],
];
const PREFS: Array<[string, string]> = [
  ['{"tier": "gold", "visits": 3}', '{"tier":"gold","visits":3}'],
  ['[ "sms", "email" ]', '["sms","email"]'],
  ['{"nested": {"a": [1, 2.50]}}', '{"nested":{"a":[1,2.50]}}'],
];
const DATES = ['2024-02-29', '2023-12-13 11:36:00 +01:00', '2024-05-31T09:30:00Z'];
const BOOLEANS: Array<[string, boolean]> = [
  ['yes', true],
  ['FALSE', false],
  ['1', true],
  ['n', false],
];
const NUMBERS: Array<[string, number]> = [
  ['12.5', 12.5],
  ['-3', -3],
  ['1e3', 1000],
  ['+7', 7],
];

/** A valid row's cells: each one blank now and then, in the written form real exports use. */
function validCells(row: number, random: () => number): Record<Column, Pair> {
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)] as T;
  const sometimes = (p: number, make: () => Pair): Pair => (random() < p ? make() : undefined);
  const digits = String(1_000_000 + ((row * 7919) % 8_999_999));
  const phoneForms = [`+353 85 ${digits.slice(0, 3)} ${digits.slice(3)}`, `085${digits}`, `00353 85 ${digits}`, `35385${digits}`];
  const email = sometimes(0.85, () => [`user${row}@example.com`, `user${row}@example.com`]);
  const mobile = sometimes(0.7, () => [pick(phoneForms), `35385${digits}`]);
  return {
    user_id: undefined, // set by the caller
    first_name: sometimes(0.9, () => {
      const name = pick(NAMES);
      return [name, name];
    }),
    email,
    // A subscription is required with its contact, and may come alone.
    email_subscription: email !== undefined || random() < 0.3 ? pick(CONSENT) : undefined,
    mobile_number: mobile,
    sms_subscription: mobile !== undefined || random() < 0.3 ? pick(CONSENT) : undefined,
    timezone: sometimes(0.8, () => pick(ZONES)),
    language: sometimes(0.8, () => pick(LANGUAGES)),
    prefs: sometimes(0.6, () => pick(PREFS)),
    signup: sometimes(0.7, () => {
      const date = pick(DATES);
      return [date, date];
    }),
    vip: sometimes(0.5, () => pick(BOOLEANS)),
    points: sometimes(0.6, () => pick(NUMBERS)),
  };
}

/** Exactly `count` distinct row numbers in [1, rows], chosen by a seeded partial shuffle. */
function pickRows(rows: number, count: number, random: () => number): Set<number> {
  const all = Array.from({ length: rows }, (_, i) => i + 1);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (rows - i));
    [all[i], all[j]] = [all[j] as number, all[i] as number];
  }
  return new Set(all.slice(0, count));
}

export function generateAccountingFile(options: AccountingFileOptions): AccountingFile {
  const random = seededRandom(options.seed);
  const kinds = Object.keys(INVALID_KINDS) as InvalidKind[];
  const invalidRows = [...pickRows(options.rows, Math.round(options.rows * options.invalidShare), random)].sort((a, b) => a - b);
  const invalid = new Map<number, InvalidKind>(invalidRows.map((row, i) => [row, kinds[i % kinds.length] as InvalidKind]));

  const parts: Buffer[] = [Buffer.from(`${ACCOUNTING_COLUMNS.join(',')}\n`)];
  const expectedStore = new Map<string, Record<string, unknown>>();
  const validIdentities: string[] = [];
  let superseded = 0;
  let text = '';
  const flush = () => {
    parts.push(Buffer.from(text));
    text = '';
  };

  for (let row = 1; row <= options.rows; row++) {
    const cells = validCells(row, random);
    const kind = invalid.get(row);
    if (kind !== undefined) {
      // Invalid rows have identities of their own: they supersede nothing.
      const written: Record<string, string> = { user_id: `bad${row}` };
      for (const column of ACCOUNTING_COLUMNS) if (column !== 'user_id') written[column] = cells[column]?.[0] ?? '';
      Object.assign(written, INVALID_KINDS[kind].cells(row));
      // A Latin-1 "é" (0xE9) in a name is not UTF-8: a placeholder marks where the byte goes.
      if (kind === 'invalid_utf8') written.first_name = 'Ren\u0001';
      const line = ACCOUNTING_COLUMNS.map((c) => csvCell(written[c] ?? '')).join(',');
      if (kind === 'ragged_row') {
        text += `${line},one cell too many\n`;
      } else if (kind === 'invalid_utf8') {
        const [before, after] = line.split('\u0001');
        text += before;
        flush();
        parts.push(Buffer.from([0xe9]));
        text += `${after}\n`;
      } else {
        text += `${line}\n`;
      }
    } else {
      const repeat = validIdentities.length > 0 && random() < options.duplicateShare;
      const id = repeat ? (validIdentities[Math.floor(random() * validIdentities.length)] as string) : `a${row}`;
      if (!repeat) validIdentities.push(id);
      const key = `user_id:${id}`;
      if (expectedStore.has(key)) superseded++;
      const profile: Record<string, unknown> = { user_id: id };
      const written: string[] = [];
      for (const column of ACCOUNTING_COLUMNS) {
        if (column === 'user_id') {
          written.push(id);
          continue;
        }
        const pair = cells[column];
        written.push(csvCell(pair?.[0] ?? ''));
        if (pair !== undefined) profile[column] = pair[1];
      }
      text += `${written.join(',')}\n`;
      expectedStore.set(key, profile);
    }
    if (text.length > 1 << 16) flush();
  }
  flush();
  return { content: Buffer.concat(parts), invalid, superseded, expectedStore };
}
