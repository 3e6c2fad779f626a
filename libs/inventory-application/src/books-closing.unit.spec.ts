import { loadStreamState, StreamStateCache } from '@libs/command-handling';
import { InMemoryEventStore } from '@libs/event-store';
import { inventoryDecider, MIN_BOOKS_HORIZON_MS, outcomeOf, type InventoryState } from '@libs/inventory';
import {
  ChannelEventsTopic,
  encodeMessage,
  OrderOutcomesTopic,
  type AnyTopic,
  type EnvelopeOf,
  type MessageBatch,
  type MessageBus,
  type OutgoingMessage,
} from '@libs/messaging';
import { BooksCloser } from './books-closer';
import { ChannelEventProcessor } from './channel-event-processor';
import { createInventoryBatchHandler } from './inventory-handler';
import { laneCommandFor, type LaneRequest } from './lane-commands';
import { INVENTORY_SNAPSHOT_TYPE, skuStreamId } from './sku-stream';

const T0 = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;
const DAY = MIN_BOOKS_HORIZON_MS;
const HORIZON = 7 * DAY;
let seq = 0;

type ChannelMessage = OutgoingMessage<typeof ChannelEventsTopic>;
type Outcome = OutgoingMessage<typeof OrderOutcomesTopic>;

/** The owner in-process on the in-memory store (readStreamEventsByKey included); the bus records what it sends. */
class Owner {
  readonly store = new InMemoryEventStore();
  readonly cache = new StreamStateCache<InventoryState>(10);
  readonly sent: { topic: AnyTopic; message: unknown }[] = [];
  clock = T0;
  readonly bus = {
    publish: async (topic: AnyTopic, messages: unknown[]) => {
      for (const m of messages) encodeMessage(topic, m as never, 'inventory-service');
      this.sent.push(...messages.map((message) => ({ topic, message })));
      return [];
    },
  } as unknown as MessageBus;
  readonly processor = new ChannelEventProcessor(
    createInventoryBatchHandler(this.store, { cache: this.cache }),
    this.bus,
    () => this.clock,
  );
  readonly closer = new BooksCloser(
    this.cache,
    async (requests) => this.deliver(...requests),
    { horizonMs: HORIZON, minClosable: 2 },
    () => this.clock,
  );

  async deliver(...messages: ChannelMessage[]): Promise<void> {
    const batch = {
      topic: ChannelEventsTopic,
      topicName: 'stock.channel-events',
      partition: 0,
      groupId: 'inventory-service',
      messages: messages.map((m, offset) => {
        encodeMessage(ChannelEventsTopic, m, 'test');
        const envelope = {
          eventId: m.eventId ?? `msg-${++seq}`,
          type: m.type,
          schemaVersion: 1,
          source: 'shop',
          occurredAt: new Date(this.clock).toISOString(),
          correlationId: `corr-${++seq}`,
          payload: m.payload,
        } as EnvelopeOf<typeof ChannelEventsTopic>;
        return { envelope, offset: String(offset), key: m.payload.sku };
      }),
    } as unknown as MessageBatch<typeof ChannelEventsTopic>;
    await this.processor.handle(batch);
  }

  outcomes(): Outcome[] {
    return this.sent.filter((s) => s.topic === OrderOutcomesTopic).map((s) => s.message as Outcome);
  }

  lastOutcome(): Outcome['type'] | undefined {
    const outcomes = this.sent.filter((s) => s.topic === OrderOutcomesTopic);
    return (outcomes[outcomes.length - 1]?.message as Outcome | undefined)?.type;
  }

  async state(): Promise<InventoryState> {
    return (
      await loadStreamState(this.store, inventoryDecider, skuStreamId('S1'), INVENTORY_SNAPSHOT_TYPE, 100)
    ).state;
  }
}

function lane(
  commandType: LaneRequest['payload']['commandType'],
  data: Record<string, unknown>,
): ChannelMessage {
  return {
    type: 'inventory.command',
    payload: { sku: 'S1', commandId: `cmd-${++seq}`, commandType, data, actor: 'stock-sam' },
  };
}

const placed = (
  channelOrderId: string,
  at: number,
  eventId = `placed-${channelOrderId}-${++seq}`,
): ChannelMessage => ({
  type: 'order.placed',
  eventId,
  payload: {
    channel: 'shop',
    channelOrderId,
    sku: 'S1',
    lines: [{ quantity: 1 }],
    expiresAt: new Date(at + 15 * MINUTE).toISOString(),
  },
});
const paid = (channelOrderId: string): ChannelMessage => ({
  type: 'order.paid',
  eventId: `paid-${channelOrderId}-${++seq}`,
  payload: { channel: 'shop', channelOrderId, sku: 'S1' },
});

/** Three orders placed and paid, one placed and left to expire, at T0; stock 10. */
async function ownerWithHistory(): Promise<Owner> {
  const owner = new Owner();
  await owner.deliver(
    lane('RegisterSku', { kind: 'quantity' }),
    lane('ReceiveStock', { batchId: 'po', quantity: 10 }),
  );
  await owner.deliver(placed('o1', T0), placed('o2', T0), placed('o3', T0), placed('o4', T0));
  await owner.deliver(paid('o1'), paid('o2'), paid('o3'));
  owner.clock = T0 + 20 * MINUTE;
  await owner.deliver(lane('ExpireReservations', {}));
  return owner;
}

