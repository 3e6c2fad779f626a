import { Topics } from '../catalogue/topics';
import { MessagingErrorCodes } from '../errors';
import type { MessageBusObserver, MessagingLogger } from '../options';
import { silentLogger } from '../options';
import { InMemoryMessageBus } from './in-memory-message-bus';

const restock = (sku: string, quantity: number) => ({
  type: 'stock.restocked' as const,
  payload: { sku, batchId: `b-${sku}-${quantity}`, quantity },
});

async function until(predicate: () => boolean): Promise<void> {
  const deadline = Date.now() + 2000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('InMemoryMessageBus lifecycle', () => {
  it('refuses to publish before start and after stop', async () => {
    const bus = new InMemoryMessageBus({ source: 'test', logger: silentLogger });
    await expect(bus.publish(Topics.channelEvents, [restock('S', 1)])).rejects.toMatchObject({
      code: MessagingErrorCodes.NOT_STARTED,
    });
    await bus.start();
    await bus.publish(Topics.channelEvents, [restock('S', 1)]);
    await bus.stop();
    await bus.stop();
    await expect(bus.publish(Topics.channelEvents, [restock('S', 1)])).rejects.toMatchObject({
      code: MessagingErrorCodes.NOT_STARTED,
    });
    await expect(bus.subscribe(Topics.channelEvents, 'g', async () => undefined)).rejects.toMatchObject({
      code: MessagingErrorCodes.NOT_STARTED,
    });
  });

  it('starts a new group at the end of the log when fromBeginning is false', async () => {
    const bus = new InMemoryMessageBus({ source: 'test', logger: silentLogger });
    await bus.start();
    await bus.publish(Topics.channelEvents, [restock('S', 1)]);
    const seen: number[] = [];
    await bus.subscribe(
      Topics.channelEvents,
      'latest',
      async (batch) => {
        for (const m of batch.messages)
          if (m.envelope.type === 'stock.restocked') seen.push(m.envelope.payload.quantity!);
      },
      { fromBeginning: false },
    );
    await bus.publish(Topics.channelEvents, [restock('S', 2)]);
    await until(() => seen.length >= 1);
    await bus.stop();
    expect(seen).toEqual([2]);
  });

  it('honours partition overrides', async () => {
    const bus = new InMemoryMessageBus({
      source: 'test',
      logger: silentLogger,
      partitions: { channelEvents: 12 },
    });
    expect(bus.partitionCount(Topics.channelEvents)).toBe(12);
    expect(bus.partitionCount(Topics.deadLetters)).toBe(1);
    expect(() => new InMemoryMessageBus({ source: 'test', partitions: { channelTargets: 0 } })).toThrow(
      'invalid partition count',
    );
  });

  it('logs and skips an unreadable record on the dead-letter topic instead of dead-lettering it again', async () => {
    const errors: string[] = [];
    const logger: MessagingLogger = { ...silentLogger, error: (_obj, msg) => errors.push(msg) };
    const bus = new InMemoryMessageBus({ source: 'test', logger });
    await bus.start();
    const handled: string[] = [];
    await bus.subscribe(Topics.deadLetters, 'dlq-tool', async (batch) => {
      handled.push(...batch.messages.map((m) => m.envelope.eventId));
    });
    bus.appendRaw(Topics.deadLetters, { key: 'k', value: 'garbage' });
    await until(() => errors.length >= 1);
    await bus.stop();
    expect(handled).toEqual([]);
    expect(errors).toEqual(['skipping an unprocessable record on the dead-letter topic']);
  });

  it('reports handled batches, handler failures and dead letters to the observer', async () => {
    const events: string[] = [];
    const observer: MessageBusObserver = {
      batchHandled: (e) => events.push(`handled:${e.messages}`),
      handlerFailed: (e) => events.push(`failed:${e.attempt}`),
      deadLettered: (e) => events.push(`dead:${e.reasonCode}`),
    };
    const bus = new InMemoryMessageBus({
      source: 'test',
      logger: silentLogger,
      observer,
      handlerRetry: { maxAttempts: 2, initialBackoffMs: 1, maxBackoffMs: 1 },
    });
    await bus.start();
    await bus.subscribe(Topics.channelEvents, 'observed', async () => {
      throw new Error('boom');
    });
    await bus.publish(Topics.channelEvents, [restock('S', 1)]);
    bus.appendRaw(Topics.channelEvents, { key: 'S', value: '{' });
    await until(() => events.filter((e) => e.startsWith('dead:')).length >= 2);
    await bus.stop();
    expect(events).toEqual([
      'failed:1',
      'failed:2',
      `dead:${MessagingErrorCodes.HANDLER_FAILED}`,
      `dead:${MessagingErrorCodes.INVALID_JSON}`,
    ]);
  });
});
