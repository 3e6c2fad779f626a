import { inspect } from 'node:util';
import fc from 'fast-check';
import { CardSecret, MAX_CATALOGUE_PAGE_SIZE, MAX_ORDER_QUANTITY } from './contract';
import {
  parseCataloguePage,
  parsePlaceOrderRequest,
  parseStockNoticeBatch,
  parseWireOrder,
  SupplierFormatError,
} from './validation';

const item = (over: Record<string, unknown> = {}) => ({
  productId: 'P-1',
  name: 'Steam 100',
  faceValue: 10_000,
  supplyPrice: 9_500,
  stock: 12,
  status: 'on_sale',
  kind: 'cardKey',
  ...over,
});

const order = (over: Record<string, unknown> = {}) => ({
  orderId: 'O-1',
  supplierOrderId: 'SUP-1',
  productId: 'P-1',
  quantity: 2,
  unitPrice: 9_500,
  status: 'fulfilled',
  cards: [{ secret: 'KEY-AAAA' }, { secret: 'KEY-BBBB' }],
  ...over,
});

function refusal(read: () => unknown): SupplierFormatError {
  try {
    read();
  } catch (err) {
    if (err instanceof SupplierFormatError) return err;
    throw err;
  }
  throw new Error('expected a SupplierFormatError');
}