describe('closing the books through the SKU lane', () => {
  it('given settled orders older than the horizon, when the closer runs, then the owner closes the books and the state keeps only what is open', async () => {
    const owner = await ownerWithHistory();
    owner.clock = T0 + HORIZON + DAY;
    await owner.deliver(placed('o5', owner.clock));

    expect(await owner.closer.runOnce()).toBe(1);

    const state = await owner.state();
    expect(state.orders.size).toBe(1);
    expect(outcomeOf(state, 'shop', 'o5')).toMatchObject({ status: 'reserved' });
    expect(state.counters).toMatchObject({ onHand: 7, reserved: 1 });
    expect(state.booksClosedBefore).toBe(owner.clock - HORIZON);
    // Nothing left worth closing: the next pass asks nothing.
    expect(await owner.closer.runOnce()).toBe(0);
  });

  it('given closed books, when a placement is sent again under a new notice id, then it gets its first answer and holds nothing', async () => {
    const owner = await ownerWithHistory();
    owner.clock = T0 + HORIZON + DAY;
    await owner.closer.runOnce();
    const before = await owner.state();

    await owner.deliver(placed('o2', T0));

    expect(owner.lastOutcome()).toBe('order.accepted');
    const after = await owner.state();
    expect(after.counters).toEqual(before.counters);
    expect(outcomeOf(after, 'shop', 'o2')).toMatchObject({ status: 'confirmed', quantity: 1 });
  });

  it('given closed books, when an order closed as expired is paid at last, then it is sold from the stock there is now', async () => {
    const owner = await ownerWithHistory();
    owner.clock = T0 + HORIZON + DAY;
    await owner.closer.runOnce();

    await owner.deliver(paid('o4'));

    expect(owner.lastOutcome()).toBe('order.accepted');
    const state = await owner.state();
    expect(outcomeOf(state, 'shop', 'o4')).toMatchObject({ status: 'confirmed' });
    expect(state.counters).toMatchObject({ onHand: 6, reserved: 0 });
  });

  it('given closed books, a new order id is decided as new', async () => {
    const owner = await ownerWithHistory();
    owner.clock = T0 + HORIZON + DAY;
    await owner.closer.runOnce();

    await owner.deliver(placed('o9', owner.clock));

    expect(owner.lastOutcome()).toBe('order.accepted');
    expect((await owner.state()).counters).toMatchObject({ onHand: 7, reserved: 1 });
  });

  it('a lane command cannot carry records of its own: `recalled` from a requester is dropped', () => {
    const request = lane('ReleaseReservation', {
      channel: 'shop',
      channelOrderId: 'o1',
      recalled: [{ forged: 1 }],
    });
    const command = laneCommandFor(
      {
        ...request,
        eventId: 'e',
        source: 'api',
        schemaVersion: 1,
        occurredAt: '',
        correlationId: 'c',
      } as never,
      T0,
      new Map(),
    );
    expect(command.data).not.toHaveProperty('recalled');
  });

  it('refuses a horizon shorter than a day', () => {
    expect(
      () => new BooksCloser(new StreamStateCache(1), async () => {}, { horizonMs: DAY - 1, minClosable: 1 }),
    ).toThrow(/at least/);
  });
});

describe('compact rejections through the SKU lane', () => {
  async function flashSale(): Promise<{ owner: Owner; orders: ChannelMessage[] }> {
    const owner = new Owner();
    await owner.deliver(
      lane('RegisterSku', { kind: 'quantity' }),
      lane('ReceiveStock', { batchId: 'po', quantity: 2 }),
    );
    const orders = Array.from({ length: 10 }, (_, i) => placed(`f${i}`, T0, `flash-${i}`));
    await owner.deliver(...orders);
    return { owner, orders };
  }

  it('given 2 units and 10 orders in one batch, then 8 are refused and their refusals are stored as one event', async () => {
    const { owner } = await flashSale();

    const answers = owner.outcomes();
    expect(answers.filter((o) => o.type === 'order.accepted')).toHaveLength(2);
    expect(answers.filter((o) => o.type === 'order.rejected')).toHaveLength(8);
    const stored = await owner.store.readStream(skuStreamId('S1'));
    expect(stored.map((e) => e.type)).toEqual([
      'SkuRegistered',
      'StockReceived',
      'StockReserved',
      'StockReserved',
      'ReservationsRejected',
    ]);
    expect((stored[4].data as { channelOrderIds: string[] }).channelOrderIds).toHaveLength(8);
  });

  it('when the batch is delivered again, every order gets the same answer with the same message id and nothing is stored', async () => {
    const { owner, orders } = await flashSale();
    const first = owner.outcomes().map((o) => [o.eventId, o.type, o.payload.channelOrderId]);
    const before = (await owner.store.readStream(skuStreamId('S1'))).length;

    await owner.deliver(...orders);

    const again = owner
      .outcomes()
      .slice(first.length)
      .map((o) => [o.eventId, o.type, o.payload.channelOrderId]);
    expect(again).toEqual(first);
    expect(await owner.store.readStream(skuStreamId('S1'))).toHaveLength(before);
  });

  it('given closed books, a refused order sent again under a new notice id is found in the merged refusals and refused again', async () => {
    const { owner } = await flashSale();
    owner.clock = T0 + HORIZON + DAY;
    await owner.deliver(paid('f0'), paid('f1'));
    owner.clock += HORIZON + DAY;
    await owner.closer.runOnce();
    expect((await owner.state()).orders.size).toBe(0);

    await owner.deliver(lane('ReceiveStock', { batchId: 'po-2', quantity: 5 }), placed('f7', T0));

    expect(owner.lastOutcome()).toBe('order.rejected');
    expect((await owner.state()).counters).toMatchObject({ onHand: 5, reserved: 0 });
  });
});
