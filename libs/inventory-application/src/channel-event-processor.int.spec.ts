import { randomUUID } from 'node:crypto';
import { PostgresEventStore } from '@libs/event-store';
import { inventoryDecider, stockLevels, type InventoryEvent } from '@libs/inventory';
import {
  ChannelEventsTopic,
  DeadLettersTopic,
  OrderOutcomesTopic,
  type EnvelopeOf,
  type KafkaMessageBus,
  type OutgoingMessage,
} from '@libs/messaging';
import {
  createTestDatabase,
  deleteTopicsWithPrefix,
  eventually,
  testKafkaBus,
  uniqueTopicPrefix,
  type TestDatabase,
} from '@libs/testing';
import { Kafka, logLevel } from 'kafkajs';
import { ChannelEventProcessor } from './channel-event-processor';
import { createInventoryBatchHandler, type InventoryBatchHandler } from './inventory-handler';
import { skuStreamId } from './sku-stream';

type Outcome = EnvelopeOf<typeof OrderOutcomesTopic>;
type ChannelEvent = OutgoingMessage<typeof ChannelEventsTopic>;

const SKU = 'GIFT-100';
const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();
const placed = (orderId: string, quantity = 1): ChannelEvent => ({
  type: 'order.placed',
  eventId: randomUUID(),
  payload: {
    channel: 'taobao',
    channelOrderId: orderId,
    sku: SKU,
    lines: [{ quantity }],
    expiresAt: inAnHour(),
  },
});

