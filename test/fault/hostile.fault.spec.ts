import { randomUUID } from 'node:crypto';
import { orderKey } from '@libs/inventory';
import { ChannelEventsTopic, encodeMessage, type OutgoingMessage } from '@libs/messaging';
import { Kafka, logLevel, type Message } from 'kafkajs';
import { FaultStack } from './fault-stack';
import { catalogue, ScenarioRunner } from './scenario';
import { deadLettersOf, outcomesOf, readWholeTopic } from '../../libs/testing/src/history/collect-topics';
import { listingsConverged, until } from './verdict';

type ChannelEvent = OutgoingMessage<typeof ChannelEventsTopic>;

/**
 * Hostile input and hostile platforms under traffic, on one stack in sequence with the history checker after
 * each: an outside producer writing malformed, oversized, duplicated and reordered records straight to
 * stock.channel-events; platforms answering 429 with a month-long Retry-After, bursts of 5xx and hung calls.
 */
describe('fault: hostile records and hostile platforms', () => {
  const stack = new FaultStack({
    label: 'hostile',
    kafkaPort: 29096,
    connectorEnv: {
      // A platform's month-long Retry-After is clamped to this; short here so the run converges within its bound.
      CONNECTOR_MAX_RETRY_AFTER_MS: '20000',
      CONNECTOR_REQUEST_TIMEOUT_MS: '2000',
    },
  });
  const runner = new ScenarioRunner(stack);

  beforeAll(() => stack.start(), 240_000);
  afterAll(() => stack.stop(), 120_000);

  it('an outside producer: every bad record in the DLQ with a reason, the valid ones applied once, the services up', async () => {
    const sku = 'HX-Q0';
    const topic = `${stack.prefix}${ChannelEventsTopic.name}`;
    const kafka = new Kafka({
      clientId: 'outside-producer',
      brokers: stack.brokers,
      logLevel: logLevel.NOTHING,
    });
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    const bad = new Map<string, string>();
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    const event = (e: ChannelEvent): Message => {
      const m = encodeMessage(ChannelEventsTopic, e, 'outside-producer');
      return { key: m.key, value: m.value, headers: m.headers };
    };
    const placed = (orderId: string, eventId = randomUUID()): ChannelEvent => ({
      type: 'order.placed',
      eventId,
      payload: { channel: 'shop', channelOrderId: orderId, sku, lines: [{ quantity: 1 }], expiresAt },
    });
    const simple = (type: 'order.paid' | 'order.cancelled', orderId: string): ChannelEvent => ({
      type,
      eventId: randomUUID(),
      payload: { channel: 'shop', channelOrderId: orderId, sku },
    });
    const envelope = (type: string, payload: unknown, extra: Record<string, unknown> = {}) =>
      Buffer.from(
        JSON.stringify({
          eventId: randomUUID(),
          type,
          schemaVersion: 1,
          source: 'outside-producer',
          occurredAt: new Date().toISOString(),
          correlationId: randomUUID(),
          payload,
          ...extra,
        }),
      );
    const valid: string[] = [];
    const send = async (label: string | undefined, message: Message) => {
      const [meta] = await producer.send({ topic, messages: [message] });
      if (label) bad.set(`${meta.partition}:${meta.baseOffset}`, label);
      else valid.push((JSON.parse(String(message.value)) as { correlationId: string }).correlationId);
    };
    const run = `${stack.run}`;
    const { result, collected } = await runner.run({
      name: 'outside producer: malformed, oversized, duplicated, reordered',
      catalogue: catalogue('HX', { quantity: 5, cardKey: 2, stock: 40, keys: 20 }),
      traffic: { orders: 80, ratePerSecond: 4, seed: 808 },
      faultAfterAcked: 10,
      fault: async () => {
        await producer.connect();
        try {
          const order = {
            channel: 'shop',
            channelOrderId: `bad-${run}`,
            sku,
            lines: [{ quantity: 1 }],
            expiresAt,
          };
          await send('not JSON', { key: sku, value: Buffer.from('{"eventId": "half a record') });
          await send('JSON, not an envelope', {
            key: sku,
            value: Buffer.from(JSON.stringify({ hello: 'world' })),
          });
          await send('unknown type', { key: sku, value: envelope('order.teleported', order) });
          await send('unknown schema version', {
            key: sku,
            value: envelope('order.placed', order, { schemaVersion: 99 }),
          });
          await send('negative quantity', {
            key: sku,
            value: envelope('order.placed', { ...order, lines: [{ quantity: -3 }] }),
          });
          await send('whitespace in an id', {
            key: sku,
            value: envelope('order.placed', { ...order, channelOrderId: 'two words' }),
          });
          await send('key of another SKU', { key: 'HX-Q1', value: envelope('order.placed', order) });
          await send('oversized (~900 kB)', {
            key: sku,
            value: envelope('order.cancelled', {
              channel: 'shop',
              channelOrderId: `big-${run}`,
              sku,
              note: 'x'.repeat(900_000),
            }),
          });
          // Valid records, duplicated and out of order.
          const h1 = placed(`h1-${run}`);
          for (let i = 0; i < 3; i++) await send(undefined, event(h1));
          await send(undefined, event(placed(`h2-${run}`)));
          await send(undefined, event(placed(`h2-${run}`)));
          await send(undefined, event(simple('order.cancelled', `h3-${run}`)));
          await send(undefined, event(placed(`h3-${run}`)));
          await send(undefined, event(simple('order.paid', `h4-${run}`)));
          await send(undefined, event(placed(`h4-${run}`)));
          await send(undefined, event(simple('order.paid', `h4-${run}`)));
        } finally {
          await producer.disconnect();
        }
        // The settling waits for the platforms' notices only: wait here until these records were dealt with too.
        await until('every outside record dead-lettered or answered', Date.now() + 60_000, async () => {
          const dead = deadLettersOf(await readWholeTopic(stack.brokers, `${stack.prefix}stock.dlq`));
          const answered = new Set(
            outcomesOf(await readWholeTopic(stack.brokers, `${stack.prefix}stock.order-outcomes`)).map(
              (o) => o.correlationId,
            ),
          );
          const missingDead = [...bad.keys()].filter(
            (k) => !dead.some((d) => `${d.sourcePartition}:${d.sourceOffset}` === k),
          );
          const unanswered = valid.filter((id) => !answered.has(id));
          return missingDead.length + unanswered.length === 0
            ? undefined
            : `${missingDead.length} not dead-lettered, ${unanswered.length} not answered`;
        });
        return Date.now();
      },
    });

    // Every bad record, and only those, set aside with a reason.
    const fromInventory = collected.deadLetters.filter((d) => d.sourceTopic === topic);
    const dead = new Map(fromInventory.map((d) => [`${d.sourcePartition}:${d.sourceOffset}`, d]));
    expect([...dead.keys()].sort()).toEqual([...bad.keys()].sort());
    for (const d of dead.values()) {
      expect(d.reasonCode).toMatch(/^[A-Z]/);
      expect(d.reason.length).toBeGreaterThan(0);
    }
    expect(result.deadLetters).toBe(bad.size);

    // The valid ones applied once, whatever their order.
    const decisionsOf = (id: string) =>
      collected.history.decisions.filter(
        (d) => d.orderKey === orderKey('shop', `${id}-${run}`) && d.sku === sku,
      );
    expect(decisionsOf('h1').filter((d) => d.kind === 'reserved')).toHaveLength(1);
    expect(decisionsOf('h2').filter((d) => d.kind === 'reserved' || d.kind === 'rejected')).toHaveLength(1);
    // A cancel that came before its placement wins: the order holds nothing.
    expect(decisionsOf('h3').at(-1)?.kind ?? 'none').not.toBe('reserved');
    expect(decisionsOf('h4').filter((d) => d.kind === 'confirmed')).toHaveLength(1);

    // And every service still up.
    for (const app of stack.apps.values())
      if (app.running) expect(await app.probe('/health/ready')).toBe(200);
  }, 420_000);

  it('platforms answering 429 with Retry-After 3000000, 5xx bursts and hung calls: the other channels unaffected', async () => {
    const { taobao, pinduoduo, miniprogram } = stack.platforms;
    let shopKeptUp = 0;
    try {
      const { result } = await runner.run({
        name: 'platforms: 429 with huge Retry-After, 5xx bursts, timeouts',
        catalogue: catalogue('PF', { quantity: 5, cardKey: 2, stock: 40, keys: 20 }),
        traffic: { orders: 120, ratePerSecond: 4, seed: 909 },
        faultAfterAcked: 5,
        fault: async (traffic) => {
          Object.assign(taobao.faults, {
            tooManyRequests: 1_000_000,
            retryAfterSeconds: 3_000_000,
            deliveryTooManyRequests: 1_000_000,
          });
          Object.assign(pinduoduo.faults, { serverErrors: 40, deliveryFailures: 10 });
          Object.assign(miniprogram.faults, { hangs: 8, deliveryHangs: 3 });
          await traffic.whenDone();
          // While the others are failing, the shop keeps its listings in step with the truth.
          const started = Date.now();
          await listingsConverged(stack, Date.now() + 30_000, ['shop']);
          shopKeptUp = (Date.now() - started) / 1000;
          Object.assign(taobao.faults, { tooManyRequests: 0, deliveryTooManyRequests: 0 });
          Object.assign(pinduoduo.faults, { serverErrors: 0, deliveryFailures: 0 });
          Object.assign(miniprogram.faults, { hangs: 0, deliveryHangs: 0 });
          return Date.now();
        },
      });
      expect(result.deadLetters).toBe(0);
      // The faults did land: each faulted platform refused calls the way it was told to.
      const answered = (p: typeof taobao, result: string) => p.calls.some((c) => c.result === result);
      expect([
        answered(taobao, 'http-429'),
        answered(pinduoduo, 'http-503'),
        answered(miniprogram, 'hang'),
      ]).toEqual([true, true, true]);
      process.stdout.write(
        `fault measure: shop in step ${shopKeptUp} s after the last order while the others failed\n`,
      );
    } finally {
      for (const p of [taobao, pinduoduo, miniprogram])
        Object.assign(p.faults, {
          tooManyRequests: 0,
          serverErrors: 0,
          hangs: 0,
          deliveryFailures: 0,
          deliveryHangs: 0,
          deliveryTooManyRequests: 0,
        });
    }
  }, 420_000);
});
