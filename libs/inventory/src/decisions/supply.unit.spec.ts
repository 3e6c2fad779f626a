import {
  channelTargets,
  DEFAULT_PRICING,
  forwardIdOf,
  InventoryEvent,
  orderRecordOf,
  stockLevels,
} from '@libs/inventory';
import { given } from '../../test/decider-specification';
import { command, confirm, event, MINUTE, reserve, T0 } from '../../test/fixtures';

const registeredSupplier = () =>
  event('SkuRegistered', { kind: 'supplier', lowStockThreshold: null, perOrderCap: null });
const configured = (safetyBuffer = 0, suppliers = [link('up-a', 'p-1'), link('up-b', 'p-9')]) =>
  event('SupplyConfigured', { suppliers, safetyBuffer });
const link = (supplierId: string, productId: string) => ({ supplierId, productId });
type Report = { onSale?: boolean; supplyPrice?: number | null; observedAt?: number; productId?: string };
const reportOf = (supplierId: string, stock: number | null, options: Report) => ({
  supplierId,
  productId: options.productId ?? (supplierId === 'up-a' ? 'p-1' : 'p-9'),
  stock,
  supplyPrice: options.supplyPrice ?? 850,
  onSale: options.onSale ?? true,
  observedAt: options.observedAt ?? T0,
});
const observed = (supplierId: string, stock: number | null, options: Report = {}) =>
  event('SupplierStockObserved', reportOf(supplierId, stock, options));
const observe = (supplierId: string, stock: number | null, options: Report = {}) =>
  command('ObserveSupplierStock', reportOf(supplierId, stock, options));
const policy = (channel: string) =>
  event('ChannelPolicySet', {
    channel,
    policy: {
      bufferQuantity: 0,
      sharePercent: 100,
      maxListed: null,
      endWhenAtOrBelow: null,
      unlimitedListed: 999,
    },
  });
const reservedSupplied = (channelOrderId: string, quantity: number) =>
  event('StockReserved', {
    channel: 'taobao',
    channelOrderId,
    lines: [{ quantity, poolId: null, endless: quantity }],
    quantity,
    expiresAt: T0 + 15 * MINUTE,
  });
const paid = (channelOrderId: string, quantity: number) =>
  event('ReservationConfirmed', {
    channel: 'taobao',
    channelOrderId,
    quantity,
    allocatedUnitIds: [],
    loopUnits: [],
    forwarding: quantity,
  });
const started = (channelOrderId: string, attempt: number, supplierId: string, quantity: number) =>
  event('SupplierForwardStarted', {
    channel: 'taobao',
    channelOrderId,
    attempt,
    supplierId,
    productId: supplierId === 'up-a' ? 'p-1' : 'p-9',
    forwardId: forwardIdOf('taobao', channelOrderId, attempt),
    quantity,
    expectedUnitPrice: 850,
  });
const result = (
  channelOrderId: string,
  attempt: number,
  supplierId: string,
  outcome: 'fulfilled' | 'refused' | 'timeout',
  extra: { units?: { unitId: string; fingerprint: string }[]; code?: string; supplierOrderId?: string } = {},
) =>
  command('RecordForwardResult', {
    channel: 'taobao',
    channelOrderId,
    attempt,
    supplierId,
    outcome,
    ...(outcome === 'fulfilled' ? { supplierOrderId: `s-${attempt}` } : {}),
    ...extra,
  });
const keys = (n: number, prefix = 'sk') =>
  Array.from({ length: n }, (_, i) => ({ unitId: `${prefix}${i + 1}`, fingerprint: `fp-${prefix}${i + 1}` }));

const supplied: InventoryEvent[] = [
  registeredSupplier(),
  configured(2),
  observed('up-a', 10),
  observed('up-b', 5),
  policy('taobao'),
  policy('shop'),
];

