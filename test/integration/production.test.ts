import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { writeSampleFile } from '../../bin/sampleData';
import { startImport, waitForReport } from '../../client/imports';
import { temporalConnectionOptions } from '../../common/config';
import { ConfigError, loadWorkerConfig } from '../../workers/config';
import { completedActivities, historyText, importHistories } from '../support/history';
import { expectStoreEquals, expectedFromSampleCsv, readSampleCsv } from '../support/oracle';
import { startTestStack, type TestStack } from '../support/stack';
import { killWorkers, spawnWorker, type WorkerProcess } from '../support/workerProcess';

const FILE_TOKEN = 'apptoken-from-a-secret-file-94c1e7';
const URL_PASSWORD = 'url-password-3f8a0d';

const folder = mkdtempSync(path.join(tmpdir(), 'xp-import-prod-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function secretFile(name: string, value: string): string {
  const file = path.join(folder, name);
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return file;
}

/** Issue 7: the token lives in a secret file that only the worker reads; it never reaches Temporal or a log. */
describe('a worker whose apptoken comes from XTREMEPUSH_APPTOKEN_FILE', () => {
  let stack: TestStack | undefined;
  let worker: WorkerProcess | undefined;
  afterEach(async () => {
    await killWorkers([worker]);
    worker = undefined;
    await stack?.stop();
    stack = undefined;
  });

  it('completes an import; its log and every history of the import hold neither the token nor any email', async () => {
    stack = await startTestStack({ inProcessWorker: false, sandbox: { apptoken: FILE_TOKEN } });
    const file = path.join(stack.dataDir, 'customers.csv');
    await writeSampleFile(file, { rows: 2_400, seed: 11 });
    const expected = expectedFromSampleCsv(file);
    // A rejected row, so that rejection reasons are checked for leaks too.
    appendFileSync(file, 'u99999999,rejected.person@example.org,1,3538,1,Rejected,{}\n');

    worker = spawnWorker({
      ...stack.env,
      // Empty values, as `X=` lines in a compose .env file give them, count as unset.
      XTREMEPUSH_APPTOKEN: '',
      XTREMEPUSH_REGION: '',
      XP_IMPORT_API_RATE_LIMIT: '',
      XTREMEPUSH_APPTOKEN_FILE: secretFile('apptoken', FILE_TOKEN),
      // Credentials in the API URL (a proxy's, say) are not logged with it.
      XTREMEPUSH_API_URL: stack.sandbox.url.replace('http://', `http://proxy:${URL_PASSWORD}@`),
    });
    await worker.ready;
    const { importId } = await startImport(stack.client, { source: 'customers.csv', importId: 'token-from-file', batchSize: 800 });
    const report = await waitForReport(stack.client, importId);
    expect(report.status).toBe('completed_with_rejections');
    expect(report.rows).toMatchObject({ total: 2_401, imported: 2_400, rejected: 1 });
    expectStoreEquals(stack.sandbox, expected);

    const histories = await importHistories(stack.client.client, importId);
    // The four batches' submits (2,401 rows in batches of 800) are among what is searched.
    expect(histories.flatMap((h) => completedActivities(h.events, 'submitBatch'))).toHaveLength(4);
    const text = histories.map((h) => historyText(h.events)).join('\n');
    const log = worker.log();
    expect(log).toContain('"message":"worker ready"');
    expect(log).toContain(`"api":"${stack.sandbox.url}"`);
    const secrets = [FILE_TOKEN, URL_PASSWORD, ...readSampleCsv(file).map((row) => row.email as string)];
    expect(secrets.filter((secret) => text.includes(secret))).toEqual([]);
    expect(secrets.filter((secret) => log.includes(secret))).toEqual([]);
  });
});

describe('worker configuration from the environment', () => {
  const base = { XP_IMPORT_DATA_DIR: folder };

  it('treats empty values as unset, and still validates every value that is set', () => {
    const config = loadWorkerConfig({ ...base, XTREMEPUSH_APPTOKEN: 'token', XTREMEPUSH_REGION: '', XTREMEPUSH_API_URL: '', XP_IMPORT_API_RATE_LIMIT: '', TEMPORAL_ADDRESS: '' });
    expect(config.apiUrl).toBe('https://external-api.xtremepush.com');
    expect(config.env.XP_IMPORT_API_RATE_LIMIT).toBeUndefined();
    expect(config.env.TEMPORAL_ADDRESS).toBe('localhost:7233');
    expect(() => loadWorkerConfig({ ...base, XTREMEPUSH_APPTOKEN: 'token', XTREMEPUSH_REGION: 'mars' })).toThrow(/XTREMEPUSH_REGION/);
    expect(() => loadWorkerConfig({ ...base, XTREMEPUSH_APPTOKEN: 'token', XP_IMPORT_API_RATE_LIMIT: ' ' })).toThrow(ConfigError);
    expect(() => loadWorkerConfig({ ...base, XTREMEPUSH_APPTOKEN: '' })).toThrow(/XTREMEPUSH_APPTOKEN is required/);
  });

  it('reads the apptoken from its file, refuses an empty file and two sources at once', () => {
    expect(loadWorkerConfig({ ...base, XTREMEPUSH_APPTOKEN_FILE: secretFile('token', 'from-file') }).auth).toEqual({ kind: 'apptoken', apptoken: 'from-file' });
    expect(() => loadWorkerConfig({ ...base, XTREMEPUSH_APPTOKEN_FILE: secretFile('blank', '') })).toThrow(/is empty/);
    expect(() => loadWorkerConfig({ ...base, XTREMEPUSH_APPTOKEN: 'a', XTREMEPUSH_APPTOKEN_FILE: secretFile('token2', 'b') })).toThrow(/not both/);
  });

  it('configures OAuth from a client ID and a secret file, and maps XTREMEPUSH_REGION=us to the US host', () => {
    const config = loadWorkerConfig({
      ...base,
      XTREMEPUSH_REGION: 'us',
      XTREMEPUSH_OAUTH_CLIENT_ID: 'client',
      XTREMEPUSH_OAUTH_CLIENT_SECRET_FILE: secretFile('oauth-secret', 'shh'),
    });
    expect(config.auth).toEqual({ kind: 'oauth', clientId: 'client', clientSecret: 'shh' });
    expect(config.apiUrl).toBe('https://api.us.xtremepush.com');
  });

  it('reads the Temporal API key from TEMPORAL_API_KEY_FILE and turns TLS on for it', () => {
    const keyFile = secretFile('temporal-key', 'temporal-cloud-key');
    const config = loadWorkerConfig({ ...base, XTREMEPUSH_APPTOKEN: 'token', TEMPORAL_API_KEY_FILE: keyFile });
    const options = temporalConnectionOptions(config.env, (f) => Buffer.from(`${f === keyFile ? 'temporal-cloud-key' : ''}\n`));
    expect(options.apiKey).toBe('temporal-cloud-key');
    expect(options.tls).toBeDefined();
    expect(() => loadWorkerConfig({ ...base, XTREMEPUSH_APPTOKEN: 'token', TEMPORAL_API_KEY: 'k', TEMPORAL_API_KEY_FILE: keyFile })).toThrow(/not both/);
    expect(() => loadWorkerConfig({ ...base, XTREMEPUSH_APPTOKEN: 'token', TEMPORAL_API_KEY_FILE: path.join(folder, 'missing') })).toThrow(/cannot be read/);
  });
});
