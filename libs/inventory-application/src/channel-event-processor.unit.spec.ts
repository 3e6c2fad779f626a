import { randomUUID } from 'node:crypto';
import { InventoryEvent } from '@libs/inventory';
import { InMemoryEventStore } from '@libs/event-store';
import {
  ChannelEventsTopic,
  encodeMessage,
  OrderOutcomesTopic,
  type EnvelopeOf,
  type MessageBatch,
  type MessageBus,
} from '@libs/messaging';
import { Registry } from 'prom-client';
import { ChannelEventProcessor } from './channel-event-processor';
import { createInventoryBatchHandler, type InventoryBatchHandler } from './inventory-handler';
import { InventoryMetrics } from './inventory-metrics';
import type { OutcomeMessage } from './order-outcomes';
import { skuStreamId } from './sku-stream';

type ChannelEvent = EnvelopeOf<typeof ChannelEventsTopic>;

const T0 = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;
let seq = 0;

/** An envelope as a connector writes it; `at` is when the fact happened at the source. */
function envelope<T extends ChannelEvent['type']>(
  type: T,
  payload: Extract<ChannelEvent, { type: T }>['payload'],
  at = T0,
  eventId = `evt-${++seq}`,
): ChannelEvent {
  return {
    eventId,
    type,
    schemaVersion: 1,
    source: 'connector-taobao',
    occurredAt: new Date(at).toISOString(),
    correlationId: `corr-${eventId}`,
    payload,
  } as ChannelEvent;
}

const placed = (sku: string, orderId: string, quantity: number, expiresAt = T0 + 15 * MINUTE, at = T0) =>
  envelope(
    'order.placed',
    {
      channel: 'taobao',
      channelOrderId: orderId,
      sku,
      lines: [{ quantity }],
      expiresAt: new Date(expiresAt).toISOString(),
    },
    at,
  );
const paid = (sku: string, orderId: string, at = T0) =>
  envelope('order.paid', { channel: 'taobao', channelOrderId: orderId, sku }, at);
const cancelled = (sku: string, orderId: string, at = T0) =>
  envelope('order.cancelled', { channel: 'taobao', channelOrderId: orderId, sku }, at);

/** The inventory service in-process: the real batch handler and decider on the in-memory store. */
class Harness {
  readonly store = new InMemoryEventStore();
  readonly handler: InventoryBatchHandler = createInventoryBatchHandler(this.store, { cachedSkus: 0 });
  readonly registry = new Registry();
  readonly metrics = new InventoryMetrics(this.registry);
  readonly published: OutcomeMessage[] = [];
  clock = T0;
  // Every outcome is encoded as the Kafka bus would: an invalid one fails here as it would there.
  readonly bus = {
    publish: async (topic: typeof OrderOutcomesTopic, messages: OutcomeMessage[]) => {
      for (const m of messages) encodeMessage(topic, m, 'inventory-service');
      this.published.push(...messages);
      return [];
    },
  } as unknown as MessageBus;
  readonly processor = new ChannelEventProcessor(this.handler, this.bus, () => this.clock, this.metrics);

  async command(sku: string, events: InventoryEvent[]): Promise<void> {
    await this.store.appendToStream(
      skuStreamId(sku),
      'any',
      events.map((e) => ({ eventId: randomUUID(), type: e.type, data: e.data })),
    );
  }

  async deliver(...envelopes: ChannelEvent[]): Promise<OutcomeMessage[]> {
    const before = this.published.length;
    const batch = {
      topic: ChannelEventsTopic,
      topicName: 'stock.channel-events',
      partition: 0,
      groupId: 'inventory-service',
      messages: envelopes.map((envelope, offset) => ({
        envelope,
        offset: String(offset),
        key: envelope.payload.sku,
      })),
    } as unknown as MessageBatch<typeof ChannelEventsTopic>;
    await this.processor.handle(batch);
    return this.published.slice(before);
  }

  answers(orderId: string, sku?: string) {
    return this.published
      .filter((o) => o.payload.channelOrderId === orderId && (sku === undefined || o.payload.sku === sku))
      .map((o) => [
        o.type,
        'answers' in o.payload ? o.payload.answers : null,
        'reasonCode' in o.payload ? o.payload.reasonCode : null,
      ]);
  }
}

