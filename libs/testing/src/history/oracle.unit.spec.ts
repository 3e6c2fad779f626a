import { checkHistory, formatViolations, ObservedHistory, Violation } from './oracle';

const clean = (): ObservedHistory => ({
  skus: [
    { sku: 'Q-1', kind: 'quantity', stockIn: 3 },
    { sku: 'K-1', kind: 'cardKey', stockIn: 2 },
    { sku: 'U-1', kind: 'unlimited', stockIn: 0 },
  ],
  decisions: [
    { sku: 'Q-1', orderKey: 'shopA:1', kind: 'reserved', quantity: 2, eventId: 'e1' },
    { sku: 'Q-1', orderKey: 'shopA:2', kind: 'reserved', quantity: 1, eventId: 'e2' },
    { sku: 'Q-1', orderKey: 'shopA:1', kind: 'released', quantity: 2, eventId: 'e3' },
    { sku: 'Q-1', orderKey: 'shopA:3', kind: 'reserved', quantity: 2, eventId: 'e4' },
    { sku: 'Q-1', orderKey: 'shopA:3', kind: 'confirmed', quantity: 2, eventId: 'e5' },
    { sku: 'Q-1', orderKey: 'shopA:4', kind: 'rejected', quantity: 5, eventId: 'e6' },
    { sku: 'K-1', orderKey: 'shopB:1', kind: 'reserved', quantity: 1, eventId: 'e7' },
    { sku: 'U-1', orderKey: 'shopB:2', kind: 'reserved', quantity: 100, eventId: 'e8' },
  ],
  allocations: [
    { sku: 'K-1', orderKey: 'shopB:1', unitId: 'key-1', count: 1, loop: false },
    { sku: 'K-1', orderKey: 'shopB:3', unitId: 'loop-1', count: 2, loop: true },
    { sku: 'K-1', orderKey: 'shopB:4', unitId: 'loop-1', count: 1, loop: true },
  ],
  outcomes: [
    { orderKey: 'shopA:3', sku: 'Q-1', type: 'OrderConfirmed' },
    { orderKey: 'shopA:4', sku: 'Q-1', type: 'OrderRejected' },
  ],
  paidOrdersSent: [
    { channel: 'shopA', orderId: '3', orderKey: 'shopA:3', sku: 'Q-1', quantity: 2 },
    { channel: 'shopA', orderId: '4', orderKey: 'shopA:4', sku: 'Q-1', quantity: 5 },
  ],
  deliveries: [
    { channel: 'shopB', orderId: '1', orderKey: 'shopB:1', unitId: 'key-1' },
    { channel: 'shopB', orderId: '3', orderKey: 'shopB:3', unitId: 'loop-1' },
    { channel: 'shopB', orderId: '3', orderKey: 'shopB:3', unitId: 'loop-1' },
    { channel: 'shopB', orderId: '4', orderKey: 'shopB:4', unitId: 'loop-1' },
  ],
  listings: [{ channel: 'shopA', sku: 'Q-1', listed: 1, expected: 1 }],
});

const rules = (v: Violation[]): string[] => v.map((x) => x.rule);

