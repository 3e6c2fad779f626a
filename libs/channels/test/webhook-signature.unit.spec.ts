import { signedHeaders, SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyRequest } from '@libs/channels';

const SECRET = 'whsec-test';
const NOW = 1_780_000_000_000;
const body = JSON.stringify({ type: 'order.paid', orderId: 'S-1' });

function check(overrides: Partial<Parameters<typeof verifyRequest>[1]> = {}, secrets = [SECRET], now = NOW) {
  const headers = signedHeaders(SECRET, 'POST', '/v1/webhooks/orders', body, NOW);
  return verifyRequest(
    secrets,
    {
      method: 'POST',
      path: '/v1/webhooks/orders',
      body,
      timestampHeader: headers[TIMESTAMP_HEADER],
      signatureHeader: headers[SIGNATURE_HEADER],
      ...overrides,
    },
    now,
  );
}

describe('webhook signature', () => {
  it('accepts a request signed with the secret within the window', () => {
    expect(check()).toEqual({ ok: true });
    expect(check({}, [SECRET], NOW + 60_000)).toEqual({ ok: true });
  });

  it('refuses a timestamp more than 60 s away, either side', () => {
    expect(check({}, [SECRET], NOW + 61_000)).toEqual({ ok: false, code: 'WEBHOOK.STALE_TIMESTAMP' });
    expect(check({}, [SECRET], NOW - 61_000)).toEqual({ ok: false, code: 'WEBHOOK.STALE_TIMESTAMP' });
  });

  it('binds the method, the path and the body', () => {
    expect(check({ method: 'PUT' })).toEqual({ ok: false, code: 'WEBHOOK.BAD_SIGNATURE' });
    expect(check({ path: '/v1/webhooks/other' })).toEqual({ ok: false, code: 'WEBHOOK.BAD_SIGNATURE' });
    expect(check({ body: body.replace('S-1', 'S-2') })).toEqual({ ok: false, code: 'WEBHOOK.BAD_SIGNATURE' });
  });

  it('refuses another secret and accepts any of several during a rotation', () => {
    expect(check({}, ['other'])).toEqual({ ok: false, code: 'WEBHOOK.BAD_SIGNATURE' });
    expect(check({}, ['old', SECRET])).toEqual({ ok: true });
  });

  it('names missing and malformed headers', () => {
    expect(check({ signatureHeader: undefined })).toEqual({ ok: false, code: 'WEBHOOK.MISSING_SIGNATURE' });
    expect(check({ signatureHeader: 'v1=zz' })).toEqual({ ok: false, code: 'WEBHOOK.MALFORMED_SIGNATURE' });
    expect(check({ timestampHeader: 'yesterday' })).toEqual({
      ok: false,
      code: 'WEBHOOK.MALFORMED_SIGNATURE',
    });
  });
});