describe('supplier-backed SKUs (货源)', () => {
  describe('ConfigureSupply', () => {
    it('names the suppliers in priority order; nothing is sellable before they report', () => {
      const result = given([registeredSupplier()]).when(
        command('ConfigureSupply', { suppliers: [link('up-a', 'p-1')], safetyBuffer: 1 }),
      );
      result.then([
        event('SupplyConfigured', {
          suppliers: [link('up-a', 'p-1')],
          safetyBuffer: 1,
          fulfilment: 'cardKey',
        }),
      ]);
      expect(stockLevels(result.state).available).toBe(-1);
      expect(
        channelTargets({ ...result.state, channelPolicies: { taobao: supplied[4]!.data as never } }),
      ).toBeDefined();
    });

    it('is refused for a SKU of another kind, a repeated supplier, and an over-long list', () => {
      given([event('SkuRegistered', { kind: 'quantity', lowStockThreshold: null, perOrderCap: null })])
        .when(command('ConfigureSupply', { suppliers: [link('up-a', 'p-1')] }))
        .thenRejects('KIND_MISMATCH');
      given([registeredSupplier()])
        .when(command('ConfigureSupply', { suppliers: [link('up-a', 'p-1'), link('up-a', 'p-2')] }))
        .thenRejects('INVALID_REFERENCE');
      const eleven = Array.from({ length: 11 }, (_, i) => link(`up-${i}`, 'p'));
      given([registeredSupplier()])
        .when(command('ConfigureSupply', { suppliers: eleven }))
        .thenRejects('INVALID_SETTING');
    });

    it('changes nothing when the same list is sent again, and keeps a kept supplier’s report', () => {
      given(supplied)
        .when(
          command('ConfigureSupply', {
            suppliers: [link('up-a', 'p-1'), link('up-b', 'p-9')],
            safetyBuffer: 2,
          }),
        )
        .thenNothing();
      const reordered = given(supplied).when(
        command('ConfigureSupply', { suppliers: [link('up-b', 'p-9'), link('up-a', 'p-1')] }),
      );
      expect(stockLevels(reordered.state).available).toBe(13);
    });
  });

  describe('ObserveSupplierStock', () => {
    it('sets availability to what the suppliers on sale report, less the safety buffer', () => {
      const state = given(supplied).state;
      expect(stockLevels(state).available).toBe(13);
      expect(channelTargets(state)).toEqual({ taobao: 13, shop: 13 });
    });

    it('moves every channel target with a new report', () => {
      const result = given(supplied).when(observe('up-a', 3, { observedAt: T0 + 1 }));
      result.then([observed('up-a', 3, { observedAt: T0 + 1 })]);
      expect(channelTargets(result.state)).toEqual({ taobao: 6, shop: 6 });
    });

    it('ignores a report older than the one applied, and one that says nothing new', () => {
      given([...supplied, observed('up-a', 4, { observedAt: T0 + 10 })])
        .when(observe('up-a', 9, { observedAt: T0 + 5 }))
        .thenNothing();
      given(supplied).when(observe('up-a', 10)).thenNothing();
    });

    it('drops a supplier off sale from availability', () => {
      const result = given(supplied).when(observe('up-b', 5, { onSale: false, observedAt: T0 + 1 }));
      expect(stockLevels(result.state).available).toBe(8);
    });

    it('makes the SKU endless while a supplier on sale reports no limit (a top-up)', () => {
      const result = given(supplied).when(observe('up-b', null, { observedAt: T0 + 1 }));
      expect(stockLevels(result.state).endless).toBe(true);
      expect(channelTargets(result.state)).toEqual({ taobao: 999, shop: 999 });
    });

    it('refuses a supplier or product the SKU does not name, and hostile numbers', () => {
      given(supplied).when(observe('up-z', 1)).thenRejects('SUPPLIER_NOT_LINKED');
      given(supplied)
        .when(observe('up-a', 1, { productId: 'p-2' }))
        .thenRejects('SUPPLIER_NOT_LINKED');
      given(supplied)
        .when(observe('up-a', -1, { observedAt: T0 + 1 }))
        .thenRejects('INVALID_QUANTITY');
      given(supplied)
        .when(observe('up-a', 1.5, { observedAt: T0 + 1 }))
        .thenRejects('INVALID_QUANTITY');
      given(supplied)
        .when(observe('up-a', 1, { observedAt: T0 + 1, supplyPrice: 0.1 }))
        .thenRejects('INVALID_SETTING');
    });
  });

  describe('ReserveStock', () => {
    it('holds an order against the suppliers’ stock, never beyond it', () => {
      const held = given(supplied).when(reserve('o1', 13));
      held.then([reservedSupplied('o1', 13)]);
      expect(stockLevels(held.state).available).toBe(0);
      given([...supplied, reservedSupplied('o1', 13)])
        .when(reserve('o2', 1))
        .thenRejects('INSUFFICIENT_STOCK');
      given(supplied).when(reserve('o3', 14)).thenRejects('INSUFFICIENT_STOCK');
    });
  });

  describe('ConfirmReservation (一键代发)', () => {
    it('forwards the paid order to the first supplier on sale in the same answer', () => {
      given([...supplied, reservedSupplied('o1', 2)])
        .when(confirm('o1'))
        .then([paid('o1', 2), started('o1', 1, 'up-a', 2)]);
    });

    it('given an order an order rule gave a priority, when it is paid and then refused, then every attempt carries the priority', () => {
      const prioritised = event('StockReserved', {
        ...reservedSupplied('o1', 2).data,
        ruling: { priority: { ruleId: 'vip', version: 3, priority: 90 } },
      });
      const withPriority = (e: InventoryEvent) =>
        ({ ...e, data: { ...e.data, priority: 90 } }) as InventoryEvent;
      given([...supplied, prioritised])
        .when(confirm('o1'))
        .then([paid('o1', 2), withPriority(started('o1', 1, 'up-a', 2))]);
      given([...supplied, prioritised, paid('o1', 2), withPriority(started('o1', 1, 'up-a', 2))])
        .when(result('o1', 1, 'up-a', 'refused', { code: 'SUPPLIER.OUT_OF_STOCK' }))
        .then([
          event('SupplierForwardFailed', {
            channel: 'taobao',
            channelOrderId: 'o1',
            attempt: 1,
            supplierId: 'up-a',
            reason: 'refused',
            code: 'SUPPLIER.OUT_OF_STOCK',
          }),
          withPriority(started('o1', 2, 'up-b', 2)),
        ]);
    });

    it('skips a supplier off sale', () => {
      given([
        ...supplied,
        observed('up-a', 10, { onSale: false, observedAt: T0 + 1 }),
        reservedSupplied('o1', 2),
      ])
        .when(confirm('o1'))
        .then([paid('o1', 2), started('o1', 1, 'up-b', 2)]);
    });

    it('keeps the units in flight while the supplier works', () => {
      const state = given([
        ...supplied,
        reservedSupplied('o1', 2),
        paid('o1', 2),
        started('o1', 1, 'up-a', 2),
      ]).state;
      expect(stockLevels(state).available).toBe(11);
      expect(orderRecordOf(state, 'taobao', 'o1')).toMatchObject({
        status: 'forwarding',
        forward: { attempt: 1, open: 'up-a', tried: ['up-a'] },
      });
    });

    it('is silent for a repeated payment notice: no second forward', () => {
      given([...supplied, reservedSupplied('o1', 2), paid('o1', 2), started('o1', 1, 'up-a', 2)])
        .when(confirm('o1'))
        .thenNothing();
    });
  });

  describe('RecordForwardResult', () => {
    const forwarding = [...supplied, reservedSupplied('o1', 2), paid('o1', 2), started('o1', 1, 'up-a', 2)];

    it('gives the supplier’s keys to the order and counts them against the supplier until its next report', () => {
      const done = given(forwarding).when(result('o1', 1, 'up-a', 'fulfilled', { units: keys(2) }));
      done.then([
        event('SupplierForwardFulfilled', {
          channel: 'taobao',
          channelOrderId: 'o1',
          attempt: 1,
          supplierId: 'up-a',
          supplierOrderId: 's-1',
          units: keys(2),
        }),
      ]);
      expect(orderRecordOf(done.state, 'taobao', 'o1')).toMatchObject({
        status: 'confirmed',
        allocatedUnitIds: ['sk1', 'sk2'],
      });
      // 10 − 2 taken + 5 − buffer 2; nothing in flight any more.
      expect(stockLevels(done.state).available).toBe(11);
      const reported = given([...forwarding, ...done.events]).when(
        observe('up-a', 8, { observedAt: T0 + MINUTE }),
      );
      expect(stockLevels(reported.state).available).toBe(11);
    });

    it('moves a refused order to the next supplier in the same answer', () => {
      given(forwarding)
        .when(result('o1', 1, 'up-a', 'refused', { code: 'SUPPLIER.OUT_OF_STOCK' }))
        .then([
          event('SupplierForwardFailed', {
            channel: 'taobao',
            channelOrderId: 'o1',
            attempt: 1,
            supplierId: 'up-a',
            reason: 'refused',
            code: 'SUPPLIER.OUT_OF_STOCK',
          }),
          started('o1', 2, 'up-b', 2),
        ]);
    });

    it('gives the order up to an operator when every supplier failed', () => {
      const second = [
        ...forwarding,
        event('SupplierForwardFailed', {
          channel: 'taobao',
          channelOrderId: 'o1',
          attempt: 1,
          supplierId: 'up-a',
          reason: 'timeout',
          code: null,
        }),
        started('o1', 2, 'up-b', 2),
      ];
      const out = given(second).when(result('o1', 2, 'up-b', 'timeout'));
      expect(out.events.map((e) => e.type)).toEqual(['SupplierForwardFailed', 'SupplierForwardingExhausted']);
      expect(orderRecordOf(out.state, 'taobao', 'o1')?.forward).toMatchObject({
        open: null,
        exhausted: true,
      });
      // Still held until an operator refunds it; the refund releases it.
      expect(stockLevels(out.state).available).toBe(11);
      const refunded = given([...second, ...out.events]).when(
        command('RefundOrder', { channel: 'taobao', channelOrderId: 'o1' }),
      );
      expect(refunded.events[0]).toMatchObject({ type: 'OrderRefunded', data: { releasedForwarding: 2 } });
      expect(stockLevels(refunded.state).available).toBe(13);
    });

    it('refuses a refund while a supplier is working on the order', () => {
      given(forwarding)
        .when(command('RefundOrder', { channel: 'taobao', channelOrderId: 'o1' }))
        .thenRejects('FORWARD_IN_PROGRESS');
    });

    it('treats a fulfilment with the wrong number of keys, or a key already known, as a failed attempt', () => {
      const short = given(forwarding).when(result('o1', 1, 'up-a', 'fulfilled', { units: keys(1) }));
      expect(short.events[0]).toMatchObject({
        type: 'SupplierForwardFailed',
        data: { reason: 'invalid-fulfilment', code: 'WRONG_KEY_COUNT' },
      });
      const twice = [
        { unitId: 'a', fingerprint: 'same' },
        { unitId: 'b', fingerprint: 'same' },
      ];
      const dup = given(forwarding).when(result('o1', 1, 'up-a', 'fulfilled', { units: twice }));
      expect(dup.events[0]).toMatchObject({ data: { reason: 'invalid-fulfilment', code: 'DUPLICATE_KEY' } });
    });

    it('changes nothing for the same answer twice', () => {
      const first = given(forwarding).when(result('o1', 1, 'up-a', 'fulfilled', { units: keys(2) }));
      given([...forwarding, ...first.events])
        .when(result('o1', 1, 'up-a', 'fulfilled', { units: keys(2) }))
        .thenNothing();
      const refused = given(forwarding).when(result('o1', 1, 'up-a', 'refused'));
      given([...forwarding, ...refused.events])
        .when(result('o1', 1, 'up-a', 'refused'))
        .thenNothing();
    });

    it('records a fulfilment of a given-up attempt as surplus, once, and never gives it to the order', () => {
      const moved = given(forwarding).when(result('o1', 1, 'up-a', 'timeout'));
      const history = [...forwarding, ...moved.events];
      const late = given(history).when(result('o1', 1, 'up-a', 'fulfilled', { units: keys(2, 'late') }));
      late.then([
        event('SupplierLateFulfilment', {
          channel: 'taobao',
          channelOrderId: 'o1',
          attempt: 1,
          supplierId: 'up-a',
          supplierOrderId: 's-1',
          unitIds: ['late1', 'late2'],
        }),
      ]);
      expect(orderRecordOf(late.state, 'taobao', 'o1')).toMatchObject({
        status: 'forwarding',
        allocatedUnitIds: [],
      });
      given([...history, ...late.events])
        .when(result('o1', 1, 'up-a', 'fulfilled', { units: keys(2, 'late') }))
        .thenNothing();
    });

    it('sends a fulfilled order’s supplier keys again on a redelivery (补发)', () => {
      const done = given(forwarding).when(result('o1', 1, 'up-a', 'fulfilled', { units: keys(2) }));
      const again = given([...forwarding, ...done.events]).when(
        command('RedeliverOrder', { channel: 'taobao', channelOrderId: 'o1' }),
      );
      expect(again.events[0]).toMatchObject({
        type: 'DeliveryRepeated',
        data: { unitIds: ['sk1', 'sk2'], redelivery: 1 },
      });
    });

    it('keeps an order a supplier is working on when the books close, however long it has waited', () => {
      const later = T0 + 30 * 24 * 60 * MINUTE;
      const closed = given(forwarding).when(
        command('CloseBooks', { before: later - 2 * 24 * 60 * MINUTE, now: later }),
      );
      expect(orderRecordOf(closed.state, 'taobao', 'o1')).toMatchObject({ status: 'forwarding' });
    });

    it('refuses an answer for an attempt or supplier the order never had', () => {
      given(forwarding)
        .when(result('o1', 2, 'up-a', 'refused'))
        .thenRejects('NOT_FORWARDING');
      given(forwarding)
        .when(result('o1', 1, 'up-b', 'refused'))
        .thenRejects('NOT_FORWARDING');
      given(forwarding)
        .when(result('o9', 1, 'up-a', 'refused'))
        .thenRejects('RESERVATION_NOT_FOUND');
    });
  });

  describe('top-ups (直充)', () => {
    const account = { account: '13800138000', region: 'mobile' };
    const topUpSku: InventoryEvent[] = [
      registeredSupplier(),
      event('SupplyConfigured', {
        suppliers: [link('up-a', 'p-1'), link('up-b', 'p-9')],
        safetyBuffer: 0,
        fulfilment: 'topUp',
      }),
      event('PricingSet', { pricing: { ...DEFAULT_PRICING, faceValue: 5000 } }),
      observed('up-a', null),
      observed('up-b', null),
    ];
    const reserveTopUp = (channelOrderId: string, quantity: number, topUp: unknown) =>
      command('ReserveStock', {
        channel: 'taobao',
        channelOrderId,
        lines: [{ quantity }],
        expiresAt: T0 + 15 * MINUTE,
        topUp: topUp as never,
      });
    const reservedTopUp = (channelOrderId: string, quantity: number) =>
      event('StockReserved', {
        channel: 'taobao',
        channelOrderId,
        lines: [{ quantity, poolId: null, endless: quantity }],
        quantity,
        expiresAt: T0 + 15 * MINUTE,
        topUp: { ...account, amount: quantity * 5000 },
      });
    const startedTopUp = (attempt: number, supplierId: string) => ({
      ...started('o1', attempt, supplierId, 2),
      data: { ...started('o1', attempt, supplierId, 2).data, topUp: { ...account, amount: 10_000 } },
    });
    const forwardingTopUp = [...topUpSku, reservedTopUp('o1', 2), paid('o1', 2), startedTopUp(1, 'up-a')];

    it('is named by ConfigureSupply and kept when the list changes without saying', () => {
      const state = given(topUpSku).state;
      expect(state.supply?.fulfilment).toBe('topUp');
      const relisted = given(topUpSku).when(command('ConfigureSupply', { suppliers: [link('up-b', 'p-9')] }));
      expect(relisted.state.supply?.fulfilment).toBe('topUp');
      given(topUpSku)
        .when(
          command('ConfigureSupply', { suppliers: [link('up-a', 'p-1')], fulfilment: 'giftCard' as never }),
        )
        .thenRejects('INVALID_SETTING');
    });

    it('reserves an order naming an account, with the amount the SKU’s face value sets', () => {
      given(topUpSku)
        .when(reserveTopUp('o1', 2, { ...account, amount: 1 }))
        .then([reservedTopUp('o1', 2)]);
    });

    it('refuses an order naming no account, or a malformed one, and one for a SKU with no face value', () => {
      given(topUpSku)
        .when(reserveTopUp('o1', 1, undefined))
        .thenRejects('TOP_UP_ACCOUNT_REQUIRED');
      given(topUpSku)
        .when(reserveTopUp('o2', 1, { account: ' 138\n' }))
        .thenRejects('TOP_UP_ACCOUNT_REQUIRED');
      given(topUpSku.filter((e) => e.type !== 'PricingSet'))
        .when(reserveTopUp('o3', 1, account))
        .thenRejects('FACE_VALUE_UNKNOWN');
    });

    it('keeps no account on a card-key SKU’s order', () => {
      const held = given(supplied).when(reserveTopUp('o1', 1, account));
      held.then([reservedSupplied('o1', 1)]);
    });

    it('forwards the account and amount with each attempt, to the next supplier after a refusal', () => {
      given([...topUpSku, reservedTopUp('o1', 2)])
        .when(confirm('o1'))
        .then([paid('o1', 2), startedTopUp(1, 'up-a')]);
      given(forwardingTopUp)
        .when(result('o1', 1, 'up-a', 'refused', { code: 'SUPPLIER.TOP_UP_ACCOUNT_INVALID' }))
        .then([
          event('SupplierForwardFailed', {
            channel: 'taobao',
            channelOrderId: 'o1',
            attempt: 1,
            supplierId: 'up-a',
            reason: 'refused',
            code: 'SUPPLIER.TOP_UP_ACCOUNT_INVALID',
          }),
          startedTopUp(2, 'up-b'),
        ]);
    });

    it('is delivered by the supplier’s receipt: nothing left for a channel to send', () => {
      const done = given(forwardingTopUp).when(
        command('RecordForwardResult', {
          channel: 'taobao',
          channelOrderId: 'o1',
          attempt: 1,
          supplierId: 'up-a',
          outcome: 'fulfilled',
          supplierOrderId: 's-1',
          receipt: { reference: 'CMCC-77', completedAt: T0 + 5 },
        }),
      );
      done.then([
        event('SupplierForwardFulfilled', {
          channel: 'taobao',
          channelOrderId: 'o1',
          attempt: 1,
          supplierId: 'up-a',
          supplierOrderId: 's-1',
          units: [],
          receipt: { reference: 'CMCC-77', completedAt: T0 + 5 },
        }),
      ]);
      expect(orderRecordOf(done.state, 'taobao', 'o1')).toMatchObject({
        status: 'delivered',
        allocatedUnitIds: [],
        receipt: { reference: 'CMCC-77' },
      });
      expect(done.state.counters.endlessReserved).toBe(0);
    });

    it('takes a fulfilment without a receipt, or with keys, as unusable and moves on', () => {
      given(forwardingTopUp)
        .when(result('o1', 1, 'up-a', 'fulfilled', { units: keys(2) }))
        .then([
          event('SupplierForwardFailed', {
            channel: 'taobao',
            channelOrderId: 'o1',
            attempt: 1,
            supplierId: 'up-a',
            reason: 'invalid-fulfilment',
            code: 'NO_RECEIPT',
          }),
          startedTopUp(2, 'up-b'),
        ]);
    });

    it('records a top-up credited after it was given up, once, so an operator sees a possible double credit', () => {
      const givenUp = [
        ...forwardingTopUp,
        event('SupplierForwardFailed', {
          channel: 'taobao',
          channelOrderId: 'o1',
          attempt: 1,
          supplierId: 'up-a',
          reason: 'timeout',
          code: null,
        }),
        startedTopUp(2, 'up-b'),
      ];
      const late = command('RecordForwardResult', {
        channel: 'taobao',
        channelOrderId: 'o1',
        attempt: 1,
        supplierId: 'up-a',
        outcome: 'fulfilled',
        supplierOrderId: 's-1',
        receipt: { reference: 'CMCC-late' },
      });
      const recorded = given(givenUp).when(late);
      recorded.then([
        event('SupplierLateFulfilment', {
          channel: 'taobao',
          channelOrderId: 'o1',
          attempt: 1,
          supplierId: 'up-a',
          supplierOrderId: 's-1',
          unitIds: [],
          receipt: { reference: 'CMCC-late' },
        }),
      ]);
      given([...givenUp, ...recorded.events])
        .when(late)
        .thenNothing();
    });
  });
});
