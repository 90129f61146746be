import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../support/cli';

/**
 * A setting that cannot work ends the command (built, as users run it) with exit 2 and one line
 * naming the variable: a reviewer saw raw ENOENT and SDK text, exit 3, and workers that never
 * exited. Each command stops before it polls, so each case takes a second or two.
 */
const folder = mkdtempSync(path.join(tmpdir(), 'xp-import-config-errors-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
const missing = path.join(folder, 'missing.pem');
const present = path.join(folder, 'present.pem');
writeFileSync(present, 'not really a certificate\n');
const workerEnv = { XTREMEPUSH_APPTOKEN: 'token', XP_IMPORT_DATA_DIR: folder, XP_IMPORT_REPORT_DIR: path.join(tmpdir(), 'xp-import-config-errors-reports'), XP_IMPORT_TASK_QUEUE: 'config-errors' };

describe('xp-import worker with a Temporal TLS file it cannot read', () => {
  it.each([['TEMPORAL_TLS_CA'], ['TEMPORAL_TLS_CERT'], ['TEMPORAL_TLS_KEY']])('%s naming a missing file: exit 2, one line naming it', async (variable) => {
    const tls = { TEMPORAL_TLS: 'true', TEMPORAL_TLS_CERT: present, TEMPORAL_TLS_KEY: present, [variable]: missing };
    const result = await runCli(['worker'], { ...workerEnv, TEMPORAL_ADDRESS: inject('temporalAddress'), ...tls }, 20_000);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(`xp-import worker: ${variable} points to ${missing}, which cannot be read (ENOENT)`);
  });
});

describe('client commands with Temporal settings that cannot work', () => {
  it.each([
    ['an API key file that is missing', { TEMPORAL_API_KEY_FILE: missing }, `TEMPORAL_API_KEY_FILE points to ${missing}, which cannot be read (ENOENT)`],
    ['a CA file that is missing', { TEMPORAL_TLS: 'true', TEMPORAL_TLS_CA: missing }, `TEMPORAL_TLS_CA points to ${missing}, which cannot be read (ENOENT)`],
    ['an API key and an API key file', { TEMPORAL_API_KEY: 'k', TEMPORAL_API_KEY_FILE: present }, 'TEMPORAL_API_KEY_FILE: set TEMPORAL_API_KEY or TEMPORAL_API_KEY_FILE, not both'],
    ['a CA without TLS', { TEMPORAL_TLS_CA: present }, 'TEMPORAL_TLS_CA: is set but TLS is off, so the connection would be plain text: set TEMPORAL_TLS=true'],
  ])('%s: exit 2, naming the variable', async (_what, settings, message) => {
    const result = await runCli(['status', 'anything'], { TEMPORAL_ADDRESS: inject('temporalAddress'), ...settings }, 30_000);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });

  it.each([['status'], ['pause'], ['report']])('`%s` in a namespace the server lacks: exit 2, naming TEMPORAL_NAMESPACE and the server', async (verb) => {
    const server = inject('temporalAddress');
    const result = await runCli([verb, 'anything'], { TEMPORAL_ADDRESS: server, TEMPORAL_NAMESPACE: 'no-such-namespace' }, 30_000);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(
      `xp-import: namespace "no-such-namespace" does not exist on the Temporal server at ${server}: create it (temporal operator namespace create --namespace no-such-namespace) or set TEMPORAL_NAMESPACE`,
    );
  });
});
