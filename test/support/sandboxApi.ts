import { afterEach } from 'vitest';
import { AppTokenCredentials } from '../../activities/xtremepush/credentials';
import { XtremepushClient } from '../../activities/xtremepush/client';
import { startSandbox, type Sandbox, type SandboxOptionsInput } from '../../sandbox';

/**
 * A sandbox on loopback and the project's own client of it, started by a test and closed after it
 * (this registers the afterEach). `sandbox` and `client` are the running ones.
 */
export function sandboxApi(apptoken: string) {
  let running: { sandbox: Sandbox; client: XtremepushClient } | undefined;
  afterEach(async () => {
    await running?.client.close();
    await running?.sandbox.close();
    running = undefined;
  });
  const current = () => {
    if (running === undefined) throw new Error('sandboxApi: start() it first');
    return running;
  };
  return {
    async start(options: SandboxOptionsInput = {}): Promise<{ sandbox: Sandbox; client: XtremepushClient }> {
      const sandbox = await startSandbox({ apptoken, ...options });
      running = { sandbox, client: new XtremepushClient({ baseUrl: sandbox.url, credentials: new AppTokenCredentials(apptoken) }) };
      return running;
    },
    get sandbox(): Sandbox {
      return current().sandbox;
    },
    get client(): XtremepushClient {
      return current().client;
    },
  };
}
