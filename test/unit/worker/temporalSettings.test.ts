import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ClientConfigError, connectImportClient, loadTemporalEnv } from '../../../client/connect';
import { temporalConnectionOptions } from '../../../common/config';
import { ConfigError, loadWorkerConfig } from '../../../workers/config';

/**
 * The TEMPORAL_* settings: the worker and the client validate them with one schema, so one refuses
 * what the other refuses, and a combination that would be dropped without a word is refused.
 */
const folder = mkdtempSync(path.join(os.tmpdir(), 'xp-import-temporal-settings-'));
const pem = path.join(folder, 'present.pem');
writeFileSync(pem, 'pem\n');
const missing = path.join(folder, 'missing.pem');
const workerBase = { XP_IMPORT_DATA_DIR: folder, XP_IMPORT_REPORT_DIR: folder, XTREMEPUSH_APPTOKEN: 'token' };

/** Both sides' refusal of `env`, as their messages. */
function refusals(env: Record<string, string>): string[] {
  const messages: string[] = [];
  for (const load of [() => loadWorkerConfig({ ...workerBase, ...env }), () => loadTemporalEnv(env)]) {
    try {
      load();
    } catch (error) {
      expect([ConfigError, ClientConfigError].some((type) => error instanceof type)).toBe(true);
      messages.push((error as Error).message);
    }
  }
  return messages;
}

describe('Temporal connection settings, for the worker and the client alike', () => {
  it.each([
    ['a certificate without its key', { TEMPORAL_TLS_CERT: pem }, 'TEMPORAL_TLS_CERT: is set without TEMPORAL_TLS_KEY (its private key): set both, or neither'],
    ['a key without its certificate', { TEMPORAL_TLS: 'true', TEMPORAL_TLS_KEY: pem }, 'TEMPORAL_TLS_KEY: is set without TEMPORAL_TLS_CERT (its certificate): set both, or neither'],
    ['a CA without TLS', { TEMPORAL_TLS_CA: pem }, 'TEMPORAL_TLS_CA: is set but TLS is off, so the connection would be plain text: set TEMPORAL_TLS=true'],
    ['a server name without TLS', { TEMPORAL_TLS_SERVER_NAME: 'temporal.example' }, 'TEMPORAL_TLS_SERVER_NAME: is set but TLS is off'],
    ['an API key and an API key file', { TEMPORAL_API_KEY: 'k', TEMPORAL_API_KEY_FILE: pem }, 'TEMPORAL_API_KEY_FILE: set TEMPORAL_API_KEY or TEMPORAL_API_KEY_FILE, not both'],
  ])('refuses %s, naming the variable and what to do', (_what, env, message) => {
    const messages = refusals(env);
    expect(messages).toHaveLength(2);
    for (const text of messages) expect(text).toContain(message);
  });

  it('uses a CA and a server name once TLS is on', () => {
    const env = loadTemporalEnv({ TEMPORAL_TLS: 'true', TEMPORAL_TLS_CA: pem, TEMPORAL_TLS_SERVER_NAME: 'temporal.example' });
    const options = temporalConnectionOptions(env, (file) => Buffer.from(`contents of ${file}`));
    expect(options.tls).toMatchObject({ serverNameOverride: 'temporal.example', serverRootCACertificate: Buffer.from(`contents of ${pem}`) });
  });

  it.each([['TEMPORAL_TLS_CA'], ['TEMPORAL_TLS_CERT'], ['TEMPORAL_TLS_KEY']])('the worker refuses %s naming a missing file when it loads its configuration', (variable) => {
    const env = { ...workerBase, TEMPORAL_TLS: 'true', TEMPORAL_TLS_CERT: pem, TEMPORAL_TLS_KEY: pem, [variable]: missing };
    expect(() => loadWorkerConfig(env)).toThrow(new ConfigError(`${variable} points to ${missing}, which cannot be read (ENOENT)`));
  });

  it('the client refuses a missing file before it connects, naming the variable', async () => {
    const env = loadTemporalEnv({ TEMPORAL_ADDRESS: '127.0.0.1:1', TEMPORAL_API_KEY_FILE: missing });
    await expect(connectImportClient(env)).rejects.toThrow(new ClientConfigError(`TEMPORAL_API_KEY_FILE points to ${missing}, which cannot be read (ENOENT)`));
  });
});

describe('XP_IMPORT_API_RATE_LIMIT', () => {
  it('takes a number above 0, decimals included', () => {
    expect(loadWorkerConfig({ ...workerBase, XP_IMPORT_API_RATE_LIMIT: '20' }).env.XP_IMPORT_API_RATE_LIMIT).toBe(20);
    expect(loadWorkerConfig({ ...workerBase, XP_IMPORT_API_RATE_LIMIT: '0.5' }).env.XP_IMPORT_API_RATE_LIMIT).toBe(0.5);
  });

  it.each([['0x10'], [' 5'], ['1e3'], ['0'], ['abc']])('refuses %j like the other numeric settings, saying what it expects', (value) => {
    expect(() => loadWorkerConfig({ ...workerBase, XP_IMPORT_API_RATE_LIMIT: value })).toThrow(/XP_IMPORT_API_RATE_LIMIT: expected a number above 0 such as 20 or 0\.5, got /);
  });
});

describe('XP_IMPORT_WORKFLOW_BUNDLE', () => {
  it('named but missing is refused, instead of the worker bundling its workflows from source without a word', () => {
    expect(() => loadWorkerConfig({ ...workerBase, XP_IMPORT_WORKFLOW_BUNDLE: missing })).toThrow(ConfigError);
    expect(() => loadWorkerConfig({ ...workerBase, XP_IMPORT_WORKFLOW_BUNDLE: missing })).toThrow(`XP_IMPORT_WORKFLOW_BUNDLE points to ${missing}, which does not exist`);
    expect(loadWorkerConfig({ ...workerBase, XP_IMPORT_WORKFLOW_BUNDLE: pem }).env.XP_IMPORT_WORKFLOW_BUNDLE).toBe(pem);
  });
});
