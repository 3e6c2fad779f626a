import { InMemoryEventStore } from '@libs/event-store';
import { inventoryDecider, type InventoryState } from '@libs/inventory';
import { loadStreamState } from '@libs/command-handling';
import {
  ChannelEventsTopic,
  CommandRepliesTopic,
  encodeMessage,
  type AnyTopic,
  type EnvelopeOf,
  type MessageBatch,
  type MessageBus,
  type OutgoingMessage,
} from '@libs/messaging';
import { ChannelEventProcessor, CommandFailedError } from './channel-event-processor';
import { createInventoryBatchHandler } from './inventory-handler';
import type { LaneRequest } from './lane-commands';
import { ReservationDeadlines, ReservationExpiryDriver } from './reservation-deadlines';
import { INVENTORY_SNAPSHOT_TYPE, skuStreamId } from './sku-stream';

type LaneEnvelope = EnvelopeOf<typeof ChannelEventsTopic>;
type Reply = OutgoingMessage<typeof CommandRepliesTopic>;

const T0 = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;
let seq = 0;

/** Turns an outgoing lane message into the envelope the owner receives (as the Kafka bus would). */
function received(message: OutgoingMessage<typeof ChannelEventsTopic>, at: number): LaneEnvelope {
  encodeMessage(ChannelEventsTopic, message, 'test');
  return {
    eventId: message.eventId ?? `msg-${++seq}`,
    type: message.type,
    schemaVersion: 1,
    source: 'api',
    occurredAt: new Date(at).toISOString(),
    correlationId: message.correlationId ?? `corr-${seq}`,
    payload: message.payload,
  } as LaneEnvelope;
}

function command(
  sku: string,
  commandType: LaneRequest['payload']['commandType'],
  data: Record<string, unknown>,
  extra: Partial<LaneRequest['payload']> = {},
): LaneRequest {
  return {
    type: 'inventory.command',
    correlationId: `corr-${++seq}`,
    payload: {
      sku,
      commandId: `cmd-${seq}`,
      commandType,
      data,
      actor: 'stock-sam',
      replyTo: 'api-1',
      ...extra,
    },
  };
}

function orderPlaced(
  sku: string,
  channelOrderId: string,
  expiresAt: number,
): OutgoingMessage<typeof ChannelEventsTopic> {
  return {
    type: 'order.placed',
    eventId: `order-${++seq}`,
    payload: {
      channel: 'shop',
      channelOrderId,
      sku,
      lines: [{ quantity: 1 }],
      expiresAt: new Date(expiresAt).toISOString(),
    },
  };
}

/** The owner in-process: the real processor, handler and decider on the in-memory store; the bus records. */
class Owner {
  readonly store = new InMemoryEventStore();
  readonly deadlines = new ReservationDeadlines();
  readonly sent: { topic: AnyTopic; message: unknown }[] = [];
  readonly bodies = new Map<string, Record<string, unknown>>();
  clock = T0;
  readonly bus = {
    publish: async (topic: AnyTopic, messages: unknown[]) => {
      for (const m of messages) encodeMessage(topic, m as never, 'inventory-service');
      this.sent.push(...messages.map((message) => ({ topic, message })));
      return [];
    },
  } as unknown as MessageBus;
  readonly processor = new ChannelEventProcessor(
    createInventoryBatchHandler(this.store, { cachedSkus: 10 }),
    this.bus,
    () => this.clock,
    undefined,
    {
      deadlines: this.deadlines,
      bodies: {
        read: async (ids) =>
          new Map(ids.flatMap((id) => (this.bodies.has(id) ? [[id, this.bodies.get(id)!]] : []))),
      },
    },
  );

  async deliver(...messages: OutgoingMessage<typeof ChannelEventsTopic>[]): Promise<void> {
    const batch = {
      topic: ChannelEventsTopic,
      topicName: 'stock.channel-events',
      partition: 0,
      groupId: 'inventory-service',
      messages: messages.map((m, offset) => ({
        envelope: received(m, this.clock),
        offset: String(offset),
        key: m.payload.sku,
      })),
    } as unknown as MessageBatch<typeof ChannelEventsTopic>;
    await this.processor.handle(batch);
  }

