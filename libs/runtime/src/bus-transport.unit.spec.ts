import 'reflect-metadata';
import {
  Controller,
  Injectable,
  type INestApplication,
  Module,
  type OnApplicationBootstrap,
  type OnModuleInit,
  type Provider,
  type Type,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import {
  ChannelEventsTopic,
  DeadLettersTopic,
  InMemoryMessageBus,
  type MessageBatch,
  MessageBus,
  MessagingErrorCodes,
  type OutgoingMessage,
  RetryableHandlerError,
  silentLogger,
} from '@libs/messaging';
import { sleep } from '@libs/resilience';
import { delay, of } from 'rxjs';
import { type BusPatternExtras, MessageBusContext, startBusConsumers } from './bus-transport';

type ChannelEvents = typeof ChannelEventsTopic;
type DeadLetters = typeof DeadLettersTopic;

const RETRY = { maxAttempts: 2, initialBackoffMs: 5, maxBackoffMs: 20 };
const T = 3_000;

function restock(sku: string): OutgoingMessage<ChannelEvents> {
  const batchId = `b-${Math.random().toString(36).slice(2, 10)}`;
  return { type: 'stock.restocked', payload: { sku, batchId, quantity: 1 } };
}

async function waitFor(description: string, predicate: () => boolean, timeoutMs = T): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}`);
    await sleep(10);
  }
}

/** What MessagingModule does in an app: the bus starts when the app has initialised. */
@Injectable()
class StartsTheBus implements OnApplicationBootstrap {
  constructor(private readonly bus: MessageBus) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.bus.start();
  }
}

const apps: INestApplication[] = [];
const buses: InMemoryMessageBus[] = [];

/** An app of `controllers` on `bus`, started the way startApp does: consumers first, then init. */
async function boot(bus: InMemoryMessageBus, controllers: Type[], providers: Provider[] = []) {
  @Module({ controllers, providers: [{ provide: MessageBus, useValue: bus }, StartsTheBus, ...providers] })
  class TestModule {}
  const app = await NestFactory.create(TestModule, { logger: false, abortOnError: false });
  apps.push(app);
  await startBusConsumers(app);
  await app.init();
  return app;
}

/** A bus that is not started yet, stopped after the test. */
function freshBus(): InMemoryMessageBus {
  const bus = new InMemoryMessageBus({
    source: 'bus-transport-test',
    logger: silentLogger,
    handlerRetry: RETRY,
  });
  buses.push(bus);
  return bus;
}

afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
  for (const bus of buses.splice(0)) await bus.stop();
});

describe('MessageBusTransport', () => {
  it('gives a decorated method whole batches of its topic in its group, subscribed before the bus starts', async () => {
    const batches: MessageBatch<ChannelEvents>[] = [];
    const contexts: MessageBusContext[] = [];
    const hooks = { init: 0, bootstrap: 0 };

    @Injectable()
    class LaneConfig implements OnModuleInit, OnApplicationBootstrap {
      readonly group = 'restocks';
      onModuleInit() {
        hooks.init += 1;
      }
      onApplicationBootstrap() {
        hooks.bootstrap += 1;
      }
    }

    @Controller()
    class Restocks {
      @EventPattern(ChannelEventsTopic.name, {
        groupId: (app) => app.get(LaneConfig).group,
      } satisfies BusPatternExtras)
      async handle(@Payload() batch: MessageBatch<ChannelEvents>, @Ctx() context: MessageBusContext) {
        batches.push(batch);
        contexts.push(context);
      }
    }

    const bus = freshBus();
    const subscribe = jest.spyOn(bus, 'subscribe');
    const start = jest.spyOn(bus, 'start');
    await boot(bus, [Restocks], [LaneConfig]);

    expect(subscribe).toHaveBeenCalledTimes(1);
    expect(subscribe.mock.invocationCallOrder[0]).toBeLessThan(start.mock.invocationCallOrder[0]);
    // The app ran its lifecycle hooks once: connecting the transport did not run them again.
    expect(hooks).toEqual({ init: 1, bootstrap: 1 });

    const receipts = await bus.publish(ChannelEventsTopic, [
      restock('sku-a'),
      restock('sku-a'),
      restock('sku-a'),
    ]);
    await waitFor('the three restocks', () => batches.flatMap((b) => b.messages).length >= 3);

    // One publish landed as one batch: the handler gets the batch, not message by message.
    expect(batches).toHaveLength(1);
    expect(batches[0]).toMatchObject({
      topic: ChannelEventsTopic,
      groupId: 'restocks',
      partition: receipts[0].partition,
    });
    expect(batches[0].messages.map((m) => m.envelope.eventId)).toEqual(receipts.map((r) => r.eventId));
    expect(contexts[0].getTopicName()).toBe(bus.topicName(ChannelEventsTopic));
    expect(contexts[0].getGroupId()).toBe('restocks');
    expect(contexts[0].getPartition()).toBe(receipts[0].partition);
  });

  it('commits a batch when the returned promise resolves: the next batch waits for it, and a new member of the group starts after it', async () => {
    const calls: string[][] = [];
    let release!: () => void;

    @Controller()
    class Held {
      @EventPattern(ChannelEventsTopic.name, { groupId: 'held' } satisfies BusPatternExtras)
      async handle(@Payload() batch: MessageBatch<ChannelEvents>) {
        calls.push(batch.messages.map((m) => m.envelope.eventId));
        if (calls.length === 1) await new Promise<void>((resolve) => (release = resolve));
      }
    }

    const bus = freshBus();
    const first = await boot(bus, [Held]);
    const [a] = await bus.publish(ChannelEventsTopic, [restock('sku-held')]);
    await waitFor('the first batch', () => calls.length === 1);
    const [b] = await bus.publish(ChannelEventsTopic, [restock('sku-held')]);
    await sleep(100);
    expect(calls).toEqual([[a.eventId]]);

    release();
    await waitFor('the second batch', () => calls.length === 2);
    expect(calls[1]).toEqual([b.eventId]);

    // Closing the app stops its subscription; the group's next member resumes after the committed offsets.
    apps.splice(apps.indexOf(first), 1);
    await first.close();
    const later: string[][] = [];
    @Controller()
    class Later {
      @EventPattern(ChannelEventsTopic.name, { groupId: 'held' } satisfies BusPatternExtras)
      async handle(@Payload() batch: MessageBatch<ChannelEvents>) {
        later.push(batch.messages.map((m) => m.envelope.eventId));
      }
    }
    await boot(bus, [Later]);
    const [c] = await bus.publish(ChannelEventsTopic, [restock('sku-held')]);
    await waitFor('the batch after the restart', () => later.length === 1);
    await sleep(50);
    expect(later).toEqual([[c.eventId]]);
    expect(calls).toHaveLength(2);
  });

  it('commits when a returned observable completes', async () => {
    const calls: string[][] = [];

    @Controller()
    class Observed {
      @EventPattern(ChannelEventsTopic.name, { groupId: 'observed' } satisfies BusPatternExtras)
      handle(@Payload() batch: MessageBatch<ChannelEvents>) {
        calls.push(batch.messages.map((m) => m.envelope.eventId));
        return of(undefined).pipe(delay(20));
      }
    }

    const bus = freshBus();
    await boot(bus, [Observed]);
    const [a] = await bus.publish(ChannelEventsTopic, [restock('sku-obs')]);
    await waitFor('the first batch', () => calls.length === 1);
    const [b] = await bus.publish(ChannelEventsTopic, [restock('sku-obs')]);
    await waitFor('the second batch', () => calls.length === 2);
    await sleep(50);
    expect(calls).toEqual([[a.eventId], [b.eventId]]);
  });

  it('hands a throw to the bus as thrown: retried, then the message dead-lettered with the handler’s reason', async () => {
    const processed: string[] = [];
    const letters: MessageBatch<DeadLetters>['messages'] = [];

    @Controller()
    class Poisoned {
      @EventPattern(ChannelEventsTopic.name, { groupId: 'poisoned' } satisfies BusPatternExtras)
      async handle(@Payload() batch: MessageBatch<ChannelEvents>) {
        if (batch.messages.some((m) => m.envelope.payload.sku === 'sku-poison'))
          throw new Error('cannot apply this restock');
        processed.push(...batch.messages.map((m) => m.envelope.eventId));
      }

      @EventPattern(DeadLettersTopic.name, { groupId: 'poisoned-dlq' } satisfies BusPatternExtras)
      async deadLetters(@Payload() batch: MessageBatch<DeadLetters>) {
        letters.push(...batch.messages);
      }
    }

    const bus = freshBus();
    await boot(bus, [Poisoned]);
    const [poison] = await bus.publish(ChannelEventsTopic, [restock('sku-poison')]);
    const [healthy] = await bus.publish(ChannelEventsTopic, [restock('sku-healthy')]);

    await waitFor('the dead letter', () => letters.length >= 1);
    await waitFor('the healthy message', () => processed.includes(healthy.eventId));
    expect(letters).toHaveLength(1);
    expect(letters[0].envelope.payload).toMatchObject({
      reasonCode: MessagingErrorCodes.HANDLER_FAILED,
      attempts: RETRY.maxAttempts,
      consumerGroup: 'poisoned',
      originalEventId: poison.eventId,
    });
    expect(letters[0].envelope.payload.reason).toContain('cannot apply this restock');
  });

  it('keeps a transient failure transient: a RetryableHandlerError is retried until it heals, never dead-lettered', async () => {
    let failures = RETRY.maxAttempts * 3;
    const processed: string[] = [];
    const letters: unknown[] = [];

    @Controller()
    class Healing {
      @EventPattern(ChannelEventsTopic.name, { groupId: 'healing' } satisfies BusPatternExtras)
      async handle(@Payload() batch: MessageBatch<ChannelEvents>) {
        if (failures > 0) {
          failures -= 1;
          throw new RetryableHandlerError('database restarting');
        }
        processed.push(...batch.messages.map((m) => m.envelope.eventId));
      }

      @EventPattern(DeadLettersTopic.name, { groupId: 'healing-dlq' } satisfies BusPatternExtras)
      async deadLetters(@Payload() batch: MessageBatch<DeadLetters>) {
        letters.push(...batch.messages);
      }
    }

    const bus = freshBus();
    await boot(bus, [Healing]);
    const [receipt] = await bus.publish(ChannelEventsTopic, [restock('sku-heal')]);
    await waitFor('the healed message', () => processed.length >= 1);
    expect(processed).toEqual([receipt.eventId]);
    expect(failures).toBe(0);
    await sleep(100);
    expect(letters).toHaveLength(0);
  });

  it('gives two handlers of different groups on one topic every message each, in their own group', async () => {
    const seen = { stock: [] as MessageBatch<ChannelEvents>[], audit: [] as MessageBatch<ChannelEvents>[] };

    @Controller()
    class Stock {
      @EventPattern(ChannelEventsTopic.name, { groupId: 'stock' } satisfies BusPatternExtras)
      async handle(@Payload() batch: MessageBatch<ChannelEvents>) {
        seen.stock.push(batch);
      }
    }

    @Controller()
    class Audit {
      @EventPattern(ChannelEventsTopic.name, { groupId: 'audit' } satisfies BusPatternExtras)
      async handle(@Payload() batch: MessageBatch<ChannelEvents>) {
        seen.audit.push(batch);
      }
    }

    const bus = freshBus();
    await boot(bus, [Stock, Audit]);
    const receipts = await bus.publish(
      ChannelEventsTopic,
      ['sku-1', 'sku-2', 'sku-3', 'sku-4'].map((sku) => restock(sku)),
    );
    const ids = (batches: MessageBatch<ChannelEvents>[]) =>
      batches.flatMap((b) => b.messages.map((m) => m.envelope.eventId)).sort();
    await waitFor('both groups', () => ids(seen.stock).length >= 4 && ids(seen.audit).length >= 4);
    await sleep(50);
    const all = receipts.map((r) => r.eventId).sort();
    expect(ids(seen.stock)).toEqual(all);
    expect(ids(seen.audit)).toEqual(all);
    expect(new Set(seen.stock.map((b) => b.groupId))).toEqual(new Set(['stock']));
    expect(new Set(seen.audit.map((b) => b.groupId))).toEqual(new Set(['audit']));
  });

  it('passes the subscribe options: a new group may start at the end, and skip keys it does not accept', async () => {
    const skus: string[] = [];

    @Controller()
    class Filtered {
      @EventPattern(ChannelEventsTopic.name, {
        groupId: 'filtered',
        fromBeginning: false,
        acceptKey: (key) => key.startsWith('sku-keep'),
      } satisfies BusPatternExtras)
      async handle(@Payload() batch: MessageBatch<ChannelEvents>) {
        skus.push(...batch.messages.map((m) => m.envelope.payload.sku));
      }
    }

    const bus = freshBus();
    await bus.start();
    await bus.publish(ChannelEventsTopic, [restock('sku-keep-early')]);
    await boot(bus, [Filtered]);
    await bus.publish(ChannelEventsTopic, [restock('sku-drop'), restock('sku-keep-late')]);
    await waitFor('the accepted key', () => skus.length >= 1);
    await sleep(50);
    expect(skus).toEqual(['sku-keep-late']);
  });

  it('takes subscribe options known only at run time from the app: an accepted key of this process', async () => {
    const skus: string[] = [];

    @Injectable()
    class Me {
      readonly sku = `sku-own-${Math.random().toString(36).slice(2, 8)}`;
    }

    @Controller()
    class OwnKey {
      @EventPattern(ChannelEventsTopic.name, {
        groupId: 'own-key',
        acceptKey: () => true,
        optionsFrom: (app) => ({ acceptKey: (key) => key === app.get(Me).sku }),
      } satisfies BusPatternExtras)
      async handle(@Payload() batch: MessageBatch<ChannelEvents>) {
        skus.push(...batch.messages.map((m) => m.envelope.payload.sku));
      }
    }

    const bus = freshBus();
    const app = await boot(bus, [OwnKey], [Me]);
    const own = app.get(Me).sku;
    await bus.publish(ChannelEventsTopic, [restock('sku-other'), restock(own), restock('sku-other-2')]);
    await waitFor('the own key', () => skus.length >= 1);
    await sleep(50);
    // The run-time acceptKey replaced the static one, which accepts everything.
    expect(skus).toEqual([own]);
  });

  it('leaves a handler whose subscribeIf is false unsubscribed: no group joined, never called', async () => {
    const calls = { on: 0, off: 0 };

    @Injectable()
    class Switches {
      readonly fulfilment = false;
    }

    @Controller()
    class Switched {
      @EventPattern(ChannelEventsTopic.name, {
        groupId: 'switched-on',
        subscribeIf: () => true,
      } satisfies BusPatternExtras)
      async on() {
        calls.on += 1;
      }

      @EventPattern(ChannelEventsTopic.name, {
        // Not even resolved when off: a group from configuration that is not there must not fail the start.
        groupId: () => {
          throw new Error('the group of a handler that is off was resolved');
        },
        subscribeIf: (app) => app.get(Switches).fulfilment,
      } satisfies BusPatternExtras)
      async off() {
        calls.off += 1;
      }
    }

    const bus = freshBus();
    const subscribe = jest.spyOn(bus, 'subscribe');
    await boot(bus, [Switched], [Switches]);
    expect(subscribe.mock.calls.map((c) => c[1])).toEqual(['switched-on']);
    await bus.publish(ChannelEventsTopic, [restock('sku-switch')]);
    await waitFor('the handler that is on', () => calls.on >= 1);
    await sleep(50);
    expect(calls.off).toBe(0);
  });

  it('still refuses a handler that is off when its pattern is no catalogue topic', async () => {
    @Controller()
    class OffButWrong {
      @EventPattern('stock.no-such-topic', {
        groupId: 'g',
        subscribeIf: () => false,
      } satisfies BusPatternExtras)
      async handle() {}
    }
    const error = await boot(freshBus(), [OffButWrong]).then(
      () => undefined,
      (err: Error) => err,
    );
    expect(error?.message).toContain("@EventPattern('stock.no-such-topic') is not a topic of the catalogue");
  });

  describe('refuses, before subscribing anything, a handler the bus cannot serve', () => {
    async function refusal(controller: Type): Promise<string> {
      const bus = freshBus();
      const subscribe = jest.spyOn(bus, 'subscribe');
      const error = await boot(bus, [controller]).then(
        () => undefined,
        (err: Error) => err,
      );
      expect(subscribe).not.toHaveBeenCalled();
      if (!error) throw new Error('the app started');
      return error.message;
    }

    it('a pattern that is no topic of the catalogue', async () => {
      @Controller()
      class Unknown {
        @EventPattern('stock.no-such-topic', { groupId: 'g' } satisfies BusPatternExtras)
        async handle() {}
      }
      expect(await refusal(Unknown)).toContain(
        "@EventPattern('stock.no-such-topic') is not a topic of the catalogue",
      );
    });

    it('a handler without a consumer group', async () => {
      @Controller()
      class Groupless {
        @EventPattern(ChannelEventsTopic.name)
        async handle() {}
      }
      expect(await refusal(Groupless)).toContain('needs a consumer group');
    });

    it('two handlers in one group of one topic', async () => {
      @Controller()
      class Twice {
        @EventPattern(ChannelEventsTopic.name, { groupId: 'same' } satisfies BusPatternExtras)
        async first() {}

        @EventPattern(ChannelEventsTopic.name, { groupId: 'same' } satisfies BusPatternExtras)
        async second() {}
      }
      expect(await refusal(Twice)).toContain("in consumer group 'same'");
    });

    it('a request/reply handler', async () => {
      @Controller()
      class Replying {
        @MessagePattern(ChannelEventsTopic.name)
        async handle() {}
      }
      expect(await refusal(Replying)).toContain('the message bus delivers events');
    });
  });
});
