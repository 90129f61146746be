import { inspect } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { XtremepushClient } from '../../../activities/xtremepush/client';
import { AuthenticationError, ConnectionError, ServerError } from '../../../activities/xtremepush/errors';
import { OAuthCredentials } from '../../../activities/xtremepush/oauth';
import { startSandbox, type Sandbox, type SandboxOptionsInput } from '../../../sandbox';
import { failureOf } from '../../support/rejection';

const CLIENT = { clientId: 'xp-import-client', clientSecret: 'client-secret-7d1f0b9e' };

let sandbox: Sandbox | undefined;
let client: XtremepushClient | undefined;
afterEach(async () => {
  await client?.close();
  await sandbox?.close();
  client = undefined;
  sandbox = undefined;
});

async function start(tokenLifetimeMs: number, options: SandboxOptionsInput = {}): Promise<{ sandbox: Sandbox; credentials: OAuthCredentials }> {
  sandbox = await startSandbox({ oauth: { ...CLIENT, tokenLifetimeMs }, ...options });
  return { sandbox, credentials: new OAuthCredentials({ baseUrl: sandbox.url, ...CLIENT }) };
}

async function bearer(credentials: OAuthCredentials): Promise<string> {
  const headers: Record<string, string> = {};
  const body: Record<string, unknown> = {};
  await credentials.authorize(body, headers);
  expect(body).toEqual({});
  expect(headers.authorization).toMatch(/^Bearer \S+$/);
  return headers.authorization as string;
}

/** Whether the sandbox accepts a bearer header right now (a list/profile call outside the client). */
async function accepted(url: string, authorization: string): Promise<boolean> {
  const response = await request(`${url}/api/external/list/profile`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization },
    body: JSON.stringify({ limit: 1 }),
  });
  await response.body.dump();
  return response.statusCode === 200;
}

/** A new sandbox on the same port: it has issued no token yet, so every earlier one is refused with 401. */
async function restart(old: Sandbox, tokenLifetimeMs: number): Promise<Sandbox> {
  await old.close();
  sandbox = await startSandbox({ oauth: { ...CLIENT, tokenLifetimeMs }, port: Number(new URL(old.url).port) });
  return sandbox;
}

const tokenRequests = (s: Sandbox) => s.stats().requests['oauth/token'] ?? 0;

