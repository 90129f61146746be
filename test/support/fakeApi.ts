import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppTokenCredentials } from '../../activities/xtremepush/credentials';
import { XtremepushClient } from '../../activities/xtremepush/client';

export interface FakeApi {
  client: XtremepushClient;
  close(): Promise<void>;
}

/**
 * A stand-in for the API on loopback that answers as a test says, for what the client makes of
 * answers the sandbox never gives: `answer` gets each request's body, read whole. With a client of it.
 */
export async function startFakeApi(answer: (body: string, res: ServerResponse) => void, apptoken = 'token-1'): Promise<FakeApi> {
  const server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => answer(text, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = new XtremepushClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, credentials: new AppTokenCredentials(apptoken) });
  return {
    client,
    async close() {
      await client.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