  replies(): Reply['payload'][] {
    return this.sent.filter((s) => s.topic === CommandRepliesTopic).map((s) => (s.message as Reply).payload);
  }

  laneRequests(): LaneRequest[] {
    return this.sent.filter((s) => s.topic === ChannelEventsTopic).map((s) => s.message as LaneRequest);
  }

  async state(sku: string): Promise<InventoryState> {
    return (
      await loadStreamState(this.store, inventoryDecider, skuStreamId(sku), INVENTORY_SNAPSHOT_TYPE, 100)
    ).state;
  }
}

describe('the SKU lane', () => {
  describe('commands of the operations API', () => {
    it('given a registered SKU, when a receipt arrives on the lane, then it is decided and answered to the requester with the version', async () => {
      const owner = new Owner();
      await owner.deliver(command('S1', 'RegisterSku', { kind: 'quantity' }));
      await owner.deliver(command('S1', 'ReceiveStock', { batchId: 'po-1', quantity: 5 }));

      expect(owner.replies()).toEqual([
        {
          replyTo: 'api-1',
          commandId: expect.any(String),
          sku: 'S1',
          status: 'applied',
          version: 1,
          eventCount: 1,
        },
        {
          replyTo: 'api-1',
          commandId: expect.any(String),
          sku: 'S1',
          status: 'applied',
          version: 2,
          eventCount: 1,
        },
      ]);
      expect((await owner.state('S1')).counters.onHand).toBe(5);
    });

    it('given a command already decided, when the same command id comes again, then it is answered as a duplicate and nothing is added', async () => {
      const owner = new Owner();
      await owner.deliver(command('S1', 'RegisterSku', { kind: 'quantity' }));
      const receipt = command('S1', 'ReceiveStock', { batchId: 'po-1', quantity: 5 });
      await owner.deliver(receipt);
      await owner.deliver({ ...receipt, correlationId: 'again' });

      expect(owner.replies().map((r) => [r.status, r.version, r.eventCount])).toEqual([
        ['applied', 1, 1],
        ['applied', 2, 1],
        ['duplicate', 2, 1],
      ]);
      expect((await owner.state('S1')).counters.onHand).toBe(5);
    });

    it('given a refused command, when it is decided, then the refusal is stored and answered like any outcome', async () => {
      const owner = new Owner();
      await owner.deliver(command('NOPE', 'ReceiveStock', { batchId: 'po-1', quantity: 5 }));
      expect(owner.replies()).toMatchObject([{ status: 'applied', eventCount: 1 }]);
      const [rejected] = await owner.store.readStream(skuStreamId('NOPE'));
      expect(rejected).toMatchObject({ type: 'CommandRejected', data: { reason: 'UNKNOWN_SKU' } });
    });

    it('given a body stored apart, when its request arrives, then the owner decides with that body', async () => {
      const owner = new Owner();
      owner.bodies.set('body-1', { batchId: 'po-9', quantity: 7 });
      await owner.deliver(command('S1', 'RegisterSku', { kind: 'quantity' }));
      await owner.deliver(command('S1', 'ReceiveStock', {}, { data: undefined, bodyRef: 'body-1' }));
      expect((await owner.state('S1')).counters.onHand).toBe(7);
    });

    it('given a body that is gone, when its request arrives, then it fails alone: answered as failed, the rest decided', async () => {
      const owner = new Owner();
      await owner.deliver(command('S1', 'RegisterSku', { kind: 'quantity' }));
      const lost = command('S1', 'ReceiveStock', {}, { data: undefined, bodyRef: 'gone' });
      const fine = command('S1', 'ReceiveStock', { batchId: 'po-2', quantity: 2 });
      await expect(owner.deliver(lost, fine)).rejects.toBeInstanceOf(CommandFailedError);

      expect(owner.replies().slice(1)).toEqual([
        expect.objectContaining({ status: 'failed', errorCode: 'INVENTORY.COMMAND_BODY_MISSING' }),
        expect.objectContaining({ status: 'applied', eventCount: 1 }),
      ]);
      expect((await owner.state('S1')).counters.onHand).toBe(2);
    });

    it('given a body naming another SKU, when it is decided, then the message decides: sku and actor never come from the body', async () => {
      const owner = new Owner();
      await owner.deliver(command('S1', 'RegisterSku', { kind: 'quantity', sku: 'S2', actor: 'mallory' }));
      const [registered] = await owner.store.readStream(skuStreamId('S1'));
      expect(registered).toMatchObject({ type: 'SkuRegistered', data: { actor: 'stock-sam' } });
      expect(await owner.store.readStream(skuStreamId('S2'))).toEqual([]);
    });
  });

  describe("the owner's reservation clock", () => {
    async function ownerWithStock(): Promise<Owner> {
      const owner = new Owner();
      await owner.deliver(
        command('S1', 'RegisterSku', { kind: 'quantity' }),
        command('S1', 'ReceiveStock', { batchId: 'po', quantity: 3 }),
      );
      return owner;
    }

    it('given an unpaid reservation, when its expiry passes, then the owner asks its own lane and the reservation expires', async () => {
      const owner = await ownerWithStock();
      await owner.deliver(orderPlaced('S1', 'o-1', T0 + 15 * MINUTE));
      const driver = new ReservationExpiryDriver(
        owner.deadlines,
        (r) => owner.bus.publish(ChannelEventsTopic, r),
        { intervalMs: 1000 },
        () => owner.clock,
      );

      owner.clock = T0 + 14 * MINUTE;
      expect(await driver.tick()).toBe(0);
      owner.clock = T0 + 15 * MINUTE;
      expect(await driver.tick()).toBe(1);

      const [request] = owner.laneRequests();
      expect(request.payload).toMatchObject({
        sku: 'S1',
        commandType: 'ExpireReservations',
        actor: 'reservation-expiry',
      });
      await owner.deliver(request);
      const state = await owner.state('S1');
      expect(state.counters.reserved).toBe(0);
      expect(owner.deadlines.size).toBe(0);
    });

    it('given a reservation paid before its expiry, when the clock passes it, then the expiry finds nothing and the SKU leaves the clock', async () => {
      const owner = await ownerWithStock();
      await owner.deliver(orderPlaced('S1', 'o-1', T0 + 15 * MINUTE));
      await owner.deliver({
        type: 'order.paid',
        eventId: 'pay-1',
        payload: { channel: 'shop', channelOrderId: 'o-1', sku: 'S1' },
      });
      const driver = new ReservationExpiryDriver(
        owner.deadlines,
        (r) => owner.bus.publish(ChannelEventsTopic, r),
        { intervalMs: 1000 },
        () => owner.clock,
      );

      owner.clock = T0 + 16 * MINUTE;
      expect(await driver.tick()).toBe(1);
      await owner.deliver(owner.laneRequests()[0]);
      expect(owner.deadlines.size).toBe(0);
      expect(await driver.tick()).toBe(0);
    });

    it('given two reservations, when the first expires, then the clock moves to the second', async () => {
      const owner = await ownerWithStock();
      await owner.deliver(
        orderPlaced('S1', 'o-1', T0 + 10 * MINUTE),
        orderPlaced('S1', 'o-2', T0 + 20 * MINUTE),
      );
      const driver = new ReservationExpiryDriver(
        owner.deadlines,
        (r) => owner.bus.publish(ChannelEventsTopic, r),
        { intervalMs: 1000 },
        () => owner.clock,
      );

      owner.clock = T0 + 10 * MINUTE;
      await driver.tick();
      await owner.deliver(owner.laneRequests()[0]);
      expect((await owner.state('S1')).counters.reserved).toBe(1);

      owner.clock = T0 + 19 * MINUTE;
      expect(await driver.tick()).toBe(0);
      owner.clock = T0 + 20 * MINUTE;
      expect(await driver.tick()).toBe(1);
    });

    it('given a requested expiry that is lost, when the retry time passes, then the SKU is asked again', async () => {
      const owner = await ownerWithStock();
      await owner.deliver(orderPlaced('S1', 'o-1', T0 + MINUTE));
      const driver = new ReservationExpiryDriver(
        owner.deadlines,
        async () => undefined,
        { intervalMs: 1000, retryMs: 30_000 },
        () => owner.clock,
      );

      owner.clock = T0 + MINUTE;
      expect(await driver.tick()).toBe(1);
      owner.clock += 29_000;
      expect(await driver.tick()).toBe(0);
      owner.clock += 1_000;
      expect(await driver.tick()).toBe(1);
    });
  });
});