describe('OAuthCredentials', () => {
  it('fetches one token with client credentials and reuses it while it is fresh', async () => {
    const { sandbox, credentials } = await start(60_000);
    const first = await bearer(credentials);
    const second = await bearer(credentials);
    expect(second).toBe(first);
    expect(tokenRequests(sandbox)).toBe(1);
    expect(credentials.tokensIssued).toBe(1);
    expect(await accepted(sandbox.url, first)).toBe(true);
  });

  it('shares one token request among concurrent requests', async () => {
    const { sandbox, credentials } = await start(60_000, { faults: { latencyMs: 150 } });
    const headers = await Promise.all(Array.from({ length: 20 }, () => bearer(credentials)));
    expect(new Set(headers).size).toBe(1);
    expect(tokenRequests(sandbox)).toBe(1);
  });

  it('refreshes before the token expires: the old one is still accepted when the new one arrives', async () => {
    // expires_in 4 s: the credentials refresh after 3 s, which leaves a second of slack on a busy machine.
    const { sandbox, credentials } = await start(4_000);
    const first = await bearer(credentials);
    await sleep(1_000);
    expect(await bearer(credentials)).toBe(first);
    await sleep(2_100);
    const second = await bearer(credentials);
    expect(second).not.toBe(first);
    expect(await accepted(sandbox.url, first)).toBe(true);
    expect(await accepted(sandbox.url, second)).toBe(true);
    expect(tokenRequests(sandbox)).toBe(2);
  });

  it('keeps using a still valid token when its early refresh fails', async () => {
    const { sandbox, credentials } = await start(4_000);
    const first = await bearer(credentials);
    sandbox.configure({ serverError: 1, faultMethods: ['oauth/token'] });
    await sleep(3_100);
    expect(await bearer(credentials)).toBe(first);
    expect(tokenRequests(sandbox)).toBe(2);
  });

  it('after a 401 fetches a new token once and repeats the request', async () => {
    const { sandbox: first, credentials } = await start(60_000);
    client = new XtremepushClient({ baseUrl: first.url, credentials });
    await client.checkCredentials();
    const second = await restart(first, 60_000);
    await client.checkCredentials();
    expect(second.stats().responses['list/profile']).toEqual({ '200': 1, '401': 1 });
    expect(tokenRequests(second)).toBe(1);
    expect(credentials.tokensIssued).toBe(2);
  });

  it('gives up with AuthenticationError when the new token is refused too', async () => {
    const { sandbox, credentials } = await start(1);
    client = new XtremepushClient({ baseUrl: sandbox.url, credentials });
    const error = await failureOf(client.checkCredentials());
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(sandbox.stats().responses['list/profile']).toEqual({ '401': 2 });
    expect(tokenRequests(sandbox)).toBe(2);
  });

  it('answers a burst of 401s for the same expired token with one refresh', async () => {
    const { sandbox: first, credentials } = await start(60_000);
    client = new XtremepushClient({ baseUrl: first.url, credentials });
    await client.checkCredentials();
    const second = await restart(first, 60_000);
    await Promise.all(Array.from({ length: 10 }, () => client!.checkCredentials()));
    expect(second.stats().responses['list/profile']).toEqual({ '200': 10, '401': 10 });
    expect(tokenRequests(second)).toBe(1);
  });

  it('refreshes for rejected headers that carry the current token, and not for a token already replaced', async () => {
    const { sandbox, credentials } = await start(60_000);
    const old = { authorization: await bearer(credentials) };
    expect(await credentials.refreshAfterRejection(old)).toBe(true);
    expect(tokenRequests(sandbox)).toBe(2);
    expect(await credentials.refreshAfterRejection(old)).toBe(true);
    expect(tokenRequests(sandbox)).toBe(2);
    expect(await bearer(credentials)).not.toBe(old.authorization);
  });

  it('sends the client credentials as HTTP Basic when asked to', async () => {
    sandbox = await startSandbox({ oauth: { ...CLIENT, tokenLifetimeMs: 60_000 } });
    const credentials = new OAuthCredentials({ baseUrl: sandbox.url, ...CLIENT, clientAuthentication: 'basic' });
    expect(await accepted(sandbox.url, await bearer(credentials))).toBe(true);
  });

  it('maps a refused client to AuthenticationError, and keeps the secret and tokens out of messages and inspection', async () => {
    sandbox = await startSandbox({ oauth: { ...CLIENT, tokenLifetimeMs: 60_000 } });
    const wrong = new OAuthCredentials({ baseUrl: sandbox.url, clientId: CLIENT.clientId, clientSecret: 'wrong-secret-5a9c' });
    const error = await failureOf(bearer(wrong));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).retryable).toBe(false);
    expect(`${error.message} ${inspect(error)}`).not.toContain('wrong-secret-5a9c');

    const right = new OAuthCredentials({ baseUrl: sandbox.url, ...CLIENT });
    const token = (await bearer(right)).replace('Bearer ', '');
    const shown = `${inspect(right, { depth: 5, showHidden: true })} ${JSON.stringify({ right })}`;
    expect(shown).not.toContain(CLIENT.clientSecret);
    expect(shown).not.toContain(token);
  });

  it('maps a failing token endpoint to retryable errors whose outcome is known', async () => {
    const { sandbox, credentials } = await start(60_000, { faults: { serverError: 1, faultMethods: ['oauth/token'] } });
    const serverError = await failureOf(bearer(credentials));
    expect(serverError).toBeInstanceOf(ServerError);
    expect((serverError as ServerError).retryable).toBe(true);
    expect((serverError as ServerError).details.outcomeUnknown).toBe(false);

    const url = sandbox.url;
    await sandbox.close();
    const down = await failureOf(bearer(new OAuthCredentials({ baseUrl: url, ...CLIENT })));
    expect(down).toBeInstanceOf(ConnectionError);
    expect((down as ConnectionError).retryable).toBe(true);
    expect((down as ConnectionError).details.outcomeUnknown).toBe(false);
  });
});
