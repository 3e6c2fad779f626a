import { PostgresEventStore } from '@libs/event-store';
import { channelTargets } from '@libs/inventory';
import { ChannelTargetsTopic, type EnvelopeOf, type KafkaMessageBus } from '@libs/messaging';
import {
  createTestDatabase,
  deleteTopicsWithPrefix,
  eventually,
  testKafkaBus,
  uniqueTopicPrefix,
  type TestDatabase,
} from '@libs/testing';
import { appendCommands, foldStore, inventoryHandler, projectToHead } from '../test/projection-fixtures';
import { tradingDay } from '../test/scenario';
import { OutboxRelay } from './outbox-relay';
import { Projector } from './projector';

type TargetEnvelope = EnvelopeOf<typeof ChannelTargetsTopic>;

describe('channel targets through the real broker', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  let projectorBus: KafkaMessageBus;
  let connectorBus: KafkaMessageBus;
  const prefix = uniqueTopicPrefix('projector');
  const received: { key: string; partition: number; envelope: TargetEnvelope }[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('projector_kafka');
    store = await PostgresEventStore.create(db.pool);
    projectorBus = testKafkaBus('projector', prefix);
    connectorBus = testKafkaBus('connector-test', prefix);
    await connectorBus.subscribe(ChannelTargetsTopic, 'connectors', async (batch) => {
      received.push(...batch.messages.map(({ key, partition, envelope }) => ({ key, partition, envelope })));
    });
    await projectorBus.start();
    await connectorBus.start();
  });

  afterAll(async () => {
    await connectorBus?.stop();
    await projectorBus?.stop();
    await deleteTopicsWithPrefix(prefix);
    await db?.drop();
  });

  it('publishes every changed target, and what a connector keeps per channel and SKU is the fold’s target', async () => {
    const projector = new Projector(db.pool, store, { batchSize: 25 });
    const relay = new OutboxRelay(db.pool, projectorBus, {
      pollIntervalMs: 50,
      wake: projector.targetsWritten,
    });
    await appendCommands(inventoryHandler(store), tradingDay(7), 8);
    await projectToHead(projector, db.pool);
    relay.start();
    try {
      await eventually(
        async () =>
          (await db.pool.query(`SELECT 1 FROM target_outbox WHERE published_at IS NULL LIMIT 1`)).rowCount ===
          0,
        30_000,
        'the outbox to drain',
      );
    } finally {
      await relay.stop();
    }

    const folds = await foldStore(store, db.pool);
    const expected = new Map<string, { quantity: number; skuVersion: number }>();
    for (const [sku, { state }] of folds) {
      for (const [channel, quantity] of Object.entries(channelTargets(state)))
        expected.set(`${channel}:${sku}`, { quantity, skuVersion: 0 });
    }
    // What a connector does: per key, keep the newest version seen.
    await eventually(
      () => {
        const kept = new Map<string, { quantity: number; skuVersion: number }>();
        for (const { key, envelope } of received) {
          const current = kept.get(key);
          if (!current || envelope.payload.skuVersion >= current.skuVersion) kept.set(key, envelope.payload);
        }
        if (kept.size !== expected.size) return undefined;
        for (const [key, { quantity }] of expected)
          if (kept.get(key)?.quantity !== quantity) return undefined;
        return true;
      },
      30_000,
      'every channel to hold its current target',
    );

    for (const { key, envelope } of received) {
      expect(key).toBe(`${envelope.payload.channel}:${envelope.payload.sku}`);
      expect(envelope.type).toBe('channel-target.set');
      expect(envelope.source).toBe('projector');
    }
    // Within a key, versions only go up (one partition per key, published in outbox order).
    const lastVersion = new Map<string, number>();
    for (const { key, envelope } of received) {
      expect(envelope.payload.skuVersion).toBeGreaterThanOrEqual(lastVersion.get(key) ?? 0);
      lastVersion.set(key, envelope.payload.skuVersion);
    }

    const { rows } = await db.pool.query<{ channel: string; sku: string; target: string }>(
      `SELECT channel, sku, target FROM channel_stock`,
    );
    expect(new Map(rows.map((r) => [`${r.channel}:${r.sku}`, Number(r.target)]))).toEqual(
      new Map([...expected].map(([key, { quantity }]) => [key, quantity])),
    );
  });
});
