import net from 'node:net';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientConfigError, connectImportClient, loadTemporalEnv } from '../../../client/connect';
import { ConfigError, loadWorkerConfig } from '../../../workers/config';
import { createImportWorker } from '../../../workers/importWorker';

const workerBase = { XP_IMPORT_DATA_DIR: os.tmpdir(), XP_IMPORT_REPORT_DIR: os.tmpdir(), XTREMEPUSH_APPTOKEN: 'token' };

/** A server on a free port of loopback, answering each connection with `answer`; resolves its address. */
async function listen(servers: net.Server[], answer: (socket: net.Socket) => void): Promise<string> {
  const server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    answer(socket);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

describe('TEMPORAL_ADDRESS with a scheme', () => {
  const expected = 'TEMPORAL_ADDRESS=http://localhost:7233 has a scheme, but it is host:port without http://: set TEMPORAL_ADDRESS=localhost:7233 (for TLS, add TEMPORAL_TLS=true rather than https://)';

  it('is refused by the worker as it loads its settings', () => {
    expect(() => loadWorkerConfig({ ...workerBase, TEMPORAL_ADDRESS: 'http://localhost:7233' })).toThrow(new ConfigError(expected));
    expect(() => loadWorkerConfig({ ...workerBase, TEMPORAL_ADDRESS: 'https://temporal.example:7233/' })).toThrow(/without https:\/\/: set TEMPORAL_ADDRESS=temporal\.example:7233 /);
  });

  it('is refused by the client before it connects, not as a server that does not run', async () => {
    await expect(connectImportClient(loadTemporalEnv({ TEMPORAL_ADDRESS: 'http://localhost:7233' }))).rejects.toThrow(new ClientConfigError(expected));
  });
});

/**
 * TLS on against a plain-text server (here one that answers in HTTP/1.1), and off against a server
 * that hangs up on plain text as a TLS server does: the transport's own words, then what to check.
 */
describe('a TEMPORAL_TLS that does not match the server', () => {
  const servers: net.Server[] = [];
  let plainText: string;
  let hangsUp: string;

  beforeAll(async () => {
    plainText = await listen(servers, (socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    hangsUp = await listen(servers, (socket) => socket.on('data', () => socket.destroy()));
  });
  afterAll(() => servers.forEach((server) => server.close()));

  it('TLS on, plain-text server: the worker says TEMPORAL_TLS does not match', async () => {
    const config = loadWorkerConfig({ ...workerBase, TEMPORAL_ADDRESS: plainText, TEMPORAL_TLS: 'true' });
    const failure = createImportWorker(config);
    await expect(failure).rejects.toThrow(ConfigError);
    await expect(failure).rejects.toThrow(/^cannot reach Temporal at .*; TLS is on but the server answered in plain text, so TEMPORAL_TLS does not match the server: .*unset TEMPORAL_TLS/);
  });

  it('TLS off, a server that hangs up: the worker says TEMPORAL_TLS may not match', async () => {
    const config = loadWorkerConfig({ ...workerBase, TEMPORAL_ADDRESS: hangsUp });
    await expect(createImportWorker(config)).rejects.toThrow(/; TLS is off, .*TEMPORAL_TLS does not match the server: set TEMPORAL_TLS=true$/);
  });

  it('TLS on, plain-text server: the client, which only times out, says TEMPORAL_TLS may not match', async () => {
    const failure = connectImportClient(loadTemporalEnv({ TEMPORAL_ADDRESS: plainText, TEMPORAL_TLS: 'true' }));
    await expect(failure).rejects.toThrow(/^cannot reach Temporal at .*; TLS is on, .*TEMPORAL_TLS does not match the server/);
  }, 30_000);
});
