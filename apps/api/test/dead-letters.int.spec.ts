import { randomUUID } from 'node:crypto';
import { KafkaConfig } from '@libs/config';
import {
  ChannelEventsTopic,
  DeadLettersTopic,
  MessageBus,
  partitionForKey,
  topicName,
} from '@libs/messaging';
import { eventually, testBrokers } from '@libs/testing';
import { type IHeaders, Kafka, logLevel } from 'kafkajs';
import { type ApiTestApp, startApiTestApp } from './api-test-app';

/**
 * The dead letters of the operations API: records the inventory service really set aside on stock.dlq (real
 * PostgreSQL and Kafka), listed and shown without their value, and replayed to their source topic.
 */
describe('operations API dead letters', () => {
  let api: ApiTestApp;
  let kafka: Kafka;
  let prefix: string;
  let channelEvents: string;
  let analyst: string;
  let stock: string;
  let operator: string;

  beforeAll(async () => {
    api = await startApiTestApp('api_dead_letters');
    prefix = api.app.get(KafkaConfig).topicPrefix ?? '';
    channelEvents = topicName(ChannelEventsTopic, prefix);
    kafka = new Kafka({ clientId: 'dead-letters-test', brokers: testBrokers(), logLevel: logLevel.NOTHING });
    analyst = await api.keyFor('analyst');
    stock = await api.keyFor('inventory-admin', 'stock-sam');
    operator = await api.keyFor('order-operator');
  });

  afterAll(async () => {
    await api?.close();
  });

  /** Waits until the API lists a dead letter that `match` picks (other dead letters may come in between). */
  async function listedLetter(match: (item: Record<string, unknown>) => boolean, timeoutMs = 30_000) {
    return eventually(
      async () =>
        (
          (await api.call('GET', '/v1/dead-letters', { key: analyst })).body.items as Record<
            string,
            unknown
          >[]
        ).find(match),
      timeoutMs,
      'the dead letter',
    );
  }

  async function send(key: string, value: Buffer, headers: IHeaders = {}): Promise<string> {
    const producer = kafka.producer();
    await producer.connect();
    try {
      const [sent] = await producer.send({
        topic: channelEvents,
        acks: -1,
        messages: [{ key, value, headers }],
      });
      return sent.baseOffset!;
    } finally {
      await producer.disconnect();
    }
  }

  /** The records of the source topic's partition from `from` on, until `until` is among them. */
  async function sourceRecords(partition: number, until: string) {
    const seen = new Map<string, { key: string; value: Buffer; headers: IHeaders }>();
    const consumer = kafka.consumer({ groupId: `${prefix}check-${randomUUID()}`, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: channelEvents, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition: p, message }) => {
        if (p === partition)
          seen.set(message.offset, {
            key: String(message.key),
            value: message.value!,
            headers: message.headers ?? {},
          });
      },
    });
    try {
      await eventually(() => seen.has(until) || undefined, 30_000, `offset ${until} of ${channelEvents}`);
    } finally {
      await consumer.disconnect();
    }
    return seen;
  }

  describe('a record the inventory service cannot read', () => {
    const SECRET = 'CARDKEY-SECRET-7f3a9c';
    // Not JSON, and a parse error quotes the start of it: the API must not show that quote.
    const poison = Buffer.from(`card ${SECRET} for order T-1`);
    let poisonOffset: string;

    beforeAll(async () => {
      poisonOffset = await send('POISON-1', poison, { 'x-sent-by': 'dead-letters-test' });
      await listedLetter((i) => i.key === 'POISON-1');
    });

    it('is listed for every role with its source, reason code and text, and never its value', async () => {
      for (const key of [analyst, operator, stock]) {
        const res = await api.call('GET', '/v1/dead-letters', { key });
        expect(res.status).toBe(200);
        const item = res.body.items.find((i: { key: string }) => i.key === 'POISON-1');
        expect(item).toEqual({
          partition: 0,
          offset: expect.stringMatching(/^\d+$/),
          sourceTopic: channelEvents,
          sourcePartition: partitionForKey('POISON-1', ChannelEventsTopic.defaultPartitions),
          sourceOffset: poisonOffset,
          reason: 'MESSAGING.INVALID_JSON',
          detail: expect.stringContaining('not UTF-8 JSON'),
          at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
          key: 'POISON-1',
          consumerGroup: 'inventory-service',
          attempts: 0,
          replayable: true,
        });
        expect(item.detail).toContain('<input withheld>');
        const body = JSON.stringify(res.body);
        expect(body).not.toContain(SECRET);
        expect(body).not.toContain(poison.toString('base64'));
        expect(body).not.toContain('dead-letters-test');
      }
    });

    it('shows one dead letter as the list does, and 404 where there is none', async () => {
      const listed = (await api.call('GET', '/v1/dead-letters', { key: analyst })).body.items.find(
        (i: { key: string }) => i.key === 'POISON-1',
      );
      const one = await api.call('GET', `/v1/dead-letters/0/${listed.offset}`, { key: analyst });
      expect(one.status).toBe(200);
      expect(one.body).toEqual(listed);

      for (const path of ['/v1/dead-letters/0/999999', '/v1/dead-letters/7/0']) {
        const missing = await api.call('GET', path, { key: analyst });
        expect(missing.status).toBe(404);
        expect(missing.body.code).toBe('API.NOT_FOUND');
      }
      const replayMissing = await api.call('POST', '/v1/dead-letters/0/999999/replay', { key: stock });
      expect(replayMissing.status).toBe(404);
      expect(replayMissing.body.code).toBe('API.NOT_FOUND');
    });

    it('refuses a bad limit or position', async () => {
      for (const path of [
        '/v1/dead-letters?limit=0',
        '/v1/dead-letters?limit=1001',
        '/v1/dead-letters?limit=x',
        '/v1/dead-letters/-1/0',
        '/v1/dead-letters/0/01',
        '/v1/dead-letters/0/abc',
      ]) {
        const res = await api.call('GET', path, { key: analyst });
        expect([path, res.status, res.body.code]).toEqual([path, 400, 'API.VALIDATION_FAILED']);
      }
    });

    it('replays only for inventory-admin and admin: analyst and order-operator get 403 and nothing is written', async () => {
      const listed = (await api.call('GET', '/v1/dead-letters', { key: analyst })).body.items.find(
        (i: { key: string }) => i.key === 'POISON-1',
      );
      const admin = kafka.admin();
      await admin.connect();
      const records = async () =>
        (await admin.fetchTopicOffsets(channelEvents)).reduce((n, p) => n + Number(p.high), 0);
      try {
        const before = await records();
        for (const key of [analyst, operator]) {
          const res = await api.call('POST', `/v1/dead-letters/0/${listed.offset}/replay`, { key });
          expect(res.status).toBe(403);
          expect(res.body.code).toBe('API.FORBIDDEN');
        }
        expect(await records()).toBe(before);
      } finally {
        await admin.disconnect();
      }
    });

    it('replays the exact bytes, key and headers to the source topic and says where they went', async () => {
      const listed = (await api.call('GET', '/v1/dead-letters', { key: analyst })).body.items.find(
        (i: { key: string }) => i.key === 'POISON-1',
      );
      const res = await api.call('POST', `/v1/dead-letters/0/${listed.offset}/replay`, { key: stock });
      expect(res.status).toBe(200);
      const partition = partitionForKey('POISON-1', ChannelEventsTopic.defaultPartitions);
      expect(res.body).toEqual({
        deadLetter: { topic: topicName(DeadLettersTopic, prefix), partition: 0, offset: listed.offset },
        replayedTo: { topic: channelEvents, partition, offset: expect.stringMatching(/^\d+$/) },
        key: 'POISON-1',
        replayedBy: 'stock-sam',
        replayedAt: expect.stringMatching(/^\d{4}-/),
      });
      expect(Number(res.body.replayedTo.offset)).toBeGreaterThan(Number(poisonOffset));

      const seen = await sourceRecords(partition, res.body.replayedTo.offset);
      const replayed = seen.get(res.body.replayedTo.offset)!;
      expect(replayed.key).toBe('POISON-1');
      expect(replayed.value.equals(poison)).toBe(true);
      expect(String(replayed.headers['x-sent-by'])).toBe('dead-letters-test');
    });
  });

  describe('a command whose handler kept failing, replayed once the cause is fixed', () => {
    const SKU = 'dlq-gift-1';
    const BODY = `dlq-body-${randomUUID()}`;
    const COMMAND = `dlq-command-${randomUUID()}`;
    let letter: { partition: number; offset: string };

    beforeAll(async () => {
      expect(
        (await api.call('POST', '/v1/skus', { key: stock, json: { sku: SKU, kind: 'quantity' } })).status,
      ).toBe(201);
      // The command's body travels apart (command_bodies) and is not there: the owner's handler fails on it until
      // the bus gives up and sets the message aside.
      await api.app.get(MessageBus).publish(ChannelEventsTopic, [
        {
          type: 'inventory.command',
          eventId: COMMAND,
          payload: {
            sku: SKU,
            commandId: COMMAND,
            commandType: 'ReceiveStock',
            bodyRef: BODY,
            actor: 'stock-sam',
          },
        },
      ]);
      letter = (await listedLetter((i) => i.eventId === COMMAND, 60_000)) as typeof letter;
    }, 90_000);

    it('is listed newest first with the handler failure, the type and the event id', async () => {
      const res = await api.call('GET', '/v1/dead-letters', { key: analyst });
      const item = res.body.items.find((i: { eventId?: string }) => i.eventId === COMMAND);
      expect(item).toMatchObject({
        partition: letter.partition,
        offset: letter.offset,
        reason: 'MESSAGING.HANDLER_FAILED',
        detail: expect.stringContaining(`command body ${BODY} was not found`),
        key: SKU,
        type: 'inventory.command',
        eventId: COMMAND,
        consumerGroup: 'inventory-service',
        attempts: expect.any(Number),
        firstFailedAt: expect.any(String),
        replayable: true,
      });
      const at = res.body.items.map((i: { at: string }) => i.at);
      expect(at).toEqual([...at].sort().reverse());
      const newest = await api.call('GET', '/v1/dead-letters?limit=1', { key: analyst });
      expect(newest.body.items).toHaveLength(1);
      expect(newest.body.items[0].at).toBe(at[0]);
    });

    it('is applied once however often it is replayed: the owner dedupes on the command id', async () => {
      await api.db.pool.query('INSERT INTO command_bodies (body_id, body) VALUES ($1, $2)', [
        BODY,
        { batchId: 'po-dlq-1', quantity: 5 },
      ]);
      const path = `/v1/dead-letters/${letter.partition}/${letter.offset}/replay`;
      const first = await api.call('POST', path, { key: stock });
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ eventId: COMMAND, key: SKU, replayedTo: { topic: channelEvents } });
      const received = async () =>
        (await api.call('GET', `/v1/skus/${SKU}/events`, { key: analyst })).body.items.filter(
          (e: { type: string }) => e.type === 'StockReceived',
        );
      await eventually(
        async () => ((await received()).length === 1 ? true : undefined),
        30_000,
        'the receipt',
      );

      // admin may always replay; the second copy lands after the first.
      const second = await api.call('POST', path);
      expect(second.status).toBe(200);
      expect(second.body.replayedBy).toBe('bootstrap-admin');
      expect(second.body.replayedTo.partition).toBe(first.body.replayedTo.partition);
      expect(BigInt(second.body.replayedTo.offset)).toBeGreaterThan(BigInt(first.body.replayedTo.offset));
      // A later command of the same SKU is decided after the second copy (one partition, in order).
      const later = await api.call('POST', `/v1/skus/${SKU}/receipts`, {
        key: stock,
        json: { batchId: 'po-dlq-2', quantity: 1 },
      });
      expect(later.status).toBe(201);

      // The receipt of the replays once, and the later one: nothing more.
      expect((await received()).length).toBe(2);
    });
  });

  describe('a dead letter that kept only an excerpt of its record', () => {
    it('is listed as not replayable, and its replay is refused with 409 and writes nothing', async () => {
      await send('POISON-BIG', Buffer.alloc(100_000, 'x'));
      const item = (await listedLetter((i) => i.key === 'POISON-BIG')) as {
        partition: number;
        offset: string;
        detail: string;
      };
      expect(item).toMatchObject({ reason: 'MESSAGING.INVALID_JSON', replayable: false });
      expect(item.detail.length).toBeLessThanOrEqual(500);

      const admin = kafka.admin();
      await admin.connect();
      try {
        const records = async () =>
          (await admin.fetchTopicOffsets(channelEvents)).reduce((n, p) => n + Number(p.high), 0);
        const written = await records();
        const res = await api.call('POST', `/v1/dead-letters/${item.partition}/${item.offset}/replay`, {
          key: stock,
        });
        expect(res.status).toBe(409);
        expect(res.body.code).toBe('API.CONFLICT');
        expect(res.body.message).toContain('cannot be replayed');
        expect(await records()).toBe(written);
      } finally {
        await admin.disconnect();
      }
    });
  });

  it('documents the three routes in the OpenAPI document', async () => {
    const paths = (await api.call('GET', '/docs-json', { key: null })).body.paths;
    expect(paths['/v1/dead-letters'].get.summary).toEqual(expect.any(String));
    expect(paths['/v1/dead-letters/{partition}/{offset}'].get.summary).toEqual(expect.any(String));
    expect(paths['/v1/dead-letters/{partition}/{offset}/replay'].post.summary).toEqual(expect.any(String));
  });
});
