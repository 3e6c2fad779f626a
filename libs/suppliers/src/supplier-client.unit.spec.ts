import { PlatformCallError } from '@libs/channels';
import { classifyCallFailure, classifyOrderAnswer } from './supplier-client';
import { parseSupplierConfig } from './supplier-config';

// Outcome classification, without sockets: what a caller deciding on fallback gets for each kind of answer.

const expectOrder = {
  orderId: 'O-1',
  productId: 'P-1',
  quantity: 1,
  maxUnitPrice: 900,
  kind: 'cardKey' as const,
};
const wire = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    orderId: 'O-1',
    supplierOrderId: 'SUP-7',
    productId: 'P-1',
    quantity: 1,
    unitPrice: 900,
    status: 'fulfilled',
    cards: [{ secret: 'KEY-1' }],
    ...over,
  });
const errorBody = (code: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ code, message: 'no', ...extra });

describe('an order answer is classified', () => {
  it('fulfilled, pending, or refused by the order itself (settled: nothing was bought)', () => {
    expect(classifyOrderAnswer(200, wire(), expectOrder, 'place')).toMatchObject({
      outcome: 'fulfilled',
      order: { supplierOrderId: 'SUP-7' },
    });
    expect(
      classifyOrderAnswer(200, wire({ status: 'pending', cards: undefined }), expectOrder, 'place'),
    ).toMatchObject({ outcome: 'pending' });
    expect(
      classifyOrderAnswer(
        200,
        wire({ status: 'refused', cards: undefined, reason: 'SUPPLIER.TOP_UP_ACCOUNT_INVALID' }),
        expectOrder,
        'place',
      ),
    ).toMatchObject({ outcome: 'refused', code: 'SUPPLIER.TOP_UP_ACCOUNT_INVALID', settled: true });
  });

  it.each([
    [409, 'SUPPLIER.OUT_OF_STOCK', true],
    [404, 'SUPPLIER.PRODUCT_UNKNOWN', true],
    [409, 'SUPPLIER.PRODUCT_OFF_SALE', true],
    [422, 'SUPPLIER.TOP_UP_ACCOUNT_INVALID', true],
    [402, 'SUPPLIER.INSUFFICIENT_BALANCE', true],
    // Turned away before the id was looked up: proves nothing about an earlier attempt.
    [401, 'SUPPLIER.BAD_SIGNATURE', false],
    [400, 'SUPPLIER.INVALID_REQUEST', false],
    [409, 'SUPPLIER.ORDER_CONFLICT', false],
  ])('%i %s is a refusal (settled: %s)', (status, code, settled) => {
    expect(classifyOrderAnswer(status, errorBody(code), expectOrder, 'place')).toEqual({
      outcome: 'refused',
      code,
      settled,
      message: 'no',
    });
  });

  it('PRICE_CHANGED carries the price now', () => {
    expect(
      classifyOrderAnswer(
        409,
        errorBody('SUPPLIER.PRICE_CHANGED', { supplyPrice: 950 }),
        expectOrder,
        'place',
      ),
    ).toMatchObject({ outcome: 'refused', code: 'SUPPLIER.PRICE_CHANGED', supplyPrice: 950 });
  });

  it.each([
    ['a 200 that is not JSON', 200, '<html>'],
    ['a 200 for another order', 200, wire({ orderId: 'O-2' })],
    ['a 200 with a negative quantity', 200, wire({ quantity: -1 })],
    ['a 200 with the same key twice', 200, wire({ quantity: 2, cards: [{ secret: 'K' }, { secret: 'K' }] })],
    ['a 404 from a proxy (no contract code)', 404, '{"error":"not found"}'],
    ['a 4xx with a code that is not a refusal', 409, errorBody('SUPPLIER.ORDER_UNKNOWN')],
    ['a 302', 302, ''],
  ])('%s is unknown: the order may exist', (_what, status, text) => {
    const outcome = classifyOrderAnswer(status, text, expectOrder, 'place');
    expect(outcome).toMatchObject({ outcome: 'unknown', cause: 'BAD_RESPONSE' });
    expect(JSON.stringify(outcome)).not.toMatch(/KEY-|"K"/);
  });

  it('a query: 404 ORDER_UNKNOWN is not_found; a refused query says nothing about the order', () => {
    expect(classifyOrderAnswer(404, errorBody('SUPPLIER.ORDER_UNKNOWN'), expectOrder, 'get')).toEqual({
      outcome: 'not_found',
    });
    expect(classifyOrderAnswer(401, errorBody('SUPPLIER.BAD_SIGNATURE'), expectOrder, 'get')).toMatchObject({
      outcome: 'unknown',
      cause: 'QUERY_REFUSED',
    });
    expect(classifyOrderAnswer(404, 'nope', expectOrder, 'get')).toMatchObject({ outcome: 'unknown' });
  });
});