const ctx = (sku: string) => ({ sku, at: T0, actor: null });
const registered = (sku: string, kind: 'quantity' | 'cardKey' | 'unlimited') =>
  ({
    type: 'SkuRegistered',
    data: { ...ctx(sku), kind, lowStockThreshold: null, perOrderCap: null },
  }) as InventoryEvent;
const keys = (sku: string, count: number, loop = false) =>
  ({
    type: 'CardKeysImported',
    data: {
      ...ctx(sku),
      batchId: `keys-${loop}-${count}`,
      units: Array.from({ length: count }, (_, i) => ({
        unitId: `${loop ? 'loop' : 'k'}-${i + 1}`,
        fingerprint: `f-${loop}-${i + 1}`,
        loop,
      })),
      skipped: [],
    },
  }) as InventoryEvent;
const stock = (sku: string, quantity: number) =>
  ({ type: 'StockReceived', data: { ...ctx(sku), batchId: `b-${quantity}`, quantity } }) as InventoryEvent;

describe('ChannelEventProcessor', () => {
  describe('a paid order on a loop key', () => {
    it('is allocated as one (unit, count) entry that travels in one valid message', async () => {
      const h = new Harness();
      await h.command('LOOP', [registered('LOOP', 'cardKey'), keys('LOOP', 1, true)]);
      const out = await h.deliver(placed('LOOP', 'big', 900_000), paid('LOOP', 'big'));
      const allocations = out.filter((o) => o.type === 'card-keys.allocated');
      expect(allocations).toHaveLength(1);
      expect(allocations[0].payload).toMatchObject({
        unitIds: [],
        loopUnits: [{ unitId: 'loop-1', count: 900_000 }],
      });
    });
  });

  describe('a payment whose allocation could not be published', () => {
    it('is refused before anything is stored: the keys stay in stock', async () => {
      const h = new Harness();
      const badKey = {
        type: 'CardKeysImported',
        data: {
          ...ctx('KEYS'),
          batchId: 'odd',
          units: [{ unitId: 'key with spaces', fingerprint: 'f-odd', loop: false }],
          skipped: [],
        },
      } as InventoryEvent;
      await h.command('KEYS', [registered('KEYS', 'cardKey'), badKey]);
      await h.deliver(placed('KEYS', 'o1', 1));
      await expect(h.deliver(paid('KEYS', 'o1'))).rejects.toThrow(/key with spaces|unitIds/);
      const events = await h.store.readStream(skuStreamId('KEYS'));
      expect(events.map((e) => e.type)).not.toContain('ReservationConfirmed');
    });
  });

  describe('a paid order of more than 1,000 card keys', () => {
    it('is answered in several allocation messages of at most 1,000 units, each with its own id, and loses no key', async () => {
      const h = new Harness();
      await h.command('KEYS', [registered('KEYS', 'cardKey'), keys('KEYS', 2_500)]);
      const notices = [placed('KEYS', 'wholesale', 2_001), paid('KEYS', 'wholesale')];
      const out = await h.deliver(...notices);
      const allocations = out.filter((o) => o.type === 'card-keys.allocated');
      expect(
        allocations.map(
          (a) =>
            a.type === 'card-keys.allocated' && [a.payload.unitIds.length, a.payload.part, a.payload.parts],
        ),
      ).toEqual([
        [1000, 1, 3],
        [1000, 2, 3],
        [1, 3, 3],
      ]);
      expect(new Set(allocations.map((a) => a.eventId)).size).toBe(3);
      const units = allocations.flatMap((a) => (a.type === 'card-keys.allocated' ? a.payload.unitIds : []));
      expect(new Set(units).size).toBe(2_001);

      // A redelivery answers with the same messages, ids included.
      const again = await h.deliver(...notices);
      expect(again.filter((o) => o.type === 'card-keys.allocated').map((a) => a.eventId)).toEqual(
        allocations.map((a) => a.eventId),
      );
    });

    it('keeps the first part under the id a single allocation always had', async () => {
      const h = new Harness();
      await h.command('KEYS', [registered('KEYS', 'cardKey'), keys('KEYS', 1_001)]);
      const one = await h.deliver(placed('KEYS', 'a', 1), paid('KEYS', 'a'));
      const payment = h.published.find((o) => o.type === 'card-keys.allocated');
      expect(payment?.payload).not.toHaveProperty('part');
      expect(one).toHaveLength(3);
    });
  });

  describe('reordered and late notices', () => {
    it('decides a notice at the time it happened, not when it was consumed', async () => {
      const h = new Harness();
      await h.command('Q', [registered('Q', 'quantity'), stock('Q', 10)]);
      h.clock = T0 + 120 * MINUTE; // a two-hour backlog
      await h.deliver(placed('Q', 'o1', 1, T0 + 15 * MINUTE, T0));
      expect(h.answers('o1')).toEqual([['order.accepted', 'order.placed', null]]);
      const events = await h.store.readStream(skuStreamId('Q'));
      expect(events.at(-1)).toMatchObject({ type: 'StockReserved', data: { at: T0 } });
    });

    it('never takes a time from the future', async () => {
      const h = new Harness();
      await h.command('Q', [registered('Q', 'quantity'), stock('Q', 10)]);
      await h.deliver(placed('Q', 'o1', 1, T0 + 15 * MINUTE, T0 + 60 * MINUTE));
      const events = await h.store.readStream(skuStreamId('Q'));
      expect(events.at(-1)).toMatchObject({ type: 'StockReserved', data: { at: T0 } });
    });

    it('accepts a payment that carries its placement after the pay deadline', async () => {
      const h = new Harness();
      await h.command('Q', [registered('Q', 'quantity'), stock('Q', 10)]);
      const late = T0 + 30 * MINUTE;
      h.clock = late + MINUTE;
      await h.deliver(placed('Q', 'o1', 2, T0 + 15 * MINUTE, late), paid('Q', 'o1', late));
      expect(h.answers('o1')).toEqual([
        ['order.accepted', 'order.placed', null],
        ['order.accepted', 'order.paid', null],
      ]);
    });

    it('lets a cancel that came before its placement win', async () => {
      const h = new Harness();
      await h.command('Q', [registered('Q', 'quantity'), stock('Q', 10)]);
      await h.deliver(cancelled('Q', 'o1'));
      await h.deliver(placed('Q', 'o1', 3));
      expect(h.answers('o1')).toEqual([
        ['order.accepted', 'order.cancelled', null],
        ['order.rejected', 'order.placed', 'ORDER_CANCELLED'],
      ]);
      // The same cancel delivered again is answered the same way.
      await h.deliver(cancelled('Q', 'o2'));
      const again = h.published.length;
      await h.deliver({ ...cancelled('Q', 'o2'), eventId: 'evt-cancel-again' });
      expect(h.published.slice(again).map((o) => o.type)).toEqual(['order.accepted']);
    });

    // A guard rather than a fix: each SKU is its own stream, so nothing in the domain couples the lines.
    it('releases only the cancelled SKU of a multi-SKU order', async () => {
      const h = new Harness();
      await h.command('A', [registered('A', 'quantity'), stock('A', 10)]);
      await h.command('B', [registered('B', 'quantity'), stock('B', 10)]);
      await h.deliver(placed('A', 'multi', 2), placed('B', 'multi', 3));
      await h.deliver(cancelled('A', 'multi'));
      expect(h.answers('multi', 'A').at(-1)).toEqual(['order.accepted', 'order.cancelled', null]);
      await h.deliver(paid('B', 'multi'));
      expect(h.answers('multi', 'B').at(-1)).toEqual(['order.accepted', 'order.paid', null]);
    });

    it('counts a refused payment by channel and reason', async () => {
      const h = new Harness();
      await h.command('Q', [registered('Q', 'quantity'), stock('Q', 1)]);
      await h.deliver(placed('Q', 'o1', 5), paid('Q', 'o1'));
      expect(h.answers('o1').at(-1)).toEqual(['order.rejected', 'order.paid', 'ORDER_REJECTED']);
      const metric = await h.registry.getSingleMetricAsString('stocksync_paid_orders_rejected_total');
      expect(metric).toContain(
        'stocksync_paid_orders_rejected_total{channel="taobao",reason="ORDER_REJECTED"} 1',
      );
    });
  });
});
