import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startImport, waitForReport } from '../../client/imports';
import { historyText, importHistories } from '../support/history';
import { SANDBOX_TOKEN, startTestStack, type TestStack } from '../support/stack';

/*
 * Invariant 2: adversarial row content (NDJSON and CSV with a JSON column) must
 * reach the rejects file only, never a history, the memo, the search attributes or the report.
 */
const LEAKS = [
  'leak.one@example.org',
  'leak.two@example.org',
  'leak.three@example.org',
  'leak.four@example.org',
  'leakfive-notanemail',
  'leak-six-phone',
  'leak.seven@example.org',
  'leak.eight@example.org',
  'leak.nine@example.org',
  'leak.ten@example.org',
  'leakeleven',
  'leak.twelve@example.org',
  'leak.thirteen@example.org',
];

const NDJSON = [
  '{"user_id":"ok1","email":"fine1@example.com","email_subscription":1}',
  '{"user_id":"u2","email":"leak.one@example.org"',
  '{"user_id":"u3","leak.two@example.org":"x"}',
  '{"user_id":"u4","email":"leak.three@example.org","email":"leak.four@example.org","email_subscription":1}',
  '{"user_id":"u5","email":"leakfive-notanemail","email_subscription":1}',
  '{"user_id":"u6","mobile_number":"leak-six-phone","mobile_subscription":1}',
  '"leak.seven@example.org"',
  '{"user_id":"leak.eight@example.org","email":"leak.eight@example.org","email_subscription":1}',
  '{"user_id":"u9","leakeleven":{"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{"i":{"j":{"k":{"l":{"m":{"n":{"o":{"p":{"q":{"r":{"s":{"t":{"u":{"v":{"w":{"x":{"y":{"z":{"aa":{"bb":{"cc":{"dd":{"ee":{"ff":{"gg":{"hh":1}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}',
  '{"user_id":"u10","email":"leak.nine@example.org","email_subscription":"maybe"}',
  '{"user_id":"leak.ten@example.org","email_subscription":1,"email":"x@example.com"}',
  '{"user_id":"u12","big":12345678901234567890123,"note":"leak.twelve@example.org"}',
].join('\n');

const CSV = [
  'user_id,email,email_subscription,prefs',
  'c1,fine2@example.com,1,"{""a"":1}"',
  'c2,fine3@example.com,1,"{leak.thirteen@example.org"',
  'c3,fine4@example.com,1,"x"y',
  'c4,fine5@example.com,1',
].join('\n');

describe('adversarial row values stay out of Temporal', () => {
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });

  it('NDJSON and CSV rows of every rejection kind leave no value in histories, memo, search attributes or the report', async () => {
    stack = await startTestStack({ sandbox: { faults: { rejectIdentities: ['leak.ten@example.org'] } } });
    writeFileSync(path.join(stack.dataDir, 'people.ndjson'), `${NDJSON}\n`);
    writeFileSync(path.join(stack.dataDir, 'people.csv'), `${CSV}\n`);
    const ndjson = await waitForReport(stack.client, (await startImport(stack.client, { source: 'people.ndjson', importId: 'adversarial-ndjson', batchSize: 4 })).importId);
    const csv = await waitForReport(
      stack.client,
      (await startImport(stack.client, { source: 'people.csv', importId: 'adversarial-csv', batchSize: 2, mapping: { columns: { prefs: { type: 'json' } } } })).importId,
    );
    expect(ndjson.rows.rejected).toBeGreaterThanOrEqual(8);
    expect(csv.rows.rejected).toBeGreaterThanOrEqual(2);

    const texts: string[] = [JSON.stringify(ndjson), JSON.stringify(csv)];
    for (const id of ['adversarial-ndjson', 'adversarial-csv']) {
      const histories = await importHistories(stack.client.client, id);
      texts.push(...histories.map((h) => historyText(h.events)));
      const described = await stack.client.client.workflow.getHandle(id).describe();
      texts.push(JSON.stringify({ memo: described.memo, sa: described.searchAttributes, summary: described.staticSummary, details: described.staticDetails }));
      texts.push(readFileSync(path.join(stack.reportDir, id, 'report.json'), 'utf8'));
    }
    const text = texts.join('\n');
    const leaked = [...LEAKS, SANDBOX_TOKEN].filter((value) => text.includes(value));
    expect(leaked).toEqual([]);
    // The rejects files, which the operator owns, do hold them.
    const rejects = readFileSync(ndjson.rejectsFile as string, 'utf8') + readFileSync(csv.rejectsFile as string, 'utf8');
    expect(rejects).toContain('leak.one@example.org');
  });
});
