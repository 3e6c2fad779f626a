import { request as httpRequest } from 'node:http';
import { ApiKeysRepository } from '../src/auth/api-keys.repository';
import { type ApiTestApp, startApiTestApp } from './api-test-app';

interface Answer {
  status: number;
  retryAfter?: string;
  code?: string;
}

/** A GET sent from a chosen loopback source address (Linux answers on all of 127.0.0.0/8). */
function getFrom(api: ApiTestApp, source: string, key: string): Promise<Answer> {
  const port = new URL(api.url).port;
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path: '/v1/alerts',
        localAddress: source,
        headers: { authorization: `Bearer ${key}` },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            retryAfter: res.headers['retry-after'] as string | undefined,
            code: text ? (JSON.parse(text) as { code?: string }).code : undefined,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const unknownKey = (n: number) => `ssk_${n.toString(16).padStart(16, '0')}_${'A'.repeat(43)}`;

/** Guessing keys costs a source its access, never the database a query per guess. */
describe('operations API failed authentication', () => {
  let api: ApiTestApp;
  let lookups: jest.SpyInstance;

  beforeAll(async () => {
    api = await startApiTestApp('api_auth_fail', {
      HTTP_HOST: '0.0.0.0',
      API_AUTH_FAILURE_BURST: '5',
      API_AUTH_FAILURES_PER_MINUTE: '1',
    });
    lookups = jest.spyOn(api.app.get(ApiKeysRepository), 'find');
  });

  afterAll(async () => {
    lookups?.mockRestore();
    await api?.close();
  });

  it('answers 429 with Retry-After once a source has used its failures, without looking the keys up', async () => {
    const source = '127.0.0.2';
    const answers: Answer[] = [];
    for (let i = 0; i < 5; i++) answers.push(await getFrom(api, source, unknownKey(i)));
    expect(answers.map((a) => a.status)).toEqual([401, 401, 401, 401, 401]);
    const looked = lookups.mock.calls.length;
    expect(looked).toBe(5);

    for (let i = 5; i < 25; i++) {
      const refused = await getFrom(api, source, unknownKey(i));
      expect(refused).toMatchObject({ status: 429, code: 'API.RATE_LIMITED' });
      expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    }
    expect(lookups.mock.calls.length).toBe(looked);

    // A valid key from the same source waits too: the source, not the key, is what is limited.
    expect((await getFrom(api, source, api.adminKey)).status).toBe(429);
  });

  it('keeps other sources unaffected', async () => {
    expect((await getFrom(api, '127.0.0.3', api.adminKey)).status).not.toBe(429);
    expect((await getFrom(api, '127.0.0.3', unknownKey(100))).status).toBe(401);
  });

  it('remembers an unknown key id briefly: a repeated guess costs no second query', async () => {
    const before = lookups.mock.calls.length;
    expect((await getFrom(api, '127.0.0.4', unknownKey(200))).status).toBe(401);
    expect((await getFrom(api, '127.0.0.4', unknownKey(200))).status).toBe(401);
    expect(lookups.mock.calls.length).toBe(before + 1);
  });
});
