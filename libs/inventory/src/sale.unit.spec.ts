import fc from 'fast-check';
import { given } from '../test/decider-specification';
import { command, event, MINUTE, T0 } from '../test/fixtures';
import {
  isIpAddress,
  MAX_BUYER_REF_LENGTH,
  MAX_PRICE_MINOR,
  MAX_REGION_NAME_LENGTH,
  saleObservationOf,
  topUpTargetOf,
} from '@libs/inventory';

const counted = [
  event('SkuRegistered', { kind: 'quantity', lowStockThreshold: null, perOrderCap: null }),
  event('StockReceived', { batchId: 'b1', quantity: 10 }),
];
const reserveWith = (sale: unknown) =>
  command('ReserveStock', {
    channel: 'shop',
    channelOrderId: 'o1',
    lines: [{ quantity: 1 }],
    expiresAt: T0 + 15 * MINUTE,
    sale: sale as never,
  });
const reservedWith = (sale?: object) =>
  event('StockReserved', {
    channel: 'shop',
    channelOrderId: 'o1',
    lines: [{ quantity: 1, poolId: null, endless: 0 }],
    quantity: 1,
    expiresAt: T0 + 15 * MINUTE,
    ...(sale === undefined ? {} : { sale }),
  });

describe('sale observations', () => {
  it('given a placement with what the platform said, when it is reserved, then the observation is kept with it', () => {
    const sale = {
      unitPrice: 4200,
      province: '广东省',
      city: '深圳市',
      buyerRef: 'buyer-7',
      buyerLevel: 'vip',
      ip: '203.0.113.9',
      shop: 'fz-12',
    };
    given(counted)
      .when(reserveWith(sale))
      .then([reservedWith(sale)]);
  });

  it('given malformed fields, when the order is reserved, then they are dropped and the order is not', () => {
    given(counted)
      .when(
        reserveWith({
          unitPrice: -1,
          province: 'x'.repeat(MAX_REGION_NAME_LENGTH + 1),
          city: 'A\u0000B',
          ip: '999.1.1.1',
          shop: 'fz-1',
          secret: 'never kept',
        }),
      )
      .then([reservedWith({ shop: 'fz-1' })]);
    given(counted).when(reserveWith('not an object')).then([reservedWith()]);
  });

  it('keeps only bounded, well-formed fields, whatever it is given', () => {
    fc.assert(
      fc.property(fc.anything(), fc.dictionary(fc.string(), fc.anything()), (anything, record) => {
        for (const input of [anything, record]) {
          const sale = saleObservationOf(input);
          if (sale === undefined) continue;
          expect(Object.keys(sale).length).toBeGreaterThan(0);
          if (sale.unitPrice !== undefined) {
            expect(Number.isSafeInteger(sale.unitPrice)).toBe(true);
            expect(sale.unitPrice).toBeGreaterThanOrEqual(0);
            expect(sale.unitPrice).toBeLessThanOrEqual(MAX_PRICE_MINOR);
          }
          if (sale.buyerRef !== undefined)
            expect(sale.buyerRef.length).toBeLessThanOrEqual(MAX_BUYER_REF_LENGTH);
          if (sale.ip !== undefined) expect(isIpAddress(sale.ip)).toBe(true);
          // Reading it again changes nothing: what is stored is already what a decision would keep.
          expect(saleObservationOf(sale)).toEqual(sale);
        }
      }),
    );
  });

  it('reads IPv4 and IPv6 addresses and nothing else as an IP', () => {
    for (const ip of ['203.0.113.9', '::1', '2001:db8::8a2e:370:7334', '::ffff:192.0.2.1'])
      expect(isIpAddress(ip)).toBe(true);
    for (const ip of ['256.1.1.1', '1.2.3', 'localhost', '1:2:3:4:5:6:7:8:9', '2001:db8:::1', ''])
      expect(isIpAddress(ip)).toBe(false);
  });

  it('takes a top-up account only when well-formed, and never an amount from the notice', () => {
    expect(topUpTargetOf({ account: '13800138000', server: '电信一区', amount: 1 })).toEqual({
      account: '13800138000',
      server: '电信一区',
    });
    expect(topUpTargetOf({ account: '' })).toBeUndefined();
    expect(topUpTargetOf({ account: 'a'.repeat(65) })).toBeUndefined();
    expect(topUpTargetOf({ account: 'ok', region: '\u202e' })).toBeUndefined();
    expect(topUpTargetOf(null)).toBeUndefined();
  });
});