describe('the inventory service pipeline on the real broker and PostgreSQL', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  let handler: InventoryBatchHandler;
  let inventoryBus: KafkaMessageBus;
  let connectorBus: KafkaMessageBus;
  const prefix = uniqueTopicPrefix('inventory');
  const outcomes: Outcome[] = [];
  const deadLetters: EnvelopeOf<typeof DeadLettersTopic>[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('inventory_pipeline');
    store = await PostgresEventStore.create(db.pool);
    handler = createInventoryBatchHandler(store, { snapshotEvery: 10 });
    await handler.handleBatch([
      {
        streamId: skuStreamId(SKU),
        commandId: 'register',
        command: {
          type: 'RegisterSku',
          data: { sku: SKU, now: Date.now(), kind: 'quantity', perOrderCap: 3 },
        },
      },
    ]);
    inventoryBus = testKafkaBus('inventory-service', prefix);
    connectorBus = testKafkaBus('connector-taobao', prefix);
    const processor = new ChannelEventProcessor(handler, inventoryBus);
    await inventoryBus.subscribe(ChannelEventsTopic, 'inventory-service', processor.handle);
    await connectorBus.subscribe(OrderOutcomesTopic, 'connector-taobao', async (b) => {
      outcomes.push(...b.messages.map((m) => m.envelope));
    });
    await connectorBus.subscribe(DeadLettersTopic, 'dlq-watch', async (b) => {
      deadLetters.push(...b.messages.map((m) => m.envelope));
    });
    await inventoryBus.start();
    await connectorBus.start();
  });

  afterAll(async () => {
    await connectorBus?.stop();
    await inventoryBus?.stop();
    await deleteTopicsWithPrefix(prefix);
    await db?.drop();
  });

  const answersFor = (orderId: string) => outcomes.filter((o) => o.payload.channelOrderId === orderId);

  it('decides orders in arrival order and answers each one, never overselling', async () => {
    await connectorBus.publish(ChannelEventsTopic, [
      { type: 'stock.restocked', eventId: randomUUID(), payload: { sku: SKU, batchId: 'b1', quantity: 5 } },
      ...['o1', 'o2', 'o3', 'o4', 'o5', 'o6'].map((id) => placed(id)),
      placed('big', 4),
    ]);
    await eventually(() => outcomes.length >= 7 || undefined, 30_000, 'seven answers');
    const accepted = ['o1', 'o2', 'o3', 'o4', 'o5'].map((id) => answersFor(id)[0]?.type);
    expect(accepted).toEqual(Array(5).fill('order.accepted'));
    expect(answersFor('o6')[0]).toMatchObject({
      type: 'order.rejected',
      payload: { reasonCode: 'INSUFFICIENT_STOCK', answers: 'order.placed' },
    });
    expect(answersFor('big')[0]).toMatchObject({
      type: 'order.rejected',
      payload: { reasonCode: 'OVER_ORDER_CAP' },
    });

    const events = await store.readStream(skuStreamId(SKU));
    const state = events.reduce(
      (s, e) => inventoryDecider.evolve(s, { type: e.type, data: e.data } as InventoryEvent),
      inventoryDecider.initialState(),
    );
    const levels = stockLevels(state);
    expect(levels).toMatchObject({ onHand: 5, reserved: 5, available: 0 });
  });

  it('answers a redelivered order event with the same answer and changes nothing', async () => {
    const before = (await store.readStream(skuStreamId(SKU))).length;
    const order = placed('dup-1');
    await connectorBus.publish(ChannelEventsTopic, [order]);
    await eventually(() => answersFor('dup-1').length === 1 || undefined, 20_000, 'first answer');
    await connectorBus.publish(ChannelEventsTopic, [order, order]);
    await eventually(() => answersFor('dup-1').length === 3 || undefined, 20_000, 'repeated answers');
    const answers = answersFor('dup-1');
    expect(new Set(answers.map((a) => a.eventId)).size).toBe(1);
    expect(answers[0].payload).toMatchObject({ reasonCode: 'INSUFFICIENT_STOCK' });
    // The first delivery appended its rejection; the repeats appended nothing.
    expect((await store.readStream(skuStreamId(SKU))).length).toBe(before + 1);
  });

  it('confirms payment and releases on cancel, answering each', async () => {
    await connectorBus.publish(ChannelEventsTopic, [
      {
        type: 'order.paid',
        eventId: randomUUID(),
        payload: { channel: 'taobao', channelOrderId: 'o1', sku: SKU },
      },
      {
        type: 'order.cancelled',
        eventId: randomUUID(),
        payload: { channel: 'taobao', channelOrderId: 'o2', sku: SKU },
      },
      {
        type: 'order.paid',
        eventId: randomUUID(),
        payload: { channel: 'taobao', channelOrderId: 'o2', sku: SKU },
      },
    ]);
    await eventually(() => answersFor('o2').length >= 3 || undefined, 20_000, 'answers for o2');
    const summary = (id: string) =>
      answersFor(id).map((a) => [a.type, 'answers' in a.payload ? a.payload.answers : null]);
    expect(summary('o1')).toContainEqual(['order.accepted', 'order.paid']);
    expect(summary('o2')).toEqual([
      ['order.accepted', 'order.placed'],
      ['order.accepted', 'order.cancelled'],
      ['order.rejected', 'order.paid'],
    ]);
  });

  it('delivers the allocation of a paid order of 1,001 card keys in several valid messages', async () => {
    const sku = 'KEYS-1001';
    await handler.handleBatch([
      {
        streamId: skuStreamId(sku),
        commandId: 'register-keys',
        command: { type: 'RegisterSku', data: { sku, now: Date.now(), kind: 'cardKey' } },
      },
      {
        streamId: skuStreamId(sku),
        commandId: 'import-keys',
        command: {
          type: 'ImportCardKeys',
          data: {
            sku,
            now: Date.now(),
            batchId: 'k',
            units: Array.from({ length: 1_001 }, (_, i) => ({ unitId: `u-${i}`, fingerprint: `f-${i}` })),
          },
        },
      },
    ]);
    await connectorBus.publish(ChannelEventsTopic, [
      {
        type: 'order.placed',
        eventId: randomUUID(),
        payload: {
          channel: 'taobao',
          channelOrderId: 'wholesale',
          sku,
          lines: [{ quantity: 1_001 }],
          expiresAt: inAnHour(),
        },
      },
      {
        type: 'order.paid',
        eventId: randomUUID(),
        payload: { channel: 'taobao', channelOrderId: 'wholesale', sku },
      },
    ]);
    const allocated = () =>
      answersFor('wholesale').flatMap((o) => (o.type === 'card-keys.allocated' ? o.payload.unitIds : []));
    await eventually(() => allocated().length >= 1_001 || undefined, 30_000, 'all 1,001 keys allocated');
    expect(new Set(allocated()).size).toBe(1_001);
    expect(deadLetters.filter((d) => JSON.stringify(d.payload).includes('wholesale'))).toEqual([]);
  });

  it('dead-letters an invalid message with its reason and processes the valid one behind it', async () => {
    const raw = new Kafka({
      clientId: 'raw',
      brokers: (process.env.KAFKA_BROKERS ?? '').split(','),
      logLevel: logLevel.NOTHING,
    }).producer();
    await raw.connect();
    await raw.send({
      topic: inventoryBus.topicName(ChannelEventsTopic),
      messages: [{ key: SKU, value: '{"not":"an envelope"' }],
    });
    await raw.disconnect();
    await connectorBus.publish(ChannelEventsTopic, [placed('after-poison')]);
    await eventually(
      () => answersFor('after-poison').length === 1 || undefined,
      20_000,
      'the valid order behind it',
    );
    const dl = await eventually(() => deadLetters[0], 20_000, 'a dead letter');
    expect(dl.payload).toMatchObject({ reasonCode: 'MESSAGING.INVALID_JSON' });
  });
});
