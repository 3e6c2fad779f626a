import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Controller, Inject, type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientProxy, EventPattern, Payload } from '@nestjs/microservices';
import {
  ChannelEventsTopic,
  CommandRepliesTopic,
  type EnvelopeOf,
  InMemoryMessageBus,
  type MessageBatch,
  MessageBus,
  type OutgoingMessage,
  silentLogger,
} from '@libs/messaging';
import { sleep } from '@libs/resilience';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { MessageBusClient, ReplyTimeoutError, replyConsumer } from './bus-client';
import { startBusConsumers } from './bus-transport';

type Replies = typeof CommandRepliesTopic;
type Reply = EnvelopeOf<Replies>;
type Request = Extract<OutgoingMessage<typeof ChannelEventsTopic>, { type: 'inventory.command' }>;

const LANE = Symbol('test-lane');
const TIMEOUT_MS = 300;

/** The app's reply consumer, as an app declares it. */
@Controller()
class RepliesController {
  constructor(@Inject(LANE) private readonly lane: MessageBusClient<Replies>) {}

  @EventPattern(CommandRepliesTopic.name, replyConsumer(LANE))
  handle(@Payload() batch: MessageBatch<Replies>): Promise<void> {
    return this.lane.handleReplies(batch);
  }
}

interface Rig {
  app: INestApplication;
  bus: InMemoryMessageBus;
  lane: MessageBusClient<Replies>;
  /** The requests the owner received, in order. */
  received: Request[];
}

const apps: INestApplication[] = [];
const buses: InMemoryMessageBus[] = [];

afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
  for (const bus of buses.splice(0)) await bus.stop();
});

/**
 * An app with the lane client and its reply consumer on an in-memory bus, and an owner that answers each request
 * as `answer` says: after `delayMs`, or never (`null`).
 */
async function rig(answer: (request: Request, index: number) => number | null = () => 0): Promise<Rig> {
  const bus = new InMemoryMessageBus({ source: 'bus-client-test', logger: silentLogger });
  buses.push(bus);
  const replyTo = `api-${randomUUID()}`;
  const lane = new MessageBusClient(bus, {
    replyTopic: CommandRepliesTopic,
    replyTo,
    replyGroup: `api-replies-${replyTo}`,
    replyTimeoutMs: TIMEOUT_MS,
  });

  @Module({
    controllers: [RepliesController],
    providers: [
      { provide: MessageBus, useValue: bus },
      { provide: LANE, useValue: lane },
    ],
  })
  class TestModule {}
  const app = await NestFactory.create(TestModule, { logger: false, abortOnError: false });
  apps.push(app);
  await startBusConsumers(app);
  await app.init();

  const received: Request[] = [];
  await bus.subscribe(ChannelEventsTopic, 'owner', async (batch) => {
    for (const { envelope } of batch.messages) {
      if (envelope.type !== 'inventory.command') continue;
      const request = {
        type: envelope.type,
        correlationId: envelope.correlationId,
        payload: envelope.payload,
      } satisfies Request;
      const index = received.push(request) - 1;
      const delayMs = answer(request, index);
      if (delayMs === null || !envelope.payload.replyTo) continue;
      const reply: OutgoingMessage<Replies> = {
        type: 'inventory.command-answered',
        correlationId: envelope.correlationId,
        payload: {
          replyTo: envelope.payload.replyTo,
          commandId: envelope.payload.commandId,
          sku: envelope.payload.sku,
          status: 'applied',
          version: index + 1,
          eventCount: 1,
        },
      };
      setTimeout(() => void bus.publish(CommandRepliesTopic, [reply]), delayMs);
    }
  });
  await bus.start();
  return { app, bus, lane, received };
}

function request(lane: MessageBusClient<Replies>, sku: string, correlationId?: string): Request {
  return {
    type: 'inventory.command',
    ...(correlationId ? { correlationId } : {}),
    payload: {
      sku,
      commandId: `cmd-${sku}`,
      commandType: 'ReceiveStock',
      data: { quantity: 1 },
      actor: 'test',
      replyTo: lane.replyTo,
    },
  };
}