describe('a catalogue page', () => {
  it('is read with whole-fen prices and a stock that is a count or null (unlimited)', () => {
    const page = parseCataloguePage({
      items: [item(), item({ productId: 'T-1', kind: 'topUp', stock: null, extra: 'ignored' })],
      nextCursor: 'T-1',
    });
    expect(page).toEqual({
      items: [item(), { ...item({ productId: 'T-1', kind: 'topUp', stock: null }) }],
      nextCursor: 'T-1',
    });
    expect(page.items[1]).not.toHaveProperty('extra');
  });

  it.each([
    ['a negative stock', { stock: -1 }, 'items[0].stock'],
    ['a fractional stock', { stock: 1.5 }, 'items[0].stock'],
    ['a stock as text', { stock: '12' }, 'items[0].stock'],
    ['a float price (yuan, not fen)', { supplyPrice: 95.5 }, 'items[0].supplyPrice'],
    ['a price as text', { supplyPrice: 'NaN' }, 'items[0].supplyPrice'],
    ['a null price (NaN once serialised)', { supplyPrice: null }, 'items[0].supplyPrice'],
    ['an infinite price (1e400)', { faceValue: Infinity }, 'items[0].faceValue'],
    ['a price beyond 2^53', { faceValue: 2 ** 60 }, 'items[0].faceValue'],
    ['a negative price', { supplyPrice: -100 }, 'items[0].supplyPrice'],
    ['an unknown status', { status: 'sold' }, 'items[0].status'],
    ['an unknown kind', { kind: 'coupon' }, 'items[0].kind'],
    ['a product id with a zero-width space', { productId: 'P\u200b1' }, 'items[0].productId'],
    ['a name with a control character', { name: 'a\u0000b' }, 'items[0].name'],
  ])('refuses %s, naming the field', (_what, over, field) => {
    expect(refusal(() => parseCataloguePage({ items: [item(over)], nextCursor: null })).field).toBe(field);
  });

  it('refuses more products than were asked for, the same product twice, and an endless cursor', () => {
    const three = [item(), item({ productId: 'P-2' }), item({ productId: 'P-3' })];
    expect(refusal(() => parseCataloguePage({ items: three, nextCursor: null }, 2)).field).toBe('items');
    const many = Array.from({ length: MAX_CATALOGUE_PAGE_SIZE + 1 }, (_, i) => item({ productId: `P-${i}` }));
    expect(refusal(() => parseCataloguePage({ items: many, nextCursor: null }, 10_000)).field).toBe('items');
    expect(refusal(() => parseCataloguePage({ items: [item(), item()], nextCursor: null })).field).toBe(
      'items[1].productId',
    );
    expect(refusal(() => parseCataloguePage({ items: [], nextCursor: 'c'.repeat(513) })).field).toBe(
      'nextCursor',
    );
    expect(refusal(() => parseCataloguePage('not an object')).field).toBe('body');
    expect(refusal(() => parseCataloguePage({ items: 'x' })).field).toBe('items');
  });

  it('whatever a hostile supplier sends, a page that is accepted holds only sound numbers', () => {
    const anyItem = fc.record({
      productId: fc.oneof(fc.string(), fc.constant('P-1'), fc.integer()),
      name: fc.oneof(fc.string(), fc.constant('n')),
      faceValue: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(null)),
      supplyPrice: fc.oneof(fc.integer(), fc.double(), fc.constant(-0), fc.constant(NaN)),
      stock: fc.oneof(fc.integer(), fc.double(), fc.constant(null), fc.constant(-1)),
      status: fc.oneof(fc.constant('on_sale'), fc.string()),
      kind: fc.oneof(fc.constant('cardKey'), fc.constant('topUp'), fc.string()),
    });
    fc.assert(
      fc.property(
        fc.array(anyItem, { maxLength: 5 }),
        fc.oneof(fc.string(), fc.constant(null)),
        (items, cursor) => {
          let page;
          try {
            page = parseCataloguePage(JSON.parse(JSON.stringify({ items, nextCursor: cursor })));
          } catch (err) {
            expect(err).toBeInstanceOf(SupplierFormatError);
            return;
          }
          for (const i of page.items) {
            expect(Number.isSafeInteger(i.faceValue) && i.faceValue >= 0).toBe(true);
            expect(Number.isSafeInteger(i.supplyPrice) && i.supplyPrice >= 0).toBe(true);
            expect(i.stock === null || (Number.isSafeInteger(i.stock) && i.stock >= 0)).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('an order answer', () => {
  const expect2 = {
    orderId: 'O-1',
    productId: 'P-1',
    quantity: 2,
    maxUnitPrice: 9_500,
    kind: 'cardKey' as const,
  };

  it('hands the card keys over wrapped: revealed on purpose, never printed or serialised', () => {
    const o = parseWireOrder(order(), expect2);
    expect(o.cards!.map((c) => c.secret.reveal())).toEqual(['KEY-AAAA', 'KEY-BBBB']);
    const printed = [JSON.stringify(o), inspect(o, { depth: 5 }), `${o.cards![0].secret}`, String(o.cards)];
    for (const text of printed) expect(text).not.toMatch(/KEY-/);
    expect(JSON.stringify(o)).toContain('[card secret]');
  });

  it('reads a top-up receipt, a pending order, and a refused one with its reason', () => {
    expect(
      parseWireOrder(
        order({
          cards: undefined,
          receipt: { reference: 'TXN-9', completedAt: '2026-05-01T10:00:00+08:00' },
        }),
        { ...expect2, kind: 'topUp' },
      ).receipt,
    ).toEqual({ reference: 'TXN-9', completedAt: '2026-05-01T02:00:00.000Z' });
    expect(parseWireOrder(order({ status: 'pending', cards: undefined }), expect2).status).toBe('pending');
    const refused = parseWireOrder(
      order({ status: 'refused', cards: [], reason: 'SUPPLIER.OUT_OF_STOCK' }),
      expect2,
    );
    expect(refused.reason).toBe('SUPPLIER.OUT_OF_STOCK');
    // An unknown reason (or none) becomes the generic one, so callers switch over a closed set.
    expect(parseWireOrder(order({ status: 'refused', cards: undefined, reason: 'NOPE' })).reason).toBe(
      'SUPPLIER.FULFILMENT_FAILED',
    );
  });

  it.each([
    ['another order id', { orderId: 'O-2' }, 'orderId'],
    ['another product', { productId: 'P-9' }, 'productId'],
    ['another quantity', { quantity: 3 }, 'quantity'],
    ['a charge above the price agreed', { unitPrice: 9_501 }, 'unitPrice'],
    ['a float charge', { unitPrice: 95.0001 }, 'unitPrice'],
    ['fewer keys than units', { cards: [{ secret: 'KEY-AAAA' }] }, 'cards'],
    ['the same key twice', { cards: [{ secret: 'KEY-AAAA' }, { secret: 'KEY-AAAA' }] }, 'cards[1].secret'],
    ['a blank key', { cards: [{ secret: 'KEY-AAAA' }, { secret: '  ' }] }, 'cards[1].secret'],
    [
      'a key over 4096 characters',
      { cards: [{ secret: 'K' }, { secret: 'K'.repeat(4097) }] },
      'cards[1].secret',
    ],
    ['keys on a pending order', { status: 'pending' }, 'cards'],
    ['an unknown status', { status: 'done' }, 'status'],
    ['a quantity above the contract', { quantity: MAX_ORDER_QUANTITY + 1 }, 'quantity'],
  ])('refuses %s, naming the field and never a secret', (_what, over, field) => {
    const err = refusal(() => parseWireOrder(order(over), expect2));
    expect(err.field).toBe(field);
    expect(err.message).not.toMatch(/KEY-|KKKK/);
  });
});

describe('a notice batch', () => {
  const notice = (over: Record<string, unknown> = {}) => ({
    noticeId: 'N-1',
    productId: 'P-1',
    stock: 3,
    supplyPrice: 9_500,
    status: 'on_sale',
    at: '2026-05-01T10:00:00Z',
    ...over,
  });

  it('is read, times in UTC', () => {
    expect(parseStockNoticeBatch({ notices: [notice({ at: '2026-05-01T18:00:00+08:00' })] })).toEqual([
      notice({ at: '2026-05-01T10:00:00.000Z' }),
    ]);
  });

  it.each([
    ['a negative stock', { notices: [notice({ stock: -5 })] }, 'notices[0].stock'],
    ['a float price', { notices: [notice({ supplyPrice: 1.5 })] }, 'notices[0].supplyPrice'],
    ['a time without an offset', { notices: [notice({ at: '2026-05-01 10:00' })] }, 'notices[0].at'],
    ['the same notice twice', { notices: [notice(), notice()] }, 'notices[1].noticeId'],
    ['an empty batch', { notices: [] }, 'notices'],
    [
      'too many notices',
      { notices: Array.from({ length: 501 }, (_, i) => notice({ noticeId: `N-${i}` })) },
      'notices',
    ],
  ])('refuses %s', (_what, body, field) => {
    expect(refusal(() => parseStockNoticeBatch(body)).field).toBe(field);
  });
});

describe('an order request', () => {
  it('is read with its top-up and callback, ids normalised', () => {
    expect(
      parsePlaceOrderRequest({
        orderId: 'ＯＲＤＥＲ１',
        productId: 'T-1',
        quantity: 1,
        unitPrice: 1_000,
        topUp: { account: '13800000000', amount: 1_000, region: 'gd' },
        callbackUrl: 'https://us.example/cb?o=1',
      }),
    ).toEqual({
      orderId: 'ORDER1',
      productId: 'T-1',
      quantity: 1,
      unitPrice: 1_000,
      topUp: { account: '13800000000', amount: 1_000, region: 'gd' },
      callbackUrl: 'https://us.example/cb?o=1',
    });
  });

  it.each([
    [{ quantity: 0 }, 'quantity'],
    [{ unitPrice: 9.5 }, 'unitPrice'],
    [{ topUp: { account: 'a b', amount: 100 } }, 'topUp.account'],
    [{ topUp: { account: 'a', amount: 0 } }, 'topUp.amount'],
    [{ callbackUrl: 'ftp://x/y' }, 'callbackUrl'],
    [{ callbackUrl: 'https://user:pw@x/y' }, 'callbackUrl'],
  ])('refuses %j', (over, field) => {
    const base = { orderId: 'O-1', productId: 'P-1', quantity: 1, unitPrice: 100 };
    expect(refusal(() => parsePlaceOrderRequest({ ...base, ...over })).field).toBe(field);
  });

  it('wraps secrets so that even a CardSecret made by hand prints nothing', () => {
    expect(`${new CardSecret('abc')}`).toBe('[card secret]');
  });
});
