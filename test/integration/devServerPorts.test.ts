import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PortInUseError, startDevServer } from '../../workers/devServer';
import { runCli } from '../support/cli';

/** `xp-import server` and `dev` on a port that is taken, or not a port at all: exit 2 and why, never a start beside another server. */
describe('the local server and its ports', () => {
  const taken = net.createServer();
  let port = 0;
  beforeAll(async () => {
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    port = (taken.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => taken.close(resolve));
  });

  it('a port in use is refused before anything starts', async () => {
    await expect(startDevServer({ port, headless: true, log: () => undefined })).rejects.toThrow(PortInUseError);
    await expect(startDevServer({ uiPort: port, log: () => undefined })).rejects.toThrow(`port ${port} on 127.0.0.1 is in use`);
  });

  it.each([['server'], ['dev']])('`%s` on a taken port exits 2 and names the port', async (verb) => {
    const result = await runCli([verb, '--port', String(port)], {}, 30_000);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`port ${port} on 127.0.0.1 is in use`);
    expect(result.stdout).toBe('');
  });

  // A reviewer saw these exit 3 with the raw EADDRINUSE or the SDK's text.
  it.each([
    ['sandbox --port <taken>', () => ['sandbox', '--port', String(port)], '--port'],
    ['dev --sandbox-port <taken>', () => ['dev', '--port', '27761', '--ui-port', '27762', '--sandbox-port', String(port)], '--sandbox-port'],
    ['server --port P --ui-port P', () => ['server', '--port', '27763', '--ui-port', '27763'], '--ui-port'],
  ])('%s exits 2, naming the flag', async (_what, args, setting) => {
    const result = await runCli(args(), {}, 30_000);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`^xp-import: port \\d+ on \\S+ is in use: stop what listens there, or choose another port with ${setting}\n$`));
  });

  it('a worker whose XP_IMPORT_METRICS_PORT is taken exits 2, naming the variable', async () => {
    const env = { XTREMEPUSH_APPTOKEN: 'token', XP_IMPORT_METRICS_PORT: String(port), XP_IMPORT_REPORT_DIR: path.join(tmpdir(), 'xp-import-metrics-port') };
    const result = await runCli(['worker'], { ...env, TEMPORAL_ADDRESS: inject('temporalAddress') }, 30_000);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`xp-import worker: port ${port} on 0.0.0.0 is in use: stop what listens there, or choose another port with XP_IMPORT_METRICS_PORT\n`);
  });

  it.each([
    [['server', '--port', 'abc'], 'invalid port'],
    [['server', '--ui-port', '70000'], 'invalid UI port'],
    [['dev', '--port', '-1'], 'invalid port'],
    [['demo', '--rows', '-5'], 'invalid row count'],
  ])('%j exits 2 with one line that says what is wrong', async (args, message) => {
    const result = await runCli(args, {}, 30_000);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});