describe('checkHistory', () => {
  it('given a history that keeps every rule, when checked, then it finds nothing', () => {
    expect(checkHistory(clean())).toEqual([]);
  });

  it('given an empty history, when checked, then it finds nothing', () => {
    expect(
      checkHistory({
        skus: [],
        decisions: [],
        allocations: [],
        outcomes: [],
        paidOrdersSent: [],
        deliveries: [],
        listings: [],
      }),
    ).toEqual([]);
  });

  describe('OVERSOLD', () => {
    it('given reservations above the stock that ever entered, when checked, then it reports the SKU once', () => {
      const h = clean();
      h.decisions.push(
        { sku: 'Q-1', orderKey: 'shopA:5', kind: 'reserved', quantity: 1, eventId: 'e9' },
        { sku: 'Q-1', orderKey: 'shopA:6', kind: 'reserved', quantity: 1, eventId: 'e10' },
      );
      const v = checkHistory(h);
      expect(rules(v)).toEqual(['OVERSOLD']);
      expect(v[0]!.detail).toContain('Q-1');
      expect(v[0]!.detail).toContain('e9');
    });

    it('given an oversell that a later release undoes, when checked, then it is still reported (the bound holds at every point)', () => {
      const h = clean();
      h.decisions.push(
        { sku: 'Q-1', orderKey: 'shopA:5', kind: 'reserved', quantity: 2, eventId: 'e9' },
        { sku: 'Q-1', orderKey: 'shopA:5', kind: 'expired', quantity: 2, eventId: 'e10' },
      );
      expect(rules(checkHistory(h))).toEqual(['OVERSOLD']);
    });

    it('given a card-key SKU reserved beyond its keys, when checked, then it is reported', () => {
      const h = clean();
      h.decisions.push(
        { sku: 'K-1', orderKey: 'shopB:5', kind: 'reserved', quantity: 1, eventId: 'e9' },
        { sku: 'K-1', orderKey: 'shopB:6', kind: 'reserved', quantity: 1, eventId: 'e10' },
      );
      expect(rules(checkHistory(h))).toEqual(['OVERSOLD']);
    });

    it('given a card-key SKU whose loop key serves the part beyond its keys, when checked, then only the counted part is bounded', () => {
      const h = clean();
      h.decisions.push({
        sku: 'K-1',
        orderKey: 'shopB:5',
        kind: 'reserved',
        quantity: 5,
        counted: 1,
        eventId: 'e9',
      });
      expect(checkHistory(h)).toEqual([]);
      h.decisions.push({
        sku: 'K-1',
        orderKey: 'shopB:6',
        kind: 'reserved',
        quantity: 5,
        counted: 1,
        eventId: 'e10',
      });
      expect(rules(checkHistory(h))).toEqual(['OVERSOLD']);
    });

    it('given a reservation beyond the stock left after a write-off, when checked, then it is reported against the stock at that point', () => {
      const h = clean();
      h.decisions.push({
        sku: 'Q-1',
        orderKey: 'shopA:8',
        kind: 'released',
        quantity: 2,
        eventId: 'e8b',
        stockSoFar: 3,
      });
      expect(checkHistory(h)).toEqual([]);
      h.decisions.push({
        sku: 'Q-1',
        orderKey: 'shopA:3',
        kind: 'released',
        quantity: 2,
        eventId: 'e9',
        stockSoFar: 1,
      });
      h.decisions.push({
        sku: 'Q-1',
        orderKey: 'shopA:9',
        kind: 'reserved',
        quantity: 1,
        eventId: 'e10',
        stockSoFar: 1,
      });
      const v = checkHistory(h);
      expect(rules(v)).toEqual(['OVERSOLD']);
      expect(v[0]!.detail).toContain('only 1 in stock at that point');
    });

    it('given an unlimited SKU, when any quantity is reserved, then it is never oversold', () => {
      const h = clean();
      h.decisions.push({ sku: 'U-1', orderKey: 'shopB:9', kind: 'reserved', quantity: 1e6, eventId: 'e9' });
      expect(checkHistory(h)).toEqual([]);
    });

    it('given a cancel that gives stock back, when another order reserves it, then it is not oversold', () => {
      const h = clean();
      h.decisions.push(
        { sku: 'Q-1', orderKey: 'shopA:2', kind: 'cancelled', quantity: 0, eventId: 'e9' },
        { sku: 'Q-1', orderKey: 'shopA:7', kind: 'reserved', quantity: 1, eventId: 'e10' },
      );
      expect(checkHistory(h)).toEqual([]);
    });
  });

  describe('DECIDED_TWICE', () => {
    it('given an order line reserved twice, when checked, then it is reported', () => {
      const h = clean();
      h.decisions.push({ sku: 'K-1', orderKey: 'shopB:1', kind: 'reserved', quantity: 1, eventId: 'e9' });
      expect(rules(checkHistory(h))).toEqual(['DECIDED_TWICE']);
    });

    it('given an order line reserved then rejected, when checked, then it is reported', () => {
      const h = clean();
      h.decisions.push({ sku: 'K-1', orderKey: 'shopB:1', kind: 'rejected', quantity: 1, eventId: 'e9' });
      expect(rules(checkHistory(h))).toEqual(['DECIDED_TWICE']);
    });

    it('given an order line confirmed twice, when checked, then it is reported', () => {
      const h = clean();
      h.decisions.push({ sku: 'Q-1', orderKey: 'shopA:3', kind: 'confirmed', quantity: 2, eventId: 'e9' });
      expect(rules(checkHistory(h))).toEqual(['DECIDED_TWICE']);
    });

    it('given one order with two SKUs, when each is reserved once, then it is not decided twice', () => {
      const h = clean();
      h.decisions.push({ sku: 'U-1', orderKey: 'shopA:1', kind: 'reserved', quantity: 1, eventId: 'e9' });
      expect(checkHistory(h)).toEqual([]);
    });
  });

  describe('KEY_TWO_ORDERS', () => {
    it('given a non-loop key allocated to two orders, when checked, then it is reported', () => {
      const h = clean();
      h.allocations.push({ sku: 'K-1', orderKey: 'shopB:2', unitId: 'key-1', count: 1, loop: false });
      const v = checkHistory(h);
      expect(rules(v)).toEqual(['KEY_TWO_ORDERS']);
      expect(v[0]!.detail).toContain('key-1');
    });

    it('given a non-loop key delivered to an order it was not allocated to, when checked, then it is reported', () => {
      const h = clean();
      h.deliveries.push({ channel: 'shopC', orderId: '1', orderKey: 'shopC:1', unitId: 'key-1' });
      expect(rules(checkHistory(h))).toEqual(['KEY_TWO_ORDERS']);
    });

    it('given a loop key allocated to many orders, when checked, then it is allowed', () => {
      const h = clean();
      h.allocations.push({ sku: 'K-1', orderKey: 'shopB:8', unitId: 'loop-1', count: 1, loop: true });
      expect(checkHistory(h)).toEqual([]);
    });
  });

  describe('KEY_DELIVERED_TWICE', () => {
    it('given a non-loop key delivered twice to its order, when checked, then it is reported', () => {
      const h = clean();
      h.deliveries.push({ channel: 'shopB', orderId: '1', orderKey: 'shopB:1', unitId: 'key-1' });
      expect(rules(checkHistory(h))).toEqual(['KEY_DELIVERED_TWICE']);
    });

    it('given a loop key delivered more often than allocated to an order, when checked, then it is reported', () => {
      const h = clean();
      h.deliveries.push({ channel: 'shopB', orderId: '4', orderKey: 'shopB:4', unitId: 'loop-1' });
      const v = checkHistory(h);
      expect(rules(v)).toEqual(['KEY_DELIVERED_TWICE']);
      expect(v[0]!.detail).toContain('loop key');
    });
  });

  describe('PAID_WITHOUT_OUTCOME', () => {
    it('given a paid order with no outcome for its line, when checked, then it is reported once', () => {
      const h = clean();
      const paid = { channel: 'shopA', orderId: '9', orderKey: 'shopA:9', sku: 'Q-1', quantity: 1 };
      h.paidOrdersSent.push(paid, paid);
      const v = checkHistory(h);
      expect(rules(v)).toEqual(['PAID_WITHOUT_OUTCOME']);
      expect(v[0]!.detail).toContain('shopA order 9');
    });

    it('given an outcome for another SKU of the same order, when checked, then the line is still unanswered', () => {
      const h = clean();
      h.paidOrdersSent.push({ channel: 'shopA', orderId: '3', orderKey: 'shopA:3', sku: 'U-1', quantity: 1 });
      expect(rules(checkHistory(h))).toEqual(['PAID_WITHOUT_OUTCOME']);
    });

    it('given outcomes that answer only the placement, when checked, then the paid line is still unanswered', () => {
      const h = clean();
      h.outcomes.push({
        orderKey: 'shopA:9',
        sku: 'Q-1',
        type: 'order.accepted',
        answersType: 'order.placed',
      });
      h.paidOrdersSent.push({ channel: 'shopA', orderId: '9', orderKey: 'shopA:9', sku: 'Q-1', quantity: 1 });
      expect(rules(checkHistory(h))).toEqual(['PAID_WITHOUT_OUTCOME']);
      h.outcomes.push({ orderKey: 'shopA:9', sku: 'Q-1', type: 'order.rejected', answersType: 'order.paid' });
      expect(checkHistory(h)).toEqual([]);
    });
  });

  describe('LISTING_DIFFERS', () => {
    it('given a listing that differs from the expected value, when checked, then it is reported', () => {
      const h = clean();
      h.listings.push({ channel: 'shopB', sku: 'K-1', listed: 2, expected: 1 });
      const v = checkHistory(h);
      expect(rules(v)).toEqual(['LISTING_DIFFERS']);
      expect(formatViolations(v)).toBe('LISTING_DIFFERS: shopB K-1: listed 2, expected 1');
    });
  });

  it('given several broken rules, when checked, then each is reported', () => {
    const h = clean();
    h.decisions.push({ sku: 'Q-1', orderKey: 'shopA:3', kind: 'confirmed', quantity: 2, eventId: 'e9' });
    h.deliveries.push({ channel: 'shopB', orderId: '1', orderKey: 'shopB:1', unitId: 'key-1' });
    h.listings.push({ channel: 'shopB', sku: 'K-1', listed: 2, expected: 1 });
    expect(rules(checkHistory(h)).sort()).toEqual([
      'DECIDED_TWICE',
      'KEY_DELIVERED_TWICE',
      'LISTING_DIFFERS',
    ]);
  });
});
