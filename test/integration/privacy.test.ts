import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeSampleFile } from '../../bin/sampleData';
import { startImport, waitForReport } from '../../client/imports';
import { completedActivities, historyText, importHistories } from '../support/history';
import { readSampleCsv } from '../support/oracle';
import { SANDBOX_TOKEN, startTestStack, type TestStack } from '../support/stack';

/** Invariants 1 and 2: no row value, no personal data and no apptoken in any history of an import. */
describe('what Temporal sees of an import', () => {
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });

  it('holds no email, phone number, name or apptoken in any history, with rejected rows too', async () => {
    stack = await startTestStack();
    const file = path.join(stack.dataDir, 'people.csv');
    await writeSampleFile(file, { rows: 2_500, seed: 5 });
    // A rejected row must not leak through reasons either: append one with a bad email and a bad phone.
    const bad = 'u99999999,leaky.person@example.org,1,not-a-phone-7q,1,Leaky McLeakface,{}\n';
    const { appendFileSync } = await import('node:fs');
    appendFileSync(file, bad);
    const report = await waitForReport(stack.client, (await startImport(stack.client, { source: 'people.csv', importId: 'privacy', batchSize: 1_000 })).importId);
    expect(report.rows.rejected).toBe(1);

    const histories = await importHistories(stack.client.client, 'privacy');
    // Every batch's submit is in them (rows 1-1000, 1001-2000, 2001-2501): the import's own, or its batch workflow's.
    expect(histories.flatMap((h) => completedActivities(h.events, 'submitBatch'))).toHaveLength(3);
    const text = histories.map((h) => historyText(h.events)).join('\n');
    expect(text.length).toBeGreaterThan(10_000);

    const rows = readSampleCsv(file);
    const secrets = new Set<string>([SANDBOX_TOKEN]);
    for (const row of rows) {
      secrets.add(row.email as string);
      secrets.add(row.mobile_number as string);
      secrets.add(row.first_name as string);
    }
    // Short strings (a 4-letter name) can occur by chance in IDs and timestamps; the rest cannot.
    const leaked = [...secrets].filter((secret) => secret.length >= 6 && text.includes(secret));
    expect(leaked).toEqual([]);
    // The rejects file, which the operator owns, is where the bad row's values are.
    expect(readFileSync(report.rejectsFile as string, 'utf8')).toContain('leaky.person@example.org');
  });

  it("keeps an import's report folder to the worker's user under a permissive umask: folders 700, files 600", async () => {
    // Under this umask, files are created 644 and folders 755 unless the worker asks for less.
    const umask = process.umask(0o022);
    try {
      // The API refuses one row too, so that the API's own rejects part is written.
      stack = await startTestStack({ sandbox: { faults: { rejectIdentities: ['u00000007'] } } });
      const file = path.join(stack.dataDir, 'modes.csv');
      await writeSampleFile(file, { rows: 300, seed: 6 });
      const { appendFileSync } = await import('node:fs');
      appendFileSync(file, 'u99999998,not-an-email,1,353851000000,1,Mode,{}\n');
      const report = await waitForReport(stack.client, (await startImport(stack.client, { source: 'modes.csv', importId: 'privacy-modes', batchSize: 100 })).importId);
      expect(report.rows.rejected).toBe(2);

      const root = path.join(stack.reportDir, 'privacy-modes');
      const modes = readdirSync(root, { recursive: true, encoding: 'utf8' }).map((name) => {
        const stat = statSync(path.join(root, name));
        return { name, folder: stat.isDirectory(), mode: stat.mode & 0o777 };
      });
      const names = modes.map((m) => m.name);
      // What holds rows: the merged rejects file and both kinds of batch parts.
      expect(names).toEqual(expect.arrayContaining(['rejects.csv', 'report.json', path.join('rejects', 'batch-0000001-api.part'), path.join('rejects', 'batch-0000004.part')]));
      expect([{ name: '.', folder: true, mode: statSync(root).mode & 0o777 }, ...modes].filter((m) => m.mode !== (m.folder ? 0o700 : 0o600))).toEqual([]);
    } finally {
      process.umask(umask);
    }
  });
});
