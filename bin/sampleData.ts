import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';

/**
 * Deterministic sample profiles with the documented columns plus a JSON custom attribute, for the
 * demo, the tests and the benchmarks. The same seed gives the same file, byte for byte.
 */
export const SAMPLE_COLUMNS = ['user_id', 'email', 'email_subscription', 'mobile_number', 'sms_subscription', 'first_name', 'preferences'] as const;

export interface SampleProfile {
  user_id: string;
  email: string;
  email_subscription: number;
  mobile_number: string;
  sms_subscription: number;
  first_name: string;
  preferences: { drinks: string[]; visits: number };
}

const NAMES = ['Sam', 'Joe', 'Aoife', 'Siobhán', 'Zoë', 'Émile', 'Ana María', 'O\'Brien', 'Li "Lee"', 'Kai'];
const DRINKS = ['frapuccino', 'iced latte', 'flat white', 'tea, green', 'mocha'];

/** mulberry32: a small deterministic PRNG, so generated data is the same on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function sampleProfile(i: number, random: () => number, idPrefix = 'u'): SampleProfile {
  const drinks = DRINKS.filter(() => random() < 0.4);
  return {
    user_id: `${idPrefix}${String(i).padStart(8, '0')}`,
    email: `user${i}@example.com`,
    email_subscription: random() < 0.7 ? 1 : 0,
    mobile_number: `35385${String(1_000_000 + ((i * 7919) % 8_999_999)).padStart(7, '0')}`,
    sms_subscription: random() < 0.5 ? 1 : 0,
    first_name: NAMES[Math.floor(random() * NAMES.length)] as string,
    preferences: { drinks, visits: Math.floor(random() * 100) },
  };
}

function csvCell(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export interface SampleFileOptions {
  rows: number;
  format?: 'csv' | 'ndjson';
  seed?: number;
  idPrefix?: string;
  /** Number of the first row's profile; lets files be made of several ranges. */
  firstIndex?: number;
}

/** Writes a sample file and returns the profiles' count; streams, so any size fits in memory. */
export async function writeSampleFile(file: string, options: SampleFileOptions): Promise<number> {
  await mkdir(path.dirname(file), { recursive: true });
  const random = seededRandom(options.seed ?? 42);
  const out = createWriteStream(file, { highWaterMark: 1 << 20 });
  const format = options.format ?? 'csv';
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  if (format === 'csv') await write(`${SAMPLE_COLUMNS.join(',')}\n`);
  const first = options.firstIndex ?? 1;
  let chunk = '';
  for (let i = first; i < first + options.rows; i++) {
    const p = sampleProfile(i, random, options.idPrefix);
    chunk +=
      format === 'csv'
        ? `${[p.user_id, p.email, p.email_subscription, p.mobile_number, p.sms_subscription, p.first_name, JSON.stringify(p.preferences)].map(csvCell).join(',')}\n`
        : `${JSON.stringify(p)}\n`;
    if (chunk.length > 1 << 20) {
      await write(chunk);
      chunk = '';
    }
  }
  await write(chunk);
  out.end();
  await once(out, 'finish');
  return options.rows;
}
