import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadWorkerConfig } from '../../../workers/config';
import { closestKnownName, editDistance, unknownSettings } from '../../../workers/settingNames';

const root = path.resolve(__dirname, '../../..');
const CLI = path.join(root, 'dist', 'bin', 'xp-import.js');
const run = promisify(execFile);

/** Every name with one of our prefixes that the project's own files mention or read. */
function namesTheProjectUses(): string[] {
  const files = ['.env.example', 'docker-compose.yml', 'Dockerfile', 'README.md', 'docs/deploy.md', 'docs/production.md'].map((file) => path.join(root, file));
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((entry) => {
      const full = path.join(dir, entry);
      return statSync(full).isDirectory() ? walk(full) : full.endsWith('.ts') ? [full] : [];
    });
  for (const dir of ['bin', 'workers', 'client', 'common', 'activities', 'sandbox', 'bench', 'test']) files.push(...walk(path.join(root, dir)));
  const names = new Set<string>();
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    // In the docs and settings files, any name; in code, the names it reads from the environment.
    const pattern = file.endsWith('.ts') ? /(?:process\.env\.|process\.env\[')((?:XP_IMPORT|XTREMEPUSH|TEMPORAL)_[A-Z0-9_]+)/g : /\b((?:XP_IMPORT|XTREMEPUSH|TEMPORAL)_[A-Z0-9_]*[A-Z0-9])\b/g;
    for (const match of text.matchAll(pattern)) names.add(match[1] as string);
  }
  return [...names];
}

describe('settings the worker does not read', () => {
  it('are found with the name probably meant, and only by name', () => {
    const env = {
      XP_IMPORT_REPORTS_DIR: '/tmp/x',
      XTREMEPUSH_APPTOKN: 'secret-token',
      XP_IMPORT_SOMETHING_ELSE_ENTIRELY: '1',
      XP_IMPORT_REPORT_DIR: '/reports',
      TEMPORAL_ADDRESS: 'localhost:7233',
      HOME: '/root',
    };
    expect(unknownSettings(env)).toEqual([
      { name: 'XP_IMPORT_REPORTS_DIR', closest: 'XP_IMPORT_REPORT_DIR' },
      { name: 'XP_IMPORT_SOMETHING_ELSE_ENTIRELY' },
      { name: 'XTREMEPUSH_APPTOKN', closest: 'XTREMEPUSH_APPTOKEN' },
    ]);
    expect(JSON.stringify(unknownSettings(env))).not.toContain('secret-token');
  });

  it("leave alone the names the Temporal CLI and SDK read, and the CLI's gRPC headers", () => {
    const temporal = ['TEMPORAL_PROFILE', 'TEMPORAL_CONFIG_FILE', 'TEMPORAL_TLS_CLIENT_CERT_PATH', 'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION', 'TEMPORAL_CODEC_ENDPOINT', 'TEMPORAL_CORE_PRETTY_LOGS', 'TEMPORAL_GRPC_META_X_ORG'];
    expect(unknownSettings(Object.fromEntries(temporal.map((name) => [name, 'x'])))).toEqual([]);
  });

  it('know every name the project reads, documents or puts in .env.example (a name added elsewhere must be added to workers/settingNames.ts)', () => {
    const names = namesTheProjectUses();
    expect(names.length).toBeGreaterThan(30);
    expect(unknownSettings(Object.fromEntries(names.map((name) => [name, 'x'])))).toEqual([]);
  });

  it('suggest a name within two edits only, the closest first', () => {
    expect(editDistance('XP_IMPORT_LOG_LEVL', 'XP_IMPORT_LOG_LEVEL')).toBe(1);
    expect(closestKnownName('TEMPORAL_ADRESS')).toBe('TEMPORAL_ADDRESS');
    expect(closestKnownName('TEMPORAL_TLS_CRT')).toBe('TEMPORAL_TLS_CERT');
    expect(closestKnownName('XP_IMPORT_NOTHING_LIKE_IT')).toBeUndefined();
  });

  it('are named where a missing credential is refused', () => {
    const base = { XP_IMPORT_DATA_DIR: '/data' };
    expect(() => loadWorkerConfig({ ...base, XTREMEPUSH_APPTOKN: 'token' })).toThrow(
      new ConfigError('XTREMEPUSH_APPTOKEN is required (or XTREMEPUSH_APPTOKEN_FILE, or XTREMEPUSH_OAUTH_CLIENT_ID and _SECRET); XTREMEPUSH_APPTOKN is set: did you mean XTREMEPUSH_APPTOKEN?'),
    );
    expect(() => loadWorkerConfig({ ...base, XTREMEPUSH_OAUTH_CLIENT_ID: 'id', XTREMEPUSH_OAUTH_CLIENT_SECERT: 's' })).toThrow(/; XTREMEPUSH_OAUTH_CLIENT_SECERT is set: did you mean XTREMEPUSH_OAUTH_CLIENT_SECRET\?$/);
  });

  // `xp-import worker` as deployed (built: `npm test` builds first), with no Temporal to reach: the
  // warnings come before it connects.
  it('are warned of by `xp-import worker`, one JSON line per name, through its log', async () => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'xp-unknown-'));
    try {
      // The data folder beside the default report folder (./xp-import-reports), not around it.
      mkdirSync(path.join(cwd, 'data'));
      const env = { PATH: process.env.PATH, TEMPORAL_ADDRESS: '127.0.0.1:1', XTREMEPUSH_APPTOKEN: 'token', XP_IMPORT_DATA_DIR: path.join(cwd, 'data'), XP_IMPORT_REPORTS_DIR: '/tmp/x', TEMPORAL_PROFILE: 'p' };
      const failure = await run(process.execPath, [CLI, 'worker'], { cwd, env }).catch((error: { code: number; stderr: string }) => error);
      expect(failure).toMatchObject({ code: 2 });
      const lines = (failure as { stderr: string }).stderr.split('\n').filter((line) => line.startsWith('{'));
      const warnings = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.message === 'unknown setting');
      expect(warnings).toEqual([
        expect.objectContaining({
          level: 'WARN',
          variable: 'XP_IMPORT_REPORTS_DIR',
          closest: 'XP_IMPORT_REPORT_DIR',
          todo: 'XP_IMPORT_REPORTS_DIR is set, but xp-import reads no such setting (it is ignored): did you mean XP_IMPORT_REPORT_DIR? Rename it, or unset it',
        }),
      ]);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  }, 60_000);

  it('are said on stderr too when the settings are refused, before the refusal', async () => {
    const env = { PATH: process.env.PATH, XTREMEPUSH_APPTOKN: 'secret-token', XP_IMPORT_DATA_DIR: os.tmpdir() };
    const failure = await run(process.execPath, [CLI, 'worker'], { env }).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 2 });
    const stderr = (failure as { stderr: string }).stderr;
    expect(stderr).toBe(
      'xp-import worker: XTREMEPUSH_APPTOKN is set, but xp-import reads no such setting (it is ignored): did you mean XTREMEPUSH_APPTOKEN? Rename it, or unset it\n' +
        'xp-import worker: XTREMEPUSH_APPTOKEN is required (or XTREMEPUSH_APPTOKEN_FILE, or XTREMEPUSH_OAUTH_CLIENT_ID and _SECRET); XTREMEPUSH_APPTOKN is set: did you mean XTREMEPUSH_APPTOKEN?\n',
    );
  }, 60_000);
});
