import { createHash } from 'node:crypto';
import { sleep } from '@libs/resilience';
import type { AnyTopic } from '../catalogue/define-topic';
import { StockAdjusted } from '../catalogue/channel-events';
import { Topics } from '../catalogue/topics';
import type { OutgoingMessage } from '../codec';
import type { EnvelopeOf } from '../envelope';
import { MessagingErrorCodes, RetryableHandlerError } from '../errors';
import type { MessageBatch, MessageBus, PublishReceipt, ReceivedMessage, Subscription } from '../message-bus';
import type { HandlerRetryPolicy } from '../options';
import { partitionForKey } from '../partitioner';

/**
 * The behaviour every MessageBus adapter must show, run against the in-memory bus (unit tier) and against a
 * real Kafka broker (int tier). Each test gets a fresh bus with its own topic prefix.
 */
export interface ContractHarness {
  /** A new, not yet started bus whose topics are named with `prefix`. */
  createBus(prefix: string, options: { handlerRetry: HandlerRetryPolicy }): MessageBus;
  /** Writes bytes as an outside producer would, with no validation. */
  produceRaw(
    bus: MessageBus,
    topic: AnyTopic,
    record: { key: string | null; value: Buffer | string; headers?: Record<string, string> },
  ): Promise<{ partition: number; offset: string }>;
  /** Upper bound for a message to reach a consumer, in ms. */
  deliveryTimeoutMs: number;
  afterAll?(): Promise<void>;
}

type ChannelEvents = typeof Topics.channelEvents;
type DeadLetters = typeof Topics.deadLetters;

const RETRY: HandlerRetryPolicy = { maxAttempts: 3, initialBackoffMs: 10, maxBackoffMs: 40 };

let counter = 0;
function uniquePrefix(): string {
  const base = process.env.KAFKA_TOPIC_PREFIX ?? '';
  counter += 1;
  return `${base}contract-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}-${counter}.`;
}

