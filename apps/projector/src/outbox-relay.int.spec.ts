import { PostgresEventStore } from '@libs/event-store';
import { channelTargets } from '@libs/inventory';
import { ChannelTargetsTopic, type EnvelopeOf } from '@libs/messaging';
import { createTestDatabase, eventually, type TestDatabase } from '@libs/testing';
import { Registry } from 'prom-client';
import { appendCommands, foldStore, inventoryHandler, projectToHead } from '../test/projection-fixtures';
import { commandsFor, T0 } from '../test/recorded-streams';
import { SwitchableBus } from '../test/switchable-bus';
import { OutboxRelay } from './outbox-relay';
import { OutboxRelayMetrics } from './outbox-relay.metrics';
import { Projector } from './projector';

type TargetEnvelope = EnvelopeOf<typeof ChannelTargetsTopic>;

describe('the outbox relay on PostgreSQL', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  let projector: Projector;
  let bus: SwitchableBus;
  const received: TargetEnvelope[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('outbox_relay');
    store = await PostgresEventStore.create(db.pool);
    projector = new Projector(db.pool, store);
    bus = new SwitchableBus();
    await bus.subscribe(ChannelTargetsTopic, 'connectors', async (batch) => {
      received.push(...batch.messages.map((m) => m.envelope));
    });
    await bus.start();
  });

  afterAll(async () => {
    await bus?.stop();
    await db?.drop();
  });

  const pendingRows = async () =>
    Number(
      (await db.pool.query(`SELECT count(*) FROM target_outbox WHERE published_at IS NULL`)).rows[0].count,
    );

  it('keeps every target while the broker is unreachable and publishes them, oldest first, once it is back', async () => {
    const sku = commandsFor('GIFT-100');
    await appendCommands(inventoryHandler(store), [
      sku.register(T0, 'quantity'),
      sku.policy(T0, 'taobao'),
      sku.policy(T0, 'shop', { bufferQuantity: 2 }),
      sku.receive(T0 + 1, 'b1', 10),
    ]);
    await projectToHead(projector, db.pool);
    await appendCommands(inventoryHandler(store), [sku.reserve(T0 + 2, 'taobao', 'T1', 3)]);
    await projectToHead(projector, db.pool);
    const written = await pendingRows();
    expect(written).toBe(4);

    bus.reachable = false;
    const metrics = new OutboxRelayMetrics(new Registry());
    const failures: number[] = [];
    const relay = new OutboxRelay(db.pool, bus, {
      pollIntervalMs: 20,
      retryDelayMs: 10,
      maxRetryDelayMs: 80,
      metrics,
      wake: projector.targetsWritten,
      onError: (_error, consecutive) => failures.push(consecutive),
    });
    relay.start();
    try {
      await eventually(() => failures.length >= 4 || undefined, 10_000, 'several failed rounds');
      expect(failures.slice(0, 4)).toEqual([1, 2, 3, 4]);
      expect(await pendingRows()).toBe(written);
      expect((await metrics.pending.get()).values[0].value).toBe(written);
      expect(received).toEqual([]);

      bus.reachable = true;
      await eventually(async () => (await pendingRows()) === 0 || undefined, 10_000, 'the outbox to drain');
      await eventually(() => received.length === 2 || undefined, 5_000, 'the targets to arrive');
    } finally {
      await relay.stop();
    }
    // The page held two targets per channel; only the newest of each was worth sending, and all rows are settled.
    expect(received.map((e) => e.payload)).toEqual([
      { channel: 'taobao', sku: 'GIFT-100', quantity: 7, skuVersion: 5 },
      { channel: 'shop', sku: 'GIFT-100', quantity: 5, skuVersion: 5 },
    ]);
    expect((await metrics.published.get()).values[0].value).toBe(written);
    expect((await metrics.publishFailures.get()).values[0].value).toBeGreaterThanOrEqual(4);
    const { rows } = await db.pool.query(
      `SELECT channel, target, target_version FROM channel_stock ORDER BY channel`,
    );
    expect(rows).toEqual([
      { channel: 'shop', target: '5', target_version: '5' },
      { channel: 'taobao', target: '7', target_version: '5' },
    ]);
  });

  it('follows the projector live: a sale reaches the outbox and the bus without polling delays', async () => {
    const live = new Projector(db.pool, store, { pollIntervalMs: 10_000 });
    const relay = new OutboxRelay(db.pool, bus, { pollIntervalMs: 10_000, wake: live.targetsWritten });
    // Appends from this process's store wake the subscription; the projector's signal wakes the relay.
    await live.start();
    relay.start();
    try {
      const before = received.length;
      const started = Date.now();
      await appendCommands(inventoryHandler(store), [
        commandsFor('GIFT-100').reserve(T0 + 3, 'shop', 'S1', 1),
      ]);
      await eventually(() => received.length >= before + 2 || undefined, 15_000, 'the new targets');
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await relay.stop();
      await live.stop();
    }
    const folds = await foldStore(store, db.pool);
    const { rows } = await db.pool.query(`SELECT channel, target FROM channel_stock WHERE sku = 'GIFT-100'`);
    expect(Object.fromEntries(rows.map((r) => [r.channel, Number(r.target)]))).toEqual(
      channelTargets(folds.get('GIFT-100')!.state),
    );
  });

  it('sets aside a target the topic refuses, with its reason, and goes on with the rest', async () => {
    await db.pool.query(
      `INSERT INTO target_outbox (channel, sku, quantity, version, occurred_at)
       VALUES ('Not A Channel', 'GIFT-100', 1, 99, now()), ('taobao', 'OTHER', 3, 1, now())`,
    );
    const metrics = new OutboxRelayMetrics(new Registry());
    const relay = new OutboxRelay(db.pool, bus, { metrics });
    expect(await relay.relayOnce()).toBe(2);
    const { rows } = await db.pool.query(
      `SELECT channel, published_at IS NOT NULL AS published, rejected_reason FROM target_outbox WHERE version IN (1, 99) ORDER BY id`,
    );
    expect(rows).toEqual([
      { channel: 'Not A Channel', published: false, rejected_reason: expect.stringContaining('channel') },
      { channel: 'taobao', published: true, rejected_reason: null },
    ]);
    expect((await metrics.rejected.get()).values[0].value).toBe(1);
    expect(await relay.relayOnce()).toBe(0);
  });

  it('records the selling price published with the target in channel_stock, and its removal', async () => {
    await db.pool.query(
      `INSERT INTO target_outbox (channel, sku, quantity, price, version, occurred_at)
       VALUES ('taobao', 'PRICED', 3, 12900, 4, now())`,
    );
    const relay = new OutboxRelay(db.pool, bus);
    await relay.relayOnce();
    const priceOf = async () =>
      (await db.pool.query(`SELECT price FROM channel_stock WHERE channel = 'taobao' AND sku = 'PRICED'`))
        .rows;
    expect(await priceOf()).toEqual([{ price: '12900' }]);
    // The rule for the channel removed: the next target carries no price, and neither does the row.
    await db.pool.query(
      `INSERT INTO target_outbox (channel, sku, quantity, price, version, occurred_at)
       VALUES ('taobao', 'PRICED', 3, NULL, 5, now())`,
    );
    await relay.relayOnce();
    expect(await priceOf()).toEqual([{ price: null }]);
  });

  it('never lets an older target replace a newer one in channel_stock', async () => {
    await db.pool.query(
      `INSERT INTO target_outbox (channel, sku, quantity, version, occurred_at) VALUES ('shop', 'OLDER', 9, 10, now())`,
    );
    const relay = new OutboxRelay(db.pool, bus);
    await relay.relayOnce();
    await db.pool.query(
      `INSERT INTO target_outbox (channel, sku, quantity, version, occurred_at) VALUES ('shop', 'OLDER', 4, 8, now())`,
    );
    await relay.relayOnce();
    const { rows } = await db.pool.query(
      `SELECT target, target_version FROM channel_stock WHERE sku = 'OLDER'`,
    );
    expect(rows).toEqual([{ target: '9', target_version: '10' }]);
  });
});
