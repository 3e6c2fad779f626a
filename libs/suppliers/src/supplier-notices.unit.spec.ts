import { signedHeaders } from '@libs/channels';
import { verifyOrderCallback, verifySupplierNotice } from './supplier-notices';

// The inbound side without sockets: a notice or a callback as the connector's route hands it over.

const SECRET = 'supplier-secret-0123456789';
const PATH = '/v1/suppliers/upstream-a/notices';
const NOW = Date.parse('2026-05-01T10:00:00Z');

const notice = (over: Record<string, unknown> = {}) => ({
  noticeId: 'N-1',
  productId: 'P-1',
  stock: 4,
  supplyPrice: 950,
  status: 'on_sale',
  at: '2026-05-01T10:00:00Z',
  ...over,
});

function signed(
  body: unknown,
  options: { secret?: string; nowMs?: number; path?: string; signedPath?: string; raw?: string } = {},
) {
  const rawBody = Buffer.from(options.raw ?? JSON.stringify(body));
  const path = options.path ?? PATH;
  const signedPath = options.signedPath ?? path;
  return {
    method: 'POST',
    path,
    headers: signedHeaders(options.secret ?? SECRET, 'POST', signedPath, rawBody, options.nowMs ?? NOW),
    rawBody,
  };
}

describe('a stock notice', () => {
  it('signed with the supplier secret is verified and read', () => {
    const check = verifySupplierNotice(
      signed({ notices: [notice(), notice({ noticeId: 'N-2', stock: null })] }),
      {
        secrets: [SECRET],
        nowMs: NOW,
      },
    );
    expect(check).toEqual({
      ok: true,
      notices: [
        notice({ at: '2026-05-01T10:00:00.000Z' }),
        notice({ noticeId: 'N-2', stock: null, at: '2026-05-01T10:00:00.000Z' }),
      ],
    });
  });

  it('is accepted under either secret while one is rotated', () => {
    const request = signed({ notices: [notice()] }, { secret: 'the-new-secret-0123456789' });
    expect(
      verifySupplierNotice(request, { secrets: [SECRET, 'the-new-secret-0123456789'], nowMs: NOW }).ok,
    ).toBe(true);
  });

  it('tampered after signing (stock raised) is refused as a bad signature, body unread', () => {
    const request = signed({ notices: [notice({ stock: 4 })] });
    const tampered = {
      ...request,
      rawBody: Buffer.from(JSON.stringify({ notices: [notice({ stock: 4000 })] })),
    };
    expect(verifySupplierNotice(tampered, { secrets: [SECRET], nowMs: NOW })).toMatchObject({
      ok: false,
      status: 401,
      code: 'SUPPLIER.BAD_SIGNATURE',
      reason: 'WEBHOOK.BAD_SIGNATURE',
    });
  });

  it.each([
    [
      'signed with another secret',
      signed({ notices: [notice()] }, { secret: 'x'.repeat(20) }),
      'WEBHOOK.BAD_SIGNATURE',
    ],
    [
      'replayed two minutes later',
      signed({ notices: [notice()] }, { nowMs: NOW - 120_000 }),
      'WEBHOOK.STALE_TIMESTAMP',
    ],
    [
      'signed for another path',
      signed({ notices: [notice()] }, { signedPath: '/v1/other' }),
      'WEBHOOK.BAD_SIGNATURE',
    ],
    [
      'unsigned',
      { method: 'POST', path: PATH, headers: {}, rawBody: Buffer.from('{"notices":[]}') },
      'WEBHOOK.MISSING_SIGNATURE',
    ],
  ])('%s is refused (401)', (_what, request, reason) => {
    expect(verifySupplierNotice(request, { secrets: [SECRET], nowMs: NOW })).toMatchObject({
      ok: false,
      status: 401,
      reason,
    });
  });

  it('is refused when no secret is configured', () => {
    expect(verifySupplierNotice(signed({ notices: [notice()] }), { secrets: [], nowMs: NOW })).toMatchObject({
      status: 401,
      reason: 'WEBHOOK.NOT_CONFIGURED',
    });
  });

  it('signed but hostile is refused (400), naming the field', () => {
    const check = (body: unknown, raw?: string) =>
      verifySupplierNotice(signed(body, { raw }), { secrets: [SECRET], nowMs: NOW });
    expect(check({ notices: [notice({ stock: -1 })] })).toMatchObject({
      status: 400,
      code: 'SUPPLIER.INVALID_REQUEST',
      reason: 'NOTICE.MALFORMED',
      message: expect.stringContaining('notices[0].stock'),
    });
    expect(
      check(undefined, '{"notices":[{"noticeId":"N","productId":"P","stock":1,"supplyPrice":1e400'),
    ).toMatchObject({
      reason: 'BODY.NOT_JSON',
    });
    expect(check(undefined, JSON.stringify({ notices: [notice()] }).replace('950', '9.5'))).toMatchObject({
      message: expect.stringContaining('notices[0].supplyPrice'),
    });
  });

  it('over the size limit is refused (413) before the signature is even computed', () => {
    const request = signed({ notices: [notice({ pad: 'x'.repeat(2_000) })] });
    expect(
      verifySupplierNotice(request, { secrets: [SECRET], nowMs: NOW, maxBodyBytes: 1_000 }),
    ).toMatchObject({
      ok: false,
      status: 413,
      reason: 'BODY.TOO_LARGE',
    });
  });
});

describe('an order callback', () => {
  const order = (over: Record<string, unknown> = {}) => ({
    orderId: 'O-1',
    supplierOrderId: 'SUP-1',
    productId: 'P-1',
    quantity: 1,
    unitPrice: 950,
    status: 'fulfilled',
    cards: [{ secret: 'KEY-SECRET-1' }],
    ...over,
  });
  const cbPath = '/v1/suppliers/upstream-a/orders/O-1/callback?t=1';

  it('signed and final is verified; the key comes wrapped', () => {
    const check = verifyOrderCallback(signed(order(), { path: cbPath }), { secrets: [SECRET], nowMs: NOW });
    expect(check.ok).toBe(true);
    if (!check.ok) return;
    expect(check.order.cards![0].secret.reveal()).toBe('KEY-SECRET-1');
    expect(JSON.stringify(check)).not.toContain('KEY-SECRET-1');
  });

  it('pending is not a final order; another order than expected is refused; neither message carries the key', () => {
    const pending = verifyOrderCallback(
      signed(order({ status: 'pending', cards: undefined }), { path: cbPath }),
      {
        secrets: [SECRET],
        nowMs: NOW,
      },
    );
    expect(pending).toMatchObject({ ok: false, status: 400, reason: 'CALLBACK.NOT_FINAL' });
    const other = verifyOrderCallback(signed(order(), { path: cbPath }), {
      secrets: [SECRET],
      nowMs: NOW,
      expect: { orderId: 'O-2' },
    });
    expect(other).toMatchObject({ ok: false, status: 400, reason: 'CALLBACK.MALFORMED' });
    expect(JSON.stringify([pending, other])).not.toContain('KEY-SECRET-1');
  });
});
