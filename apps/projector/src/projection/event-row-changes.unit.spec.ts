import { inventoryDecider, stockLevels, type InventoryEvent, type InventoryState } from '@libs/inventory';
import { skuStreamId } from '@libs/inventory-application';
import { commandsFor, RecordedStreams, T0 } from '../../test/recorded-streams';
import { eventRowChanges, type EventRowChanges } from './event-row-changes';
import { toInventoryEvent } from './inventory-event';
import { skuFromStreamId } from './sku-stream';

const SKU = 'GIFT-100';
const c = commandsFor(SKU);

/** Runs the setup, then maps each event of the last command as the projector does. */
function changesOf(
  setup: Parameters<RecordedStreams['runAll']>[0],
  last: Parameters<RecordedStreams['run']>[0],
) {
  const streams = new RecordedStreams();
  streams.runAll(setup);
  let state: InventoryState = streams.state(SKU);
  const out: { event: InventoryEvent; changes: EventRowChanges }[] = [];
  const recorded = streams.run(last);
  for (const r of recorded) {
    const event = toInventoryEvent(r)!;
    const after = evolveOne(state, event);
    out.push({
      event,
      changes: eventRowChanges(
        event,
        {
          sku: SKU,
          eventId: r.eventId,
          version: r.version,
          globalPosition: r.globalPosition,
          at: r.occurredAt,
        },
        { state, levels: stockLevels(state) },
        { state: after, levels: stockLevels(after) },
      ),
    });
    state = after;
  }
  return out;
}

const evolveOne = (s: InventoryState, e: InventoryEvent) => inventoryDecider.evolve(s, e);

const only = (list: ReturnType<typeof changesOf>, type: InventoryEvent['type']) => {
  const found = list.filter((x) => x.event.type === type);
  expect(found).toHaveLength(1);
  return found[0].changes;
};

describe('stream ids', () => {
  it('reads the SKU back from the inventory stream id', () => {
    expect(skuFromStreamId(skuStreamId('GIFT-100'))).toBe('GIFT-100');
    expect(skuFromStreamId(skuStreamId('sku-in-a-sku'))).toBe('sku-in-a-sku');
  });

  it('passes over streams that are not inventory', () => {
    expect(skuFromStreamId('vault-1')).toBeNull();
    expect(skuFromStreamId(skuStreamId(''))).toBeNull();
  });
});

