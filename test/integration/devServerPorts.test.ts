import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
