import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeSampleFile } from '../../bin/sampleData';
import { startImport, waitForReport } from '../../client/imports';
import { expectedFromSampleCsv, expectStoreEquals } from '../support/oracle';
import { startTestStack, type TestStack } from '../support/stack';

describe('what a file becomes at the API', () => {
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });

  it('sends a 50-row file as one synchronous request and never asks for a task', async () => {
    stack = await startTestStack();
    const file = path.join(stack.dataDir, 'small.csv');
    await writeSampleFile(file, { rows: 50, seed: 3 });
    const report = await waitForReport(stack.client, (await startImport(stack.client, { source: 'small.csv', importId: 'small-50' })).importId);

    expect(report.status).toBe('completed');
    const log = stack.sandbox.requestLog();
    expect(log.filter((r) => r.method === 'import/profile').map((r) => [r.status, r.rows])).toEqual([[200, 50]]);
    expect(log.filter((r) => r.method === 'info/task' || r.method === 'list/task')).toEqual([]);
    expect(report.taskIds).toEqual([]);
    expectStoreEquals(stack.sandbox, expectedFromSampleCsv(file));
  });

  it('a ";" Excel export: "1.250" is refused until the mapping says its decimal separator, then sent as 1250', async () => {
    stack = await startTestStack();
    const rows = ['\uFEFFuser_id;Loyalty Points', 'eu-1;1.250', 'eu-2;2,5', 'eu-3;7'];
    await writeFile(path.join(stack.dataDir, 'excel-eu.csv'), `${rows.join('\r\n')}\r\n`);
    const points = { columns: { 'Loyalty Points': { to: 'loyalty_points', type: 'number' as const } } };
    const unsaid = await waitForReport(stack.client, (await startImport(stack.client, { source: 'excel-eu.csv', importId: 'excel-eu-unsaid', mapping: points })).importId);
    // Before, 1.250 was sent as 1.25 without a word.
    expect(unsaid.rows).toMatchObject({ imported: 1, rejected: 2 });
    const rejects = await readFile(unsaid.rejectsFile as string, 'utf8');
    const [header, ...lines] = rejects.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(header).toBe('xp_import_row;xp_import_line;xp_import_column;xp_import_reason;user_id;Loyalty Points');
    expect(lines[0]).toMatch(/^1;2;Loyalty Points;"Column ""Loyalty Points"" \(loyalty_points\) has a ""\."" before a group of three digits.*;eu-1;1\.250$/);
    expect(lines[1]).toMatch(/^2;3;Loyalty Points;.*for a decimal comma set.*;eu-2;2,5$/);
    expect(stack.sandbox.profiles().get('user_id:eu-1')).toBeUndefined();

    const said = await waitForReport(stack.client, (await startImport(stack.client, { source: 'excel-eu.csv', importId: 'excel-eu-comma', mapping: { ...points, decimalSeparator: ',' } })).importId);
    expect(said.rows).toMatchObject({ imported: 3, rejected: 0 });
    const store = stack.sandbox.profiles();
    expect([1, 2, 3].map((n) => store.get(`user_id:eu-${n}`)?.loyalty_points)).toEqual([1250, 2.5, 7]);
  });

  it('imports anonymous profiles identified by device_id', async () => {
    stack = await startTestStack();
    const rows = Array.from({ length: 150 }, (_, i) => `dev-${i},en,Europe/Dublin,IE,Device ${i}`);
    await writeFile(path.join(stack.dataDir, 'devices.csv'), `device_id,language,timezone,country,first_name\n${rows.join('\n')}\n`);
    const report = await waitForReport(stack.client, (await startImport(stack.client, { source: 'devices.csv', importId: 'devices' })).importId);

    expect(report.status).toBe('completed');
    expect(report.rows.imported).toBe(150);
    const store = stack.sandbox.profiles();
    expect(store.size).toBe(150);
    expect(store.get('device_id:dev-149')).toEqual({ device_id: 'dev-149', language: 'en', timezone: 'Europe/Dublin', country: 'IE', first_name: 'Device 149' });
  });

  it('sends NDJSON objects and arrays as JSON strings that parse back to the same values', async () => {
    stack = await startTestStack();
    const profiles = Array.from({ length: 120 }, (_, i) => ({
      user_id: `n${i}`,
      first_name: `Name ${i}`,
      orders: { order_total: 12.34 + i, item_count: i % 5, tags: ['a', `b${i}`] },
      drinks: ['frapuccino', 'iced latte', { size: i % 3 }],
      score: i,
    }));
    await writeFile(path.join(stack.dataDir, 'profiles.ndjson'), profiles.map((p) => JSON.stringify(p)).join('\n') + '\n');
    const report = await waitForReport(stack.client, (await startImport(stack.client, { source: 'profiles.ndjson', importId: 'ndjson' })).importId);

    expect(report.status).toBe('completed');
    expect(report.format).toBe('ndjson');
    const store = stack.sandbox.profiles();
    expect(store.size).toBe(120);
    for (const p of profiles) {
      const stored = store.get(`user_id:${p.user_id}`) as Record<string, unknown>;
      expect(typeof stored.orders).toBe('string');
      expect(typeof stored.drinks).toBe('string');
      expect(JSON.parse(stored.orders as string)).toEqual(p.orders);
      expect(JSON.parse(stored.drinks as string)).toEqual(p.drinks);
      expect(stored.first_name).toBe(p.first_name);
      expect(stored.score).toBe(p.score);
    }
  });

  it('refuses NDJSON lines JavaScript would change (numbers) or could not send (deep nesting), and imports the rest', async () => {
    stack = await startTestStack();
    const lines = [
      '{"user_id":12345678901234567890,"name":"first"}',
      '{"user_id":12345678901234567891,"name":"second"}',
      '{"user_id":"u10","account":9007199254740993}',
      '{"user_id":"u11","n":1e999}',
      '{"user_id":"u12","card":"12345678901234567890","ok":1.50}',
      // Once this failed its batch at every attempt (a stack overflow sending it).
      `{"user_id":"deep","p":${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
    ];
    await writeFile(path.join(stack.dataDir, 'numbers.ndjson'), `${lines.join('\n')}\n`);
    const report = await waitForReport(stack.client, (await startImport(stack.client, { source: 'numbers.ndjson', importId: 'numbers' })).importId);

    expect(report.rows).toEqual({ total: 6, imported: 1, rejected: 5, skipped: 0, superseded: 0 });
    expect([...stack.sandbox.profiles().entries()]).toEqual([['user_id:u12', { user_id: 'u12', card: '12345678901234567890', ok: 1.5 }]]);
    const rejects = (await readFile(report.rejectsFile as string, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    // Each reason names the byte the number starts at in the file, never the number.
    const startOf = (line: number, token: string) => lines.slice(0, line).reduce((n, l) => n + l.length + 1, 0) + lines[line]!.indexOf(token);
    expect(rejects.map((r) => [r.xp_import_row, String(r.xp_import_reason).split(' cannot')[0]])).toEqual([
      [1, `the number at byte ${startOf(0, '1234')}`],
      [2, `the number at byte ${startOf(1, '1234')}`],
      [3, `the number at byte ${startOf(2, '9007')}`],
      [4, `the number at byte ${startOf(3, '1e999')}`],
      [6, 'the line nests objects or arrays more than 100 levels deep; flatten it'],
    ]);
  });

  it('counts the values it sent with a warning in the report, as validate does', async () => {
    stack = await startTestStack();
    await writeFile(path.join(stack.dataDir, 'long.csv'), `user_id,notes\nw1,${'x'.repeat(2_000)}\nw2,short\nw3,${'y'.repeat(102)}\n`);
    const report = await waitForReport(stack.client, (await startImport(stack.client, { source: 'long.csv', importId: 'long-values' })).importId);

    expect(report.status).toBe('completed');
    expect(report.rows.imported).toBe(3);
    expect(report.warnings).toBe(2);
    expect((stack.sandbox.profiles().get('user_id:w1') as Record<string, unknown>).notes).toBe('x'.repeat(2_000));
  });

  it('keeps at most `concurrency` requests in flight: 25,000 rows, batches of 1,000, concurrency 4', async () => {
    stack = await startTestStack({ sandbox: { faults: { latencyMs: 300 } } });
    const file = path.join(stack.dataDir, 'profiles.csv');
    await writeSampleFile(file, { rows: 25_000, seed: 11 });
    const report = await waitForReport(
      stack.client,
      (await startImport(stack.client, { source: 'profiles.csv', importId: 'window', batchSize: 1_000, concurrency: 4 })).importId,
    );

    expect(report.status).toBe('completed');
    const imports = stack.sandbox.requestLog().filter((r) => r.method === 'import/profile');
    expect(imports).toHaveLength(25);
    expect(imports.every((r) => r.rows === 1_000 && r.status === 202)).toBe(true);
    const peak = stack.sandbox.stats().peakInFlight;
    expect(peak).toBeLessThanOrEqual(4);
    // The window is used, not merely respected: with 300 ms per request, batches overlap.
    expect(peak).toBeGreaterThanOrEqual(2);
    expectStoreEquals(stack.sandbox, expectedFromSampleCsv(file));
  });
});
