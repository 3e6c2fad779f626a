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
});