describe('a call without a usable answer is classified', () => {
  it('timeouts, lost connections, 5xx and oversized answers are unknown', () => {
    expect(
      classifyCallFailure(new PlatformCallError('TIMEOUT', 'no answer within 200 ms', true), 'place'),
    ).toEqual({
      outcome: 'unknown',
      cause: 'TIMEOUT',
      message: 'no answer within 200 ms',
    });
    expect(classifyCallFailure(new PlatformCallError('NETWORK', 'reset', true), 'place')).toMatchObject({
      cause: 'NETWORK',
    });
    expect(classifyCallFailure(new PlatformCallError('HTTP_503', 'x', true, 2_000), 'place')).toEqual({
      outcome: 'unknown',
      cause: 'SERVER_ERROR',
      message: 'the supplier answered 503',
      retryAfterMs: 2_000,
    });
    expect(
      classifyCallFailure(new PlatformCallError('RESPONSE_TOO_LARGE', 'big', true), 'get'),
    ).toMatchObject({
      cause: 'RESPONSE_TOO_LARGE',
    });
    expect(classifyCallFailure(new Error('boom'), 'place')).toMatchObject({
      outcome: 'unknown',
      cause: 'NETWORK',
    });
  });

  it('a 429 refuses this request only, with its Retry-After clamped', () => {
    expect(
      classifyCallFailure(new PlatformCallError('HTTP_429', 'x', true, 3_000_000_000), 'place', 60_000),
    ).toEqual({
      outcome: 'refused',
      code: 'SUPPLIER.RATE_LIMITED',
      settled: false,
      message: 'the supplier asked us to slow down',
      retryAfterMs: 60_000,
    });
    expect(classifyCallFailure(new PlatformCallError('HTTP_429', 'x', true), 'get')).toMatchObject({
      outcome: 'unknown',
      cause: 'QUERY_REFUSED',
    });
  });
});

describe('a supplier configuration', () => {
  const good = {
    id: 'upstream-a',
    baseUrl: 'https://main.example.com/api/',
    appId: 'app-42',
    secret: 's'.repeat(32),
    timeoutMs: 3_000,
    pollIntervalMs: '60000',
    noticesEnabled: true,
  };

  it('is read, the base URL without its trailing slash', () => {
    expect(parseSupplierConfig(good)).toEqual({
      ...good,
      baseUrl: 'https://main.example.com/api',
      pollIntervalMs: 60_000,
    });
  });

  it.each([
    [{ id: 'Upstream A' }, 'supplier.id'],
    [{ baseUrl: 'ftp://x' }, 'supplier.baseUrl'],
    [{ baseUrl: 'https://x/?k=1' }, 'supplier.baseUrl'],
    [{ secret: 'short' }, 'supplier.secret'],
    [{ timeoutMs: 10 }, 'supplier.timeoutMs'],
    [{ noticesEnabled: 'yes' }, 'supplier.noticesEnabled'],
  ])('refuses %j, naming the field and never the secret', (over, field) => {
    expect(() => parseSupplierConfig({ ...good, ...over })).toThrow(field);
    try {
      parseSupplierConfig({ ...good, ...over });
    } catch (err) {
      expect((err as Error).message).not.toContain('s'.repeat(32));
    }
  });
});