describe('MessageBusClient', () => {
  it('is a ClientProxy: send() publishes the requests as one batch and completes with their replies', async () => {
    const { lane, received } = await rig();
    expect(lane).toBeInstanceOf(ClientProxy);
    const requests = ['sku-a', 'sku-b', 'sku-c'].map((sku) => request(lane, sku, randomUUID()));

    const replies = await lastValueFrom(lane.send<Reply>(ChannelEventsTopic.name, requests).pipe(toArray()));

    // One publish; the owner sees each SKU's partition in order, not one order across partitions.
    expect(received.map((r) => r.correlationId).sort()).toEqual(requests.map((r) => r.correlationId!).sort());
    expect(replies.map((r) => r.correlationId).sort()).toEqual(requests.map((r) => r.correlationId!).sort());
    expect(replies.every((r) => r.payload.replyTo === lane.replyTo)).toBe(true);
  });

  it('gives a request without a correlation id one of its own, and matches its reply by it', async () => {
    const { lane, received } = await rig();
    const reply = await firstValueFrom(lane.request(ChannelEventsTopic, [request(lane, 'sku-new-id')]));
    expect(received).toHaveLength(1);
    expect(received[0].correlationId).toEqual(expect.any(String));
    expect(reply.correlationId).toBe(received[0].correlationId);
    expect(reply.payload.sku).toBe('sku-new-id');
  });

  it('fails with ReplyTimeoutError naming the requests still unanswered when a reply never comes', async () => {
    const { lane } = await rig((r) => (r.payload.sku === 'sku-lost' ? null : 0));
    const requests = ['sku-ok', 'sku-lost'].map((sku) => request(lane, sku, randomUUID()));
    const got: Reply[] = [];
    const started = Date.now();

    const error = await new Promise<unknown>((resolve) =>
      lane.request(ChannelEventsTopic, requests).subscribe({
        next: (reply) => got.push(reply),
        complete: () => resolve(undefined),
        error: resolve,
      }),
    );

    expect(error).toBeInstanceOf(ReplyTimeoutError);
    expect((error as ReplyTimeoutError).unanswered).toEqual([requests[1].correlationId]);
    expect((error as ReplyTimeoutError).timeoutMs).toBe(TIMEOUT_MS);
    expect(got.map((r) => r.correlationId)).toEqual([requests[0].correlationId]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
  });

  it('times out on progress, not in all: replies that keep coming within the wait are all awaited', async () => {
    // Five replies 150 ms apart take 750 ms in all, more than twice the wait, but none is late.
    const { lane } = await rig((_, i) => (i + 1) * 150);
    const requests = ['p1', 'p2', 'p3', 'p4', 'p5'].map((sku) => request(lane, sku, randomUUID()));
    const replies = await lastValueFrom(lane.request(ChannelEventsTopic, requests).pipe(toArray()));
    expect(replies.map((r) => r.payload.sku).sort()).toEqual(['p1', 'p2', 'p3', 'p4', 'p5']);
  });

  it('fails on a reply that comes after the wait, and drops it then', async () => {
    const { lane } = await rig(() => TIMEOUT_MS * 2);
    const late = request(lane, 'sku-late', randomUUID());
    await expect(lastValueFrom(lane.request(ChannelEventsTopic, [late]))).rejects.toBeInstanceOf(
      ReplyTimeoutError,
    );
    // The late reply arrives with nobody waiting: nothing breaks, nothing is left behind.
    await sleep(TIMEOUT_MS * 2);
    expect((lane as unknown as { waiting: Map<string, unknown> }).waiting.size).toBe(0);
  });

  it('ignores replies under another requester’s key, even with a correlation id it waits for', async () => {
    const { lane, bus } = await rig(() => null);
    const mine = request(lane, 'sku-mine', randomUUID());
    const got: Reply[] = [];
    const done = new Promise<unknown>((resolve) =>
      lane
        .request(ChannelEventsTopic, [mine])
        .subscribe({ next: (r) => got.push(r), error: resolve, complete: () => resolve('complete') }),
    );
    await sleep(50);
    await bus.publish(CommandRepliesTopic, [
      {
        type: 'inventory.command-answered',
        correlationId: mine.correlationId,
        payload: {
          replyTo: 'api-someone-else',
          commandId: 'cmd-sku-mine',
          sku: 'sku-mine',
          status: 'applied',
          version: 1,
          eventCount: 1,
        },
      },
    ]);
    expect(await done).toBeInstanceOf(ReplyTimeoutError);
    expect(got).toEqual([]);
  });

  it('fails at once, waiting for nothing, when the requests cannot be published', async () => {
    const { lane, bus } = await rig();
    jest.spyOn(bus, 'publish').mockRejectedValueOnce(new Error('broker away'));
    const started = Date.now();
    await expect(
      lastValueFrom(lane.request(ChannelEventsTopic, [request(lane, 'sku-unsent', randomUUID())])),
    ).rejects.toThrow('broker away');
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS);
    expect((lane as unknown as { waiting: Map<string, unknown> }).waiting.size).toBe(0);
  });

  it('refuses a pattern that is no topic of the catalogue', async () => {
    const { lane, received } = await rig();
    await expect(lastValueFrom(lane.send('stock.no-such-topic', [request(lane, 'sku-x')]))).rejects.toThrow(
      "'stock.no-such-topic' is not a topic of the catalogue",
    );
    await sleep(50);
    expect(received).toEqual([]);
  });

  it('stops waiting when the caller unsubscribes', async () => {
    const { lane } = await rig(() => null);
    const subscription = lane
      .request(ChannelEventsTopic, [request(lane, 'sku-gone', randomUUID())])
      .subscribe({
        error: () => undefined,
      });
    await sleep(50);
    subscription.unsubscribe();
    expect((lane as unknown as { waiting: Map<string, unknown> }).waiting.size).toBe(0);
  });

  it('emit() publishes events without waiting for anything and completes with their receipts', async () => {
    const { lane, received } = await rig(() => null);
    const receipts = await lastValueFrom(
      lane.publishEvents(ChannelEventsTopic, [request(lane, 'sku-event-1'), request(lane, 'sku-event-2')]),
    );
    expect(receipts).toHaveLength(2);
    expect(receipts.map((r) => r.key)).toEqual(['sku-event-1', 'sku-event-2']);
    for (let i = 0; i < 20 && received.length < 2; i++) await sleep(10);
    expect(received.map((r) => r.payload.sku).sort()).toEqual(['sku-event-1', 'sku-event-2']);
  });
});
