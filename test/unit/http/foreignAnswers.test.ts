import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { XtremepushClient } from '../../../activities/xtremepush/client';
import { XtremepushError } from '../../../activities/xtremepush/errors';
import { startFakeApi, type FakeApi } from '../../support/fakeApi';

/**
 * What the client makes of answers the API documents and of answers from what stands in front of
 * it (a firewall, a proxy, a load balancer): a real server on loopback answers each request with
 * the status, content type and body the request's `columns` name.
 */
interface Answer {
  status: number;
  type: string;
  body: string;
  headers?: Record<string, string>;
}

const page = (status: number, title: string) => `<html><head><title>${status} ${title}</title></head><body><center><h1>${status} ${title}</h1></center></body></html>`;
const envelope = (code: number, message: string) => JSON.stringify({ success: false, code, message });

const ANSWERS: Record<string, Answer> = {
  firewall403: { status: 403, type: 'text/html', body: page(403, 'Forbidden') },
  api403: { status: 403, type: 'application/json', body: envelope(403, 'API access not authorised') },
  plainHttpToHttps400: { status: 400, type: 'text/html', body: page(400, 'The plain HTTP request was sent to HTTPS port') },
  waf406: { status: 406, type: 'text/html', body: page(406, 'Not Acceptable') },
  redirect301: { status: 301, type: 'text/html', body: '', headers: { location: 'https://external-api.xtremepush.com/api/external/import/profile' } },
  api408: { status: 408, type: 'application/json', body: envelope(408, 'Request Timeout') },
  proxy408: { status: 408, type: 'text/html', body: page(408, 'Request Time-out') },
  proxy401: { status: 401, type: 'text/html', body: page(401, 'Authorization Required') },
  api422: { status: 422, type: 'application/json', body: envelope(422, 'Invalid rows') },
};

let api: FakeApi;
let client: XtremepushClient;
beforeAll(async () => {
  api = await startFakeApi((text, res) => {
    const { columns } = JSON.parse(text) as { columns?: string[] };
    // A Task Info look (no columns) meets the firewall's page.
    const answer = ANSWERS[columns?.[0] ?? 'firewall403'] as Answer;
    res.writeHead(answer.status, { 'content-type': answer.type, ...answer.headers });
    res.end(answer.body);
  });
  client = api.client;
});
afterAll(() => api.close());

async function errorFor(answer: keyof typeof ANSWERS): Promise<XtremepushError> {
  const error: unknown = await client.importProfiles([answer], [['u1']]).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(XtremepushError);
  return error as XtremepushError;
}

describe('answers that are not the API\'s own', () => {
  it.each(['firewall403', 'plainHttpToHttps400', 'waf406', 'redirect301'] as const)(
    '%s: refused before the API saw it, not retried, and the message says where to look',
    async (answer) => {
      const error = await errorFor(answer);
      // Before, a non-JSON 403 said the token was not allowed, and a non-JSON 400 or 406 was tried again until the batch gave up.
      expect(error.name).toBe('RefusedByProxyError');
      expect(error.retryable).toBe(false);
      expect(error.status).toBe(ANSWERS[answer]!.status);
      expect(error.message).toContain('XTREMEPUSH_API_URL is https://');
    },
  );

  it('a page in place of a Task Info answer is looked at again, not taken as the end of the import', async () => {
    const error: unknown = await client.taskInfo('7').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ name: 'InvalidResponseError', retryable: true, status: 403 });
  });

  it.each(['api408', 'proxy408'] as const)('%s: the request did not arrive in time, so it is sent again (not split as refused rows)', async (answer) => {
    const error = await errorFor(answer);
    expect(error.name).toBe('ServerError');
    expect(error.retryable).toBe(true);
    expect(error.details.outcomeUnknown).toBe(false);
  });

  it('the API\'s own 403 is about the token; a 401 page is about the credentials; a 422 in the API\'s JSON is about the rows', async () => {
    expect((await errorFor('api403')).name).toBe('ForbiddenError');
    expect((await errorFor('proxy401')).name).toBe('AuthenticationError');
    const rejected = await errorFor('api422');
    expect(rejected.name).toBe('RequestRejectedError');
    expect(rejected.details.apiMessage).toBe('Invalid rows');
  });
});
