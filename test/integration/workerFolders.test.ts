import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../support/cli';

const folder = mkdtempSync(path.join(tmpdir(), 'xp-import-worker-folders-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
const aFile = path.join(folder, 'a-file.csv');
writeFileSync(aFile, 'user_id\nu1\n');
const dataDir = path.join(folder, 'data');
mkdirSync(dataDir);
const reportLink = path.join(folder, 'reports-link');
mkdirSync(path.join(dataDir, 'linked-reports'));
symlinkSync(path.join(dataDir, 'linked-reports'), reportLink);
/** A worker environment with usable folders and a Temporal address nothing answers. */
const env = { XTREMEPUSH_APPTOKEN: 'token', TEMPORAL_ADDRESS: '127.0.0.1:1', XP_IMPORT_DATA_DIR: dataDir, XP_IMPORT_REPORT_DIR: path.join(folder, 'reports') };

/**
 * `xp-import worker` (built) checks its folders before it polls: QA saw a worker with a missing data
 * folder start, take batches of another worker's import and fail it, and one whose report folder
 * could not be made leave imports hanging. No Temporal server is needed: it stops before connecting.
 */
describe('xp-import worker refuses folders it cannot use, naming the variable', () => {

  it.each([
    ['a data folder that does not exist', { XP_IMPORT_DATA_DIR: path.join(folder, 'missing') }, /XP_IMPORT_DATA_DIR \(.*missing\) does not exist: create it, or mount the data volume there/],
    ['a data folder that is a file', { XP_IMPORT_DATA_DIR: aFile }, /XP_IMPORT_DATA_DIR \(.*a-file\.csv\) is not a folder/],
    ['a report folder under a file', { XP_IMPORT_REPORT_DIR: path.join(aFile, 'reports') }, /XP_IMPORT_REPORT_DIR \(.*\) cannot be created \(ENOTDIR\)/],
    ['a report folder inside the data folder', { XP_IMPORT_REPORT_DIR: path.join(dataDir, 'reports') }, /XP_IMPORT_REPORT_DIR \(.*\) is inside XP_IMPORT_DATA_DIR \(.*\): anyone who can start an import could read its reports/],
    ['a report folder that is the data folder', { XP_IMPORT_REPORT_DIR: dataDir }, /is inside XP_IMPORT_DATA_DIR/],
    ['a report folder that leads into the data folder through a link', { XP_IMPORT_REPORT_DIR: reportLink }, /is inside XP_IMPORT_DATA_DIR/],
    ['a health file in a folder that does not exist', { XP_IMPORT_HEALTH_FILE: path.join(folder, 'no', 'health') }, /XP_IMPORT_HEALTH_FILE .*: its folder .* does not exist/],
  ])('%s: exit 2, one line', async (_what, bad, message) => {
    const result = await runCli(['worker'], { ...env, ...bad }, 30_000);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});

/** QA: a wrong TEMPORAL_ADDRESS printed the SDK's Rust transport error (`tonic::transport::Error(...)`) and exited 3. */
describe('xp-import worker with a Temporal address nothing answers', () => {
  it('exits 2 with one line naming the address and the reason', async () => {
    const result = await runCli(['worker'], env, 60_000);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(
      'xp-import worker: cannot reach Temporal at 127.0.0.1:1 (Connection refused); is a server running? (xp-import server, or set TEMPORAL_ADDRESS)',
    );
  });
});

describe('xp-import worker with a shutdown grace shorter than its request timeout', () => {
  it('warns, before anything else, that a request in flight at SIGTERM would be cut off and sent again', async () => {
    const result = await runCli(['worker'], { ...env, XP_IMPORT_SHUTDOWN_GRACE_MS: '1000', XTREMEPUSH_REQUEST_TIMEOUT_MS: '5000' }, 60_000);
    const [first] = result.stderr.trim().split('\n');
    expect(JSON.parse(first as string)).toMatchObject({
      level: 'WARN',
      message: 'shutdown grace shorter than a request may take',
      shutdownGraceMs: 1000,
      requestTimeoutMs: 5000,
      todo: expect.stringContaining('XP_IMPORT_SHUTDOWN_GRACE_MS above XTREMEPUSH_REQUEST_TIMEOUT_MS') as string,
    });
  });
});

describe('xp-import worker without XP_IMPORT_DATA_DIR', () => {
  it('warns at start that it reads URLs only (before, it started as if nothing were wrong, and local imports failed later)', async () => {
    const result = await runCli(['worker'], { ...env, XP_IMPORT_DATA_DIR: '' }, 60_000);
    const [first] = result.stderr.trim().split('\n');
    expect(JSON.parse(first as string)).toMatchObject({
      level: 'WARN',
      message: 'no XP_IMPORT_DATA_DIR: this worker reads http(s) sources only',
      todo: expect.stringContaining('set XP_IMPORT_DATA_DIR') as string,
    });
  });
});

/** A walkthrough: a wrong TEMPORAL_NAMESPACE printed the RPC status with its binary details, and the worker never exited. */
describe('xp-import worker with a namespace the server does not have', () => {
  it('exits 2 with one line saying how to create it', async () => {
    const server = inject('temporalAddress');
    const result = await runCli(['worker'], { ...env, TEMPORAL_ADDRESS: server, TEMPORAL_NAMESPACE: 'no-such-namespace' }, 60_000);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(
      `xp-import worker: namespace "no-such-namespace" does not exist on the Temporal server at ${server}: create it (temporal operator namespace create --namespace no-such-namespace) or set TEMPORAL_NAMESPACE`,
    );
  });
});