describe('event → row changes', () => {
  const registered = [c.register(T0, 'quantity')];

  describe('a receipt', () => {
    it('moves on hand and availability up, naming the batch', () => {
      const changes = only(changesOf(registered, c.receive(T0 + 1, 'b1', 7)), 'StockReceived');
      expect(changes.movement).toMatchObject({
        sku: SKU,
        eventType: 'StockReceived',
        quantity: 7,
        deltaOnHand: 7,
        deltaReserved: 0,
        deltaHeldInPools: 0,
        deltaAvailable: 7,
        onHandAfter: 7,
        availableAfter: 7,
        ref: 'b1',
        reason: null,
        actor: 'test',
        occurredAt: new Date(T0 + 1),
      });
      expect(changes.reservations).toEqual([]);
      expect(changes.cardKeyCounts).toEqual([]);
      expect(changes.alert).toBeNull();
    });
  });

  describe('an order', () => {
    const stocked = [...registered, c.receive(T0, 'b1', 5)];

    it('reserving holds stock and writes the reservation with its expiry', () => {
      const changes = only(
        changesOf(stocked, c.reserve(T0 + 10, 'taobao', 'T1', 2, 60_000)),
        'StockReserved',
      );
      expect(changes.movement).toMatchObject({
        channel: 'taobao',
        channelOrderId: 'T1',
        quantity: 2,
        deltaOnHand: 0,
        deltaReserved: 2,
        deltaAvailable: -2,
        availableAfter: 3,
      });
      expect(changes.reservations[0]).toEqual({
        channel: 'taobao',
        channelOrderId: 'T1',
        sku: SKU,
        quantity: 2,
        status: 'reserved',
        reason: null,
        expiresAt: new Date(T0 + 10 + 60_000),
        allocatedUnitIds: [],
        loopUnitIds: [],
        createdAt: new Date(T0 + 10),
        updatedAt: new Date(T0 + 10),
        updatedVersion: 3,
        // Nothing paid, delivered or refunded yet, and this notice carried no sale observation.
        paidAt: null,
        deliveredAt: null,
        refundedAt: null,
        refundNote: null,
        supplierId: null,
        unitPrice: null,
        buyerRef: null,
        buyerLevel: null,
        province: null,
        city: null,
        shop: null,
        priority: null,
      });
    });

    it("an order rule's priority is written with the reservation and kept by the payment after it", () => {
      const reserve = c.reserve(T0 + 10, 'taobao', 'T9', 1);
      const ruled = {
        ...reserve,
        data: {
          ...reserve.data,
          orderRules: [
            { ruleId: 'vip', version: 2, position: 1, when: {}, then: { type: 'priority', priority: 90 } },
          ],
        },
      } as typeof reserve;
      const reserved = only(changesOf(stocked, ruled), 'StockReserved');
      expect(reserved.reservations[0]).toMatchObject({ channelOrderId: 'T9', priority: 90 });
      const paid = only(
        changesOf([...stocked, ruled], c.confirm(T0 + 20, 'taobao', 'T9')),
        'ReservationConfirmed',
      );
      expect(paid.reservations[0]).toMatchObject({ channelOrderId: 'T9', status: 'confirmed', priority: 90 });
    });

    it("a batch's rejections stored as one event give each refused order its row, and move nothing", () => {
      const streams = new RecordedStreams();
      streams.runAll([c.register(T0, 'quantity'), c.receive(T0 + 1, 'b1', 1)]);
      const before = streams.state(SKU);
      const merged = {
        type: 'ReservationsRejected',
        data: {
          sku: SKU,
          at: T0 + 5,
          actor: null,
          rejections: [
            { channel: 'pdd', channelOrderId: 'P1', reason: 'INSUFFICIENT_STOCK', requested: 4, at: T0 + 5 },
            { channel: 'taobao', channelOrderId: 'T9', reason: 'OVER_ORDER_CAP', requested: 9, at: T0 + 5 },
          ],
          channelOrderIds: ['P1', 'T9'],
        },
      } as InventoryEvent;
      const after = evolveOne(before, merged);
      const position = { sku: SKU, eventId: 'e', version: 3, globalPosition: 3, at: new Date(T0 + 5) };
      const changes = eventRowChanges(
        merged,
        position,
        { state: before, levels: stockLevels(before) },
        { state: after, levels: stockLevels(after) },
      );
      expect(changes.movement).toBeNull();
      expect(changes.reservations).toMatchObject([
        {
          channel: 'pdd',
          channelOrderId: 'P1',
          status: 'rejected',
          quantity: 4,
          reason: 'INSUFFICIENT_STOCK',
        },
        {
          channel: 'taobao',
          channelOrderId: 'T9',
          status: 'rejected',
          quantity: 9,
          reason: 'OVER_ORDER_CAP',
        },
      ]);
    });

    it('a rejection is remembered with the quantity asked for and its reason, and moves nothing', () => {
      const changes = only(changesOf(stocked, c.reserve(T0 + 10, 'pdd', 'P1', 9)), 'ReservationRejected');
      expect(changes.movement).toBeNull();
      expect(changes.reservations[0]).toMatchObject({
        status: 'rejected',
        quantity: 9,
        reason: 'INSUFFICIENT_STOCK',
      });
    });

    it('payment turns the hold into a sale: on hand and reserved go down, availability stays', () => {
      const changes = only(
        changesOf([...stocked, c.reserve(T0 + 10, 'taobao', 'T1', 2)], c.confirm(T0 + 20, 'taobao', 'T1')),
        'ReservationConfirmed',
      );
      expect(changes.movement).toMatchObject({
        deltaOnHand: -2,
        deltaReserved: -2,
        deltaAvailable: 0,
        onHandAfter: 3,
      });
      expect(changes.reservations[0]).toMatchObject({ status: 'confirmed', updatedAt: new Date(T0 + 20) });
    });

    it('a cancellation gives the stock back and keeps the note', () => {
      const changes = only(
        changesOf([...stocked, c.reserve(T0 + 10, 'taobao', 'T1', 2)], c.release(T0 + 20, 'taobao', 'T1')),
        'ReservationReleased',
      );
      expect(changes.movement).toMatchObject({
        deltaReserved: -2,
        deltaAvailable: 2,
        note: 'buyer cancelled',
      });
      expect(changes.reservations[0]).toMatchObject({ status: 'released', quantity: 2 });
    });

    it('an expiry gives the stock back', () => {
      const changes = only(
        changesOf([...stocked, c.reserve(T0 + 10, 'taobao', 'T1', 2, 1000)], c.expire(T0 + 5000)),
        'ReservationExpired',
      );
      expect(changes.movement).toMatchObject({ eventType: 'ReservationExpired', deltaAvailable: 2 });
      expect(changes.reservations[0]).toMatchObject({ status: 'expired' });
    });

    it('a confirm for an order nobody reserved is answered, but leaves no row', () => {
      const changes = only(changesOf(stocked, c.confirm(T0 + 20, 'taobao', 'NOPE')), 'CommandRejected');
      expect(changes).toEqual({ movement: null, reservations: [], cardKeyCounts: [], alert: null });
    });
  });

  describe('an adjustment', () => {
    it('records the signed delta, reason and adjustment id', () => {
      const changes = only(
        changesOf([...registered, c.receive(T0, 'b1', 5)], c.adjust(T0 + 1, 'adj-1', -2)),
        'StockAdjusted',
      );
      expect(changes.movement).toMatchObject({
        quantity: -2,
        deltaOnHand: -2,
        deltaAvailable: -2,
        reason: 'count-correction',
        ref: 'adj-1',
        note: 'stock take',
      });
    });
  });

  describe('a dedicated pool', () => {
    it('opening sets units apart from general availability; closing returns the rest', () => {
      const setup = [...registered, c.receive(T0, 'b1', 10)];
      const opened = only(changesOf(setup, c.openPool(T0 + 1, 'flash', 4)), 'DedicatedPoolOpened');
      expect(opened.movement).toMatchObject({
        quantity: 4,
        deltaOnHand: 0,
        deltaHeldInPools: 4,
        deltaAvailable: -4,
        ref: 'flash',
      });
      const closed = only(
        changesOf(
          [...setup, c.openPool(T0 + 1, 'flash', 4), c.reserve(T0 + 2, 'shop', 'S1', 1, 60_000, 'flash')],
          c.closePool(T0 + 3, 'flash'),
        ),
        'DedicatedPoolClosed',
      );
      expect(closed.movement).toMatchObject({ quantity: 3, deltaHeldInPools: -3, deltaAvailable: 3 });
    });
  });

  describe('card keys', () => {
    const keys = [c.register(T0, 'cardKey'), c.importKeys(T0, 'c1', ['k1', 'k2', 'k3'])];

    it('an import counts the batch available', () => {
      const changes = only(
        changesOf([c.register(T0, 'cardKey')], c.importKeys(T0 + 1, 'c1', ['k1', 'k2'])),
        'CardKeysImported',
      );
      expect(changes.cardKeyCounts).toEqual([{ sku: SKU, batchId: 'c1', state: 'available', delta: 2 }]);
      expect(changes.movement).toMatchObject({ quantity: 2, deltaOnHand: 2, ref: 'c1' });
    });

    it('payment allocates keys first in, first out; delivery and redemption move them on', () => {
      const paid = changesOf([...keys, c.reserve(T0 + 1, 'shop', 'S1', 2)], c.confirm(T0 + 2, 'shop', 'S1'));
      const confirmed = only(paid, 'ReservationConfirmed');
      expect(confirmed.reservations[0]).toMatchObject({
        status: 'confirmed',
        allocatedUnitIds: ['k1', 'k2'],
      });
      expect(confirmed.cardKeyCounts).toEqual(
        expect.arrayContaining([
          { sku: SKU, batchId: 'c1', state: 'available', delta: -2 },
          { sku: SKU, batchId: 'c1', state: 'allocated', delta: 2 },
        ]),
      );
      const sold = [...keys, c.reserve(T0 + 1, 'shop', 'S1', 2), c.confirm(T0 + 2, 'shop', 'S1')];
      const delivered = only(changesOf(sold, c.deliver(T0 + 3, 'shop', 'S1')), 'DeliveryRecorded');
      expect(delivered.reservations[0]).toMatchObject({ status: 'delivered' });
      expect(delivered.movement).toBeNull();
      expect(delivered.cardKeyCounts).toEqual(
        expect.arrayContaining([
          { sku: SKU, batchId: 'c1', state: 'allocated', delta: -2 },
          { sku: SKU, batchId: 'c1', state: 'delivered', delta: 2 },
        ]),
      );
      const redeemed = only(
        changesOf([...sold, c.deliver(T0 + 3, 'shop', 'S1')], c.redeem(T0 + 4, 'k1')),
        'CardKeyRedeemed',
      );
      expect(redeemed.cardKeyCounts).toEqual(
        expect.arrayContaining([
          { sku: SKU, batchId: 'c1', state: 'delivered', delta: -1 },
          { sku: SKU, batchId: 'c1', state: 'redeemed', delta: 1 },
        ]),
      );
    });

    it('voiding an unsold key takes it out of stock', () => {
      const changes = only(changesOf(keys, c.voidKey(T0 + 1, 'k3')), 'CardKeyVoided');
      expect(changes.movement).toMatchObject({
        quantity: 1,
        deltaOnHand: -1,
        deltaAvailable: -1,
        ref: 'k3',
        note: 'leaked',
      });
      expect(changes.cardKeyCounts).toEqual(
        expect.arrayContaining([
          { sku: SKU, batchId: 'c1', state: 'available', delta: -1 },
          { sku: SKU, batchId: 'c1', state: 'voided', delta: 1 },
        ]),
      );
    });
  });

  describe('low stock', () => {
    it('raises on the sale that crosses the threshold and clears on restock', () => {
      const setup = [
        c.register(T0, 'quantity', { lowStockThreshold: 2 }),
        c.receive(T0, 'b1', 3),
        c.reserve(T0 + 1, 'taobao', 'T1', 1),
      ];
      const raised = only(changesOf(setup, c.confirm(T0 + 2, 'taobao', 'T1')), 'LowStockAlerted');
      expect(raised.alert).toEqual({ kind: 'raised', threshold: 2, onHand: 2, at: new Date(T0 + 2) });
      const cleared = only(
        changesOf([...setup, c.confirm(T0 + 2, 'taobao', 'T1')], c.receive(T0 + 3, 'b2', 5)),
        'LowStockCleared',
      );
      expect(cleared.alert).toEqual({ kind: 'cleared', threshold: 2, onHand: 7, at: new Date(T0 + 3) });
    });
  });

  it('registration and channel policies change no row here (sku_stock and targets are per batch)', () => {
    const registeredOnly = only(changesOf([], c.register(T0, 'quantity')), 'SkuRegistered');
    expect(registeredOnly).toEqual({ movement: null, reservations: [], cardKeyCounts: [], alert: null });
    const policy = only(changesOf(registered, c.policy(T0 + 1, 'taobao')), 'ChannelPolicySet');
    expect(policy).toEqual({ movement: null, reservations: [], cardKeyCounts: [], alert: null });
    const settings = only(
      changesOf(registered, c.changeSettings(T0 + 1, { perOrderCap: 2 })),
      'SkuSettingsChanged',
    );
    expect(settings).toEqual({ movement: null, reservations: [], cardKeyCounts: [], alert: null });
  });
});