async function waitFor(description: string, predicate: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}`);
    await sleep(20);
  }
}

function restock(sku: string, quantity: number, eventId?: string): OutgoingMessage<ChannelEvents> {
  return {
    type: 'stock.restocked',
    eventId,
    payload: { sku, batchId: `batch-${sku}-${quantity}`, quantity },
  };
}

function adjustment(sku: string, delta: number, note?: string): OutgoingMessage<ChannelEvents> {
  return {
    type: 'stock.adjusted',
    payload: {
      sku,
      adjustmentId: `adj-${sku}-${delta}-${Math.random()}`,
      delta,
      reason: 'count-correction',
      note,
    },
  };
}

function orderPlaced(sku: string, channelOrderId: string): OutgoingMessage<ChannelEvents> {
  return {
    type: 'order.placed',
    payload: {
      channel: 'taobao',
      channelOrderId,
      sku,
      lines: [{ quantity: 1 }],
      expiresAt: '2030-01-01T00:00:00.000Z',
    },
  };
}

/** A handler that records what it sees. */
function collector<D extends AnyTopic>() {
  const messages: ReceivedMessage<D>[] = [];
  const batches: MessageBatch<D>[] = [];
  return {
    messages,
    batches,
    handler: async (batch: MessageBatch<D>) => {
      batches.push(batch);
      messages.push(...batch.messages);
    },
  };
}

export function describeMessageBusContract(name: string, harness: ContractHarness): void {
  describe(`MessageBus contract: ${name}`, () => {
    const buses: MessageBus[] = [];
    const T = harness.deliveryTimeoutMs;

    function newBus(): MessageBus {
      const bus = harness.createBus(uniquePrefix(), { handlerRetry: RETRY });
      buses.push(bus);
      return bus;
    }

    afterEach(async () => {
      await Promise.all(buses.splice(0).map((b) => b.stop()));
    });

    afterAll(async () => {
      await harness.afterAll?.();
    });

    it('round-trips typed envelopes; each key lands in its murmur2 partition, as the receipts say', async () => {
      const bus = newBus();
      const seen = collector<ChannelEvents>();
      // Subscribing before start is allowed: the consumer begins with the bus.
      await bus.subscribe(Topics.channelEvents, 'round-trip', seen.handler);
      await bus.start();

      const skus = ['sku-a', 'sku-b', 'sku-c', 'sku-d', 'sku-e', 'sku-f', 'SKU-中文-1'];
      const outgoing = skus.flatMap((sku, i) => [orderPlaced(sku, `order-${i}`), restock(sku, i + 1)]);
      const receipts = await bus.publish(Topics.channelEvents, outgoing);

      expect(receipts).toHaveLength(outgoing.length);
      const partitions = bus.partitionCount(Topics.channelEvents);
      expect(partitions).toBe(Topics.channelEvents.defaultPartitions);
      receipts.forEach((r, i) => {
        expect(r.topic).toBe(bus.topicName(Topics.channelEvents));
        expect(r.key).toBe(skus[Math.floor(i / 2)]);
        expect(r.partition).toBe(partitionForKey(r.key, partitions));
      });

      await waitFor('all messages', () => seen.messages.length >= outgoing.length, T);
      expect(seen.messages).toHaveLength(outgoing.length);
      for (const batch of seen.batches) {
        expect(batch.groupId).toBe('round-trip');
        expect(batch.topic).toBe(Topics.channelEvents);
        for (const m of batch.messages) expect(m.partition).toBe(batch.partition);
      }
      const byEventId = new Map<string, PublishReceipt>(receipts.map((r) => [r.eventId, r]));
      for (const m of seen.messages) {
        const receipt = byEventId.get(m.envelope.eventId);
        expect(receipt).toBeDefined();
        expect({ partition: m.partition, offset: m.offset, key: m.key }).toEqual({
          partition: receipt!.partition,
          offset: receipt!.offset,
          key: receipt!.key,
        });
        expect(m.envelope.schemaVersion).toBe(1);
        expect(m.envelope.source).toBe('contract-test');
        expect(m.envelope.correlationId).toBe(m.envelope.eventId);
        expect(Number.isNaN(Date.parse(m.envelope.occurredAt))).toBe(false);
      }
      const placed = seen.messages.find((m) => m.envelope.type === 'order.placed')!.envelope as Extract<
        EnvelopeOf<ChannelEvents>,
        { type: 'order.placed' }
      >;
      expect(placed.payload.lines[0].quantity).toBeGreaterThan(0);
      expect(placed.payload.channel).toBe('taobao');
    });

    it('keeps the order of messages with the same key', async () => {
      const bus = newBus();
      await bus.start();
      const seen = collector<ChannelEvents>();
      await bus.subscribe(Topics.channelEvents, 'ordering', seen.handler);

      // Per-key order is promised for publishes that follow each other (each awaited before the next).
      for (let round = 0; round < 10; round++) {
        await bus.publish(Topics.channelEvents, [
          adjustment('hot-sku', round * 3 + 1),
          adjustment('other-sku', round + 1),
          adjustment('hot-sku', round * 3 + 2),
          adjustment('hot-sku', round * 3 + 3),
        ]);
      }

      await waitFor('40 messages', () => seen.messages.length >= 40, T);
      const hot = seen.messages.filter((m) => m.key === 'hot-sku');
      expect(hot.map((m) => (m.envelope.payload as StockAdjusted).delta)).toEqual(
        Array.from({ length: 30 }, (_, i) => i + 1),
      );
      expect(new Set(hot.map((m) => m.partition)).size).toBe(1);
      const offsets = hot.map((m) => BigInt(m.offset));
      offsets.slice(1).forEach((o, i) => expect(o > offsets[i]).toBe(true));
    });

    it('dead-letters invalid records with reason, position and original bytes; the valid record behind them is processed', async () => {
      const bus = newBus();
      await bus.start();
      const seen = collector<ChannelEvents>();
      const dead = collector<DeadLetters>();
      await Promise.all([
        bus.subscribe(Topics.channelEvents, 'dlq-consumer', seen.handler),
        bus.subscribe(Topics.deadLetters, 'dlq-reader', dead.handler),
      ]);

      const sku = 'sku-poison';
      const envelope = (type: string, schemaVersion: number, payload: object) =>
        JSON.stringify({
          eventId: `evt-${type}-${schemaVersion}`,
          type,
          schemaVersion,
          source: 'somebody-else',
          occurredAt: '2026-01-01T00:00:00.000Z',
          correlationId: 'corr-1',
          payload,
        });
      const invalid: Array<{ value: Buffer | string; key?: string; code: string }> = [
        { value: '{"eventId": "broken', code: MessagingErrorCodes.INVALID_JSON },
        { value: Buffer.from([0xff, 0xfe, 0x00, 0x7b]), code: MessagingErrorCodes.INVALID_JSON },
        { value: JSON.stringify({ hello: 'world' }), code: MessagingErrorCodes.INVALID_ENVELOPE },
        { value: envelope('order.teleported', 1, { sku }), code: MessagingErrorCodes.UNKNOWN_TYPE },
        {
          value: envelope('stock.restocked', 99, { sku, batchId: 'b', quantity: 1 }),
          code: MessagingErrorCodes.UNKNOWN_SCHEMA_VERSION,
        },
        {
          value: envelope('stock.restocked', 1, { sku, batchId: 'b', quantity: -5 }),
          code: MessagingErrorCodes.VALIDATION_FAILED,
        },
        {
          value: envelope('stock.restocked', 1, { sku, batchId: 'b', quantity: 1, secret: 'ABCD-EFGH' }),
          code: MessagingErrorCodes.VALIDATION_FAILED,
        },
        {
          value: envelope('stock.restocked', 1, { sku: 'another-sku', batchId: 'b', quantity: 1 }),
          code: MessagingErrorCodes.KEY_MISMATCH,
        },
      ];
      const positions: Array<{ partition: number; offset: string }> = [];
      for (const bad of invalid) {
        positions.push(
          await harness.produceRaw(bus, Topics.channelEvents, {
            key: sku,
            value: bad.value,
            headers: { 'x-origin': 'contract-test' },
          }),
        );
      }
      const [valid] = await bus.publish(Topics.channelEvents, [restock(sku, 7)]);
      expect(new Set([...positions.map((p) => p.partition), valid.partition]).size).toBe(1);

      await waitFor('the valid message', () => seen.messages.length >= 1, T);
      await waitFor(`${invalid.length} dead letters`, () => dead.messages.length >= invalid.length, T);
      expect(seen.messages.map((m) => m.envelope.eventId)).toEqual([valid.eventId]);

      const letters = dead.messages.map((m) => m.envelope.payload);
      expect(letters.map((l) => l.reasonCode)).toEqual(invalid.map((i) => i.code));
      letters.forEach((letter, i) => {
        const original = invalid[i].value;
        expect(Buffer.from(letter.valueBase64!, 'base64')).toEqual(
          Buffer.isBuffer(original) ? original : Buffer.from(original, 'utf8'),
        );
        expect(letter.valueTruncated).toBeUndefined();
        expect(letter.valueSizeBytes).toBe(Buffer.byteLength(original));
        expect(letter).toMatchObject({
          sourceTopic: bus.topicName(Topics.channelEvents),
          sourcePartition: positions[i].partition,
          sourceOffset: positions[i].offset,
          consumerGroup: 'dlq-consumer',
          attempts: 0,
          key: sku,
          headers: { 'x-origin': 'contract-test' },
        });
        expect(letter.reason.length).toBeGreaterThan(0);
      });
      expect(letters[3].originalType).toBe('order.teleported');
      expect(letters[3].originalEventId).toBe('evt-order.teleported-1');
      expect(dead.messages[3].envelope.correlationId).toBe('corr-1');
      expect(letters[5].reason).toContain('quantity');
      expect(letters[6].reason).toContain('secret');
    });

    it('dead-letters an 800 kB invalid record as a bounded excerpt with its size and hash; the partition moves on', async () => {
      const bus = newBus();
      await bus.start();
      const seen = collector<ChannelEvents>();
      const dead = collector<DeadLetters>();
      await Promise.all([
        bus.subscribe(Topics.channelEvents, 'big-consumer', seen.handler),
        bus.subscribe(Topics.deadLetters, 'big-dlq-reader', dead.handler),
      ]);
      const sku = 'sku-big';
      // Not JSON: 800 kB of text after an opening brace. As base64 it alone would exceed 1 MB.
      const original = Buffer.concat([Buffer.from('{"x":"'), Buffer.alloc(800_000, 'a')]);
      const position = await harness.produceRaw(bus, Topics.channelEvents, { key: sku, value: original });
      const [valid] = await bus.publish(Topics.channelEvents, [restock(sku, 1)]);

      await waitFor('the valid message behind it', () => seen.messages.length >= 1, T);
      await waitFor('the dead letter', () => dead.messages.length >= 1, T);
      expect(seen.messages.map((m) => m.envelope.eventId)).toEqual([valid.eventId]);
      const letter = dead.messages[0].envelope.payload;
      expect(letter).toMatchObject({
        reasonCode: MessagingErrorCodes.INVALID_JSON,
        sourcePartition: position.partition,
        sourceOffset: position.offset,
        valueTruncated: true,
        valueSizeBytes: original.length,
        valueSha256: createHash('sha256').update(original).digest('hex'),
      });
      const excerpt = Buffer.from(letter.valueBase64!, 'base64');
      expect(excerpt).toEqual(original.subarray(0, 64 * 1024));
      expect(JSON.stringify(dead.messages[0].envelope).length).toBeLessThan(200_000);
    });

    it('retries a failing handler, then dead-letters only the message that keeps failing', async () => {
      const bus = newBus();
      await bus.start();
      const calls: string[][] = [];
      const processed: string[] = [];
      const dead = collector<DeadLetters>();
      await Promise.all([
        bus.subscribe(Topics.channelEvents, 'poison-consumer', async (batch) => {
          calls.push(batch.messages.map((m) => m.envelope.eventId));
          if (batch.messages.some((m) => (m.envelope.payload as StockAdjusted).note === 'poison')) {
            throw new Error('cannot apply this adjustment');
          }
          processed.push(...batch.messages.map((m) => m.envelope.eventId));
        }),
        bus.subscribe(Topics.deadLetters, 'poison-dlq-reader', dead.handler),
      ]);

      const [first, poison, last] = await bus.publish(Topics.channelEvents, [
        adjustment('sku-p', 1),
        adjustment('sku-p', 2, 'poison'),
        adjustment('sku-p', 3),
      ]);

      await waitFor('the message behind the poison one', () => processed.includes(last.eventId), T);
      await waitFor('the dead letter', () => dead.messages.length >= 1, T);
      expect(processed).toEqual([first.eventId, last.eventId]);
      // The poison message alone was tried exactly maxAttempts times before it was set aside.
      expect(calls.filter((c) => c.length === 1 && c[0] === poison.eventId)).toHaveLength(RETRY.maxAttempts);
      const letter = dead.messages[0].envelope.payload;
      expect(letter).toMatchObject({
        reasonCode: MessagingErrorCodes.HANDLER_FAILED,
        attempts: RETRY.maxAttempts,
        originalEventId: poison.eventId,
        originalType: 'stock.adjusted',
        sourcePartition: poison.partition,
        sourceOffset: poison.offset,
        consumerGroup: 'poison-consumer',
      });
      expect(letter.reason).toContain('cannot apply this adjustment');
      expect(JSON.parse(Buffer.from(letter.valueBase64!, 'base64').toString('utf8')).eventId).toBe(
        poison.eventId,
      );
    });

    it('redelivers after a failure that heals, and never dead-letters a RetryableHandlerError', async () => {
      const bus = newBus();
      await bus.start();
      const failures = [
        new Error('deadlock detected'),
        ...Array.from({ length: 5 }, () => new RetryableHandlerError('database restarting')),
      ];
      const processed: string[] = [];
      let calls = 0;
      const dead = collector<DeadLetters>();
      await Promise.all([
        bus.subscribe(Topics.channelEvents, 'healing-consumer', async (batch) => {
          calls += 1;
          const failure = failures.shift();
          if (failure) throw failure;
          processed.push(...batch.messages.map((m) => m.envelope.eventId));
        }),
        bus.subscribe(Topics.deadLetters, 'healing-dlq-reader', dead.handler),
      ]);
      const [receipt] = await bus.publish(Topics.channelEvents, [restock('sku-heal', 3)]);

      await waitFor('the healed message', () => processed.length >= 1, T);
      expect(processed).toEqual([receipt.eventId]);
      expect(calls).toBe(7);
      await sleep(200);
      expect(dead.messages).toHaveLength(0);
    });

    it('gives 100 concurrent single-message publishes 100 distinct offsets (T4)', async () => {
      const bus = newBus();
      await bus.start();
      const seen = collector<ChannelEvents>();
      await bus.subscribe(Topics.channelEvents, 'concurrent', seen.handler);

      const receipts = (
        await Promise.all(
          Array.from({ length: 100 }, (_, i) =>
            bus.publish(Topics.channelEvents, [restock(`sku-${i % 10}`, i + 1)]),
          ),
        )
      ).flat();

      expect(receipts).toHaveLength(100);
      expect(new Set(receipts.map((r) => `${r.partition}:${r.offset}`)).size).toBe(100);
      // Per partition the offsets are exactly 0..n-1: nothing lost, nothing written twice.
      const perPartition = new Map<number, bigint[]>();
      for (const r of receipts)
        perPartition.set(r.partition, [...(perPartition.get(r.partition) ?? []), BigInt(r.offset)]);
      for (const offsets of perPartition.values()) {
        expect(offsets.sort((a, b) => (a < b ? -1 : 1))).toEqual(offsets.map((_, i) => BigInt(i)));
      }
      await waitFor('100 messages', () => seen.messages.length >= 100, T);
      expect(new Set(seen.messages.map((m) => m.envelope.eventId))).toEqual(
        new Set(receipts.map((r) => r.eventId)),
      );
    });

    it('retries infrastructure errors past maxAttempts, never dead-letters them, and commits only after success', async () => {
      const bus = newBus();
      await bus.start();
      // What a handler sees while PostgreSQL or Kafka is away: none of it is the message's fault.
      const infrastructure = (): unknown[] => [
        Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
        Object.assign(new Error('connection failure'), { code: '08006' }),
        new Error('Connection terminated unexpectedly'),
        Object.assign(new Error('Number of retries exceeded'), {
          name: 'KafkaJSNumberOfRetriesExceeded',
          retriable: true,
        }),
        Object.assign(new Error('gave up after 5 attempts on version conflicts'), {
          name: 'ConflictRetriesExhaustedError',
        }),
      ];
      const dead = collector<DeadLetters>();
      await bus.subscribe(Topics.deadLetters, 'infra-dlq-reader', dead.handler);
      let down = true;
      let calls = 0;
      const processed: string[] = [];
      const handler = async (batch: MessageBatch<ChannelEvents>) => {
        calls += 1;
        if (down) {
          const errors = infrastructure();
          throw errors[calls % errors.length];
        }
        processed.push(...batch.messages.map((m) => m.envelope.eventId));
      };

      const first = await bus.subscribe(Topics.channelEvents, 'infra-consumer', handler);
      const [receipt] = await bus.publish(Topics.channelEvents, [restock('sku-infra', 2)]);
      await waitFor('more failed calls than maxAttempts allows', () => calls > RETRY.maxAttempts * 2, T);
      expect(bus.retryingPartitions!()).toEqual([
        expect.objectContaining({
          topic: bus.topicName(Topics.channelEvents),
          groupId: 'infra-consumer',
          partition: receipt.partition,
        }),
      ]);

      // A consumer that stops while the dependency is down has committed nothing: the next one gets the message.
      await first.stop();
      const callsBefore = calls;
      await bus.subscribe(Topics.channelEvents, 'infra-consumer', handler);
      await waitFor('the redelivery to the next consumer', () => calls > callsBefore + 1, T);
      down = false;

      await waitFor('the message once the dependency is back', () => processed.length >= 1, T);
      expect(processed).toEqual([receipt.eventId]);
      await waitFor('the partition to leave retrying', () => bus.retryingPartitions!().length === 0, T);
      await sleep(200);
      expect(dead.messages).toHaveLength(0);
    });

    it('resumes a restarted consumer from its committed offsets, without loss or replay', async () => {
      const bus = newBus();
      await bus.start();
      const firstRun = collector<ChannelEvents>();
      const subscription = await bus.subscribe(Topics.channelEvents, 'restartable', firstRun.handler);
      const before = await bus.publish(
        Topics.channelEvents,
        Array.from({ length: 10 }, (_, i) => restock(`sku-r${i % 4}`, i + 1)),
      );
      await waitFor('the first 10', () => firstRun.messages.length >= 10, T);
      await subscription.stop();

      const after = await bus.publish(
        Topics.channelEvents,
        Array.from({ length: 10 }, (_, i) => restock(`sku-r${i % 4}`, i + 100)),
      );
      const secondRun = collector<ChannelEvents>();
      await bus.subscribe(Topics.channelEvents, 'restartable', secondRun.handler);
      await waitFor('the next 10', () => secondRun.messages.length >= 10, T);
      await sleep(300);

      expect(firstRun.messages.map((m) => m.envelope.eventId).sort()).toEqual(
        before.map((r) => r.eventId).sort(),
      );
      expect(secondRun.messages.map((m) => m.envelope.eventId).sort()).toEqual(
        after.map((r) => r.eventId).sort(),
      );
    });

    it('skips records whose key the subscription does not accept, without decoding them, and commits past them', async () => {
      const bus = newBus();
      await bus.start();
      const seen = collector<ChannelEvents>();
      const dead = collector<DeadLetters>();
      const accept = (key: string) => key.startsWith('mine-');
      const subscription = await bus.subscribe(Topics.channelEvents, 'filtered', seen.handler, {
        acceptKey: accept,
      });
      await bus.subscribe(Topics.deadLetters, 'filtered-dlq', dead.handler);

      // Invalid bytes under a key the subscription skips: never decoded, so never dead-lettered by this group.
      await harness.produceRaw(bus, Topics.channelEvents, { key: 'theirs-1', value: '{"broken' });
      const sent = await bus.publish(
        Topics.channelEvents,
        Array.from({ length: 12 }, (_, i) => restock(i % 3 === 0 ? `mine-${i}` : `theirs-${i}`, i + 1)),
      );
      const mine = sent.filter((r) => r.key.startsWith('mine-'));
      await waitFor('the accepted messages', () => seen.messages.length >= mine.length, T);
      await sleep(300);
      await subscription.stop();

      expect(seen.messages.map((m) => m.envelope.eventId).sort()).toEqual(mine.map((r) => r.eventId).sort());
      expect(dead.messages).toHaveLength(0);
      // Restarted, the group resumes after the skipped records too: nothing is handed over again.
      const again = collector<ChannelEvents>();
      await bus.subscribe(Topics.channelEvents, 'filtered', again.handler, { acceptKey: accept });
      const [late] = await bus.publish(Topics.channelEvents, [restock('mine-late', 1)]);
      await waitFor('the late message', () => again.messages.length >= 1, T);
      await sleep(300);
      expect(again.messages.map((m) => m.envelope.eventId)).toEqual([late.eventId]);
    });

    it('on stop, lets the batch in progress finish and commits it', async () => {
      const bus = newBus();
      await bus.start();
      const events: string[] = [];
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const handled: string[] = [];
      const subscription: Subscription = await bus.subscribe(
        Topics.channelEvents,
        'graceful',
        async (batch) => {
          events.push('handler-started');
          await gate;
          handled.push(...batch.messages.map((m) => m.envelope.eventId));
          events.push('handler-finished');
        },
      );
      const sent = await bus.publish(Topics.channelEvents, [
        restock('sku-g', 1),
        restock('sku-g', 2),
        restock('sku-g', 3),
      ]);

      await waitFor('the handler to start', () => events.includes('handler-started'), T);
      const stopped = subscription.stop().then(() => events.push('stopped'));
      await sleep(100);
      release();
      await stopped;
      expect(events.indexOf('handler-finished')).toBeLessThan(events.indexOf('stopped'));

      await waitFor('all three handled', () => handled.length >= 3, T);
      const next = collector<ChannelEvents>();
      await bus.subscribe(Topics.channelEvents, 'graceful', next.handler);
      const [marker] = await bus.publish(Topics.channelEvents, [restock('sku-g', 4)]);
      await waitFor('the marker', () => next.messages.length >= 1, T);
      await sleep(200);
      expect(handled.sort()).toEqual(sent.map((r) => r.eventId).sort());
      expect(next.messages.map((m) => m.envelope.eventId)).toEqual([marker.eventId]);
    });

    it('shares the partitions among the members of a group, and hands them over when a member leaves', async () => {
      const bus = newBus();
      await bus.start();
      const a = collector<ChannelEvents>();
      const b = collector<ChannelEvents>();
      const memberA = await bus.subscribe(Topics.channelEvents, 'shared-group', a.handler);
      await bus.subscribe(Topics.channelEvents, 'shared-group', b.handler);

      const skus = Array.from({ length: 24 }, (_, i) => `sku-shared-${i}`);
      const first = await bus.publish(
        Topics.channelEvents,
        skus.map((sku) => restock(sku, 1)),
      );
      await waitFor('24 messages over both members', () => a.messages.length + b.messages.length >= 24, T);
      const partitionsOf = (c: typeof a) => new Set(c.messages.map((m) => m.partition));
      expect(a.messages.length).toBeGreaterThan(0);
      expect(b.messages.length).toBeGreaterThan(0);
      expect([...partitionsOf(a)].filter((p) => partitionsOf(b).has(p))).toEqual([]);

      await memberA.stop();
      const second = await bus.publish(
        Topics.channelEvents,
        skus.map((sku) => restock(sku, 2)),
      );
      const secondIds = new Set(second.map((r) => r.eventId));
      await waitFor(
        'the remaining member to take every partition',
        () => b.messages.filter((m) => secondIds.has(m.envelope.eventId)).length >= 24,
        T,
      );
      await sleep(200);
      const all = [...a.messages, ...b.messages].map((m) => m.envelope.eventId);
      expect(all.sort()).toEqual([...first, ...second].map((r) => r.eventId).sort());
    });

    it('rejects an invalid message at publish time and sends nothing', async () => {
      const bus = newBus();
      await bus.start();
      await expect(
        bus.publish(Topics.channelEvents, [
          restock('sku-ok', 1),
          { type: 'stock.restocked', payload: { sku: 'sku-bad', batchId: 'b', quantity: 0 } },
        ]),
      ).rejects.toMatchObject({ code: MessagingErrorCodes.INVALID_MESSAGE });
      await expect(
        bus.publish(Topics.orderOutcomes, [
          {
            type: 'card-keys.allocated',
            payload: {
              channel: 'shop',
              channelOrderId: 'o-1',
              sku: 's',
              unitIds: ['u-1'],
              skuVersion: 3,
              secret: 'x',
            } as never,
          },
        ]),
      ).rejects.toMatchObject({ code: MessagingErrorCodes.INVALID_MESSAGE });
      const seen = collector<ChannelEvents>();
      await bus.subscribe(Topics.channelEvents, 'nothing-sent', seen.handler);
      const [marker] = await bus.publish(Topics.channelEvents, [restock('sku-ok', 2)]);
      await waitFor('the marker', () => seen.messages.length >= 1, T);
      expect(seen.messages.map((m) => m.envelope.eventId)).toEqual([marker.eventId]);
    });
  });
}
