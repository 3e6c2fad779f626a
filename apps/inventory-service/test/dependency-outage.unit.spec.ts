import { InMemoryEventStore, type EventStore } from '@libs/event-store';
import { ChannelEventProcessor, createInventoryBatchHandler } from '@libs/inventory-application';
import { InMemoryMessageBus, silentLogger, Topics, type ReceivedMessage } from '@libs/messaging';

/** The real event store, unavailable while `down` is set: every call fails as a dropped pg connection does. */
function flaky(store: EventStore) {
  const state = { down: true, failures: 0 };
  const proxy = new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (state.down) {
          state.failures += 1;
          return Promise.reject(new Error('Connection terminated unexpectedly'));
        }
        return value.apply(target, args);
      };
    },
  });
  return { store: proxy, state };
}

async function until(predicate: () => boolean): Promise<void> {
  while (!predicate()) await new Promise((r) => setTimeout(r, 10));
}

describe('inventory-service while PostgreSQL is down', () => {
  it('given the event store fails for longer than the handler retries, then the order is decided once it is back and nothing is dead-lettered', async () => {
    const { store, state } = flaky(new InMemoryEventStore());
    const bus = new InMemoryMessageBus({
      source: 'inventory-service',
      logger: silentLogger,
      handlerRetry: { maxAttempts: 2, initialBackoffMs: 1, maxBackoffMs: 5 },
    });
    const handler = createInventoryBatchHandler(store, { cachedSkus: 0 });
    const processor = new ChannelEventProcessor(handler, bus);
    const outcomes: ReceivedMessage<typeof Topics.orderOutcomes>[] = [];
    const deadLetters: ReceivedMessage<typeof Topics.deadLetters>[] = [];
    await bus.subscribe(Topics.channelEvents, 'inventory-service', processor.handle);
    await bus.subscribe(
      Topics.orderOutcomes,
      'outcome-reader',
      async (b) => void outcomes.push(...b.messages),
    );
    await bus.subscribe(Topics.deadLetters, 'dlq-reader', async (b) => void deadLetters.push(...b.messages));
    await bus.start();
    try {
      await bus.publish(Topics.channelEvents, [
        {
          type: 'order.placed',
          payload: {
            channel: 'taobao',
            channelOrderId: 'T-outage',
            sku: 'sku-outage',
            lines: [{ quantity: 1 }],
            expiresAt: new Date(Date.now() + 15 * 60_000).toISOString(),
          },
        },
      ]);
      await until(() => state.failures > 10);
      expect(bus.retryingPartitions()).toHaveLength(1);
      expect(outcomes).toHaveLength(0);

      state.down = false;
      await until(() => outcomes.length >= 1);
      expect(outcomes.map((o) => o.envelope.payload.channelOrderId)).toEqual(['T-outage']);
      expect(outcomes[0].envelope.payload).toMatchObject({ answers: 'order.placed' });
      await until(() => bus.retryingPartitions().length === 0);
      expect(deadLetters).toHaveLength(0);
    } finally {
      await bus.stop();
    }
  });
});
