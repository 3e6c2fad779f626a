import { MAX_SALE_TEXT, NO_SALE, saleOf } from './sale-observation';

describe('sale observations read from an order event', () => {
  it('keeps the price, buyer, region and shop, and never the IP', () => {
    const sale = saleOf({
      sale: {
        unitPrice: 1_250,
        buyerRef: ' b-1 ',
        buyerLevel: 'vip',
        province: '浙江',
        city: '杭州',
        shop: '分站-7',
        ip: '203.0.113.9',
      },
    });
    expect(sale).toEqual({
      unitPrice: 1_250,
      buyerRef: 'b-1',
      buyerLevel: 'vip',
      province: '浙江',
      city: '杭州',
      shop: '分站-7',
    });
    expect(Object.values(sale)).not.toContain('203.0.113.9');
  });

  it('reads nothing from an event written before the field, or from a value that is not one', () => {
    expect(saleOf({})).toEqual(NO_SALE);
    expect(saleOf({ sale: null })).toEqual(NO_SALE);
    expect(saleOf({ sale: ['x'] })).toEqual(NO_SALE);
    expect(saleOf(null)).toEqual(NO_SALE);
  });

  it('leaves a field out of bounds null rather than stopping the projection', () => {
    expect(
      saleOf({
        sale: { unitPrice: 1.5, buyerRef: '', province: 'x'.repeat(MAX_SALE_TEXT + 1), city: 42, shop: '  ' },
      }),
    ).toEqual(NO_SALE);
    expect(saleOf({ sale: { unitPrice: -1 } }).unitPrice).toBeNull();
    expect(saleOf({ sale: { unitPrice: 1e12 + 1 } }).unitPrice).toBeNull();
    expect(saleOf({ sale: { unitPrice: 1e12 } }).unitPrice).toBe(1e12);
    expect(saleOf({ sale: { unitPrice: 0 } }).unitPrice).toBe(0);
  });
});
