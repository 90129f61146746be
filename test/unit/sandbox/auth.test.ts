import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startSandbox, type Sandbox } from '../../../sandbox';
import { post, TOKEN, type ApiResponse } from './support';

const CLIENT = { clientId: 'client-a', clientSecret: 'secret-a' };
const rowsBody = { columns: ['user_id', 'first_name'], rows: [['u1', 'Sam']] };

let sandbox: Sandbox;
afterEach(async () => {
  await sandbox.close();
});

function importWith(auth: { apptoken?: string; bearer?: string }): Promise<ApiResponse> {
  const headers: Record<string, string> = auth.bearer === undefined ? {} : { authorization: `Bearer ${auth.bearer}` };
  return post(sandbox.url, '/api/external/import/profile', { ...rowsBody, apptoken: auth.apptoken }, { headers });
}

async function tokenByJson(body: Record<string, unknown>): Promise<ApiResponse> {
  return post(sandbox.url, '/api/oauth/token', body);
}

describe('apptoken authentication', () => {
  it('answers 400 naming the apptoken when it is missing', async () => {
    sandbox = await startSandbox();
    const response = await importWith({});
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 400, success: false });
    expect(response.body.message).toMatch(/apptoken/);
  });

  it('answers 401 "authentication failed" for a wrong token, without repeating it', async () => {
    sandbox = await startSandbox();
    const response = await importWith({ apptoken: 'wrong-token-value' });
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ code: 401, success: false });
    expect(response.body.message).toMatch(/authentication failed/);
    expect(JSON.stringify(response.body)).not.toContain('wrong-token-value');
  });

  it('answers 403 for a token on the forbiddenTokens list', async () => {
    sandbox = await startSandbox({ faults: { forbiddenTokens: ['revoked-token'] } });
    const response = await importWith({ apptoken: 'revoked-token' });
    expect(response.status).toBe(403);
    expect(response.body.code).toBe(403);
    expect(sandbox.requestLog()[0]?.outcome).toBe('fault:forbiddenTokens');
  });

  it('revokes the apptoken once revokeTokenAfterImports import requests were accepted: 401 on every method after, counted afresh by a new config', async () => {
    sandbox = await startSandbox({ faults: { revokeTokenAfterImports: 2 } });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await importWith({ apptoken: TOKEN })).status);
    const list = await post(sandbox.url, '/api/external/list/profile', { apptoken: TOKEN, limit: 1 });
    expect([...statuses, list.status]).toEqual([200, 200, 401, 401]);
    expect(sandbox.requestLog()[2]?.outcome).toBe('fault:revokeTokenAfterImports');
    sandbox.configure({ revokeTokenAfterImports: 1 });
    expect((await importWith({ apptoken: TOKEN })).status).toBe(200);
    expect((await importWith({ apptoken: TOKEN })).status).toBe(401);
  });

  it('checks the token on every method, with the configured apptoken', async () => {
    sandbox = await startSandbox({ apptoken: 'project-token' });
    const wrong = await post(sandbox.url, '/api/external/list/profile', { apptoken: TOKEN, limit: 1 });
    const right = await post(sandbox.url, '/api/external/list/profile', { apptoken: 'project-token', limit: 1 });
    expect(wrong.status).toBe(401);
    expect(right.status).toBe(200);
    expect(right.body).toMatchObject({ success: true, code: 200, data: [] });
  });
});

describe('OAuth', () => {
  it('issues a bearer token for client credentials in a JSON body, which then authenticates', async () => {
    sandbox = await startSandbox({ oauth: CLIENT });
    const token = await tokenByJson({ grant_type: 'client_credentials', client_id: 'client-a', client_secret: 'secret-a' });
    expect(token.status).toBe(200);
    expect(token.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    expect(typeof token.body.access_token).toBe('string');
    const response = await importWith({ bearer: token.body.access_token as string });
    expect(response.status).toBe(200);
    expect(sandbox.profiles().get('user_id:u1')).toEqual({ user_id: 'u1', first_name: 'Sam' });
  });

  it('accepts a form-encoded token request', async () => {
    sandbox = await startSandbox({ oauth: CLIENT });
    const response = await request(`${sandbox.url}/api/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=client-a&client_secret=secret-a',
    });
    const body = (await response.body.json()) as { access_token?: string };
    expect(response.statusCode).toBe(200);
    expect((await importWith({ bearer: body.access_token })).status).toBe(200);
  });

  it('refuses wrong client credentials with 401 and other grant types with 400', async () => {
    sandbox = await startSandbox({ oauth: CLIENT });
    const wrongSecret = await tokenByJson({ grant_type: 'client_credentials', client_id: 'client-a', client_secret: 'nope' });
    const wrongGrant = await tokenByJson({ grant_type: 'password', client_id: 'client-a', client_secret: 'secret-a' });
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.body.error).toBe('invalid_client');
    expect(wrongGrant.status).toBe(400);
    expect(wrongGrant.body.error).toBe('unsupported_grant_type');
  });

  it('answers 401 for an unknown or expired bearer token', async () => {
    sandbox = await startSandbox({ oauth: { ...CLIENT, tokenLifetimeMs: 400 } });
    const token = await tokenByJson({ grant_type: 'client_credentials', client_id: 'client-a', client_secret: 'secret-a' });
    const bearer = token.body.access_token as string;
    expect((await importWith({ bearer })).status).toBe(200);
    expect((await importWith({ bearer: 'made-up' })).status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 450));
    const expired = await importWith({ bearer });
    expect(expired.status).toBe(401);
    expect(expired.body.message).toMatch(/expired/);
  });

  it('still accepts the body apptoken when OAuth is enabled', async () => {
    sandbox = await startSandbox({ oauth: CLIENT });
    expect((await importWith({ apptoken: TOKEN })).status).toBe(200);
  });

  it('has no token endpoint when OAuth is not configured, and ignores bearer headers', async () => {
    sandbox = await startSandbox();
    const token = await tokenByJson({ grant_type: 'client_credentials', client_id: 'client-a', client_secret: 'secret-a' });
    expect(token.status).toBe(404);
    expect((await importWith({ bearer: 'anything' })).status).toBe(400);
  });
});
