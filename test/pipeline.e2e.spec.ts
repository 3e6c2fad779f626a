import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { PostgresEventStore } from '@libs/event-store';
import {
  channelTargets,
  inventoryDecider,
  stockLevels,
  type InventoryEvent,
  type InventoryState,
} from '@libs/inventory';
import { createInventoryBatchHandler, skuStreamId } from '@libs/inventory-application';
import {
  ChannelEventsTopic,
  ChannelTargetsTopic,
  OrderOutcomesTopic,
  type OutgoingMessage,
} from '@libs/messaging';
import { startApp } from '@libs/runtime';
import {
  createTestDatabase,
  deleteTopicsWithPrefix,
  eventually,
  testKafkaBus,
  uniqueTopicPrefix,
  type TestDatabase,
} from '@libs/testing';
import { InventoryServiceModule } from '../apps/inventory-service/src/inventory-service.module';
import { ProjectorModule } from '../apps/projector/src/projector.module';
import { mulberry32 } from '../apps/engine/src/simulation/channel-traffic';
import {
  SIMULATED_CHANNELS,
  seedCatalogue,
  simulatedCatalogue,
} from '../apps/engine/src/simulation/catalogue';

type ChannelEvent = OutgoingMessage<typeof ChannelEventsTopic>;

const SKU_COUNT = 50;
const ORDER_COUNT = 800;

/**
 * Sales, payments, cancellations and restocks from four channels on 50 SKUs, through the real broker and
 * PostgreSQL, with duplicated and reordered deliveries. Oracle: read models equal a fold of the events, every
 * channel target equals its policy applied to the final stock, nothing oversold at any version.
 */
describe('the pipeline: channel events → inventory service → event store → projector → channel targets', () => {
  let db: TestDatabase;
  const prefix = uniqueTopicPrefix('pipeline');
  const savedEnv = { ...process.env };
  const apps: INestApplication[] = [];
  const connector = testKafkaBus('connector-test', prefix);
  const answered = new Set<string>();
  const lastTarget = new Map<string, { quantity: number; skuVersion: number }>();
  const random = mulberry32(20261123);
  const catalogue = simulatedCatalogue(SKU_COUNT);

  beforeAll(async () => {
    db = await createTestDatabase('pipeline');
    Object.assign(process.env, {
      DATABASE_URL: db.url,
      KAFKA_TOPIC_PREFIX: prefix,
      HTTP_PORT: '0',
      LOG_LEVEL: 'error',
      RESERVATION_SWEEP_INTERVAL_MS: '600000',
    });
    await seedCatalogue(createInventoryBatchHandler(await PostgresEventStore.create(db.pool)), catalogue);
    await connector.subscribe(OrderOutcomesTopic, 'connector-test', async (batch) => {
      for (const { envelope } of batch.messages) answered.add(envelope.correlationId);
    });
    await connector.subscribe(ChannelTargetsTopic, 'platform-test', async (batch) => {
      for (const { envelope } of batch.messages) {
        const { channel, sku, quantity, skuVersion } = envelope.payload;
        const seen = lastTarget.get(`${channel}:${sku}`);
        if (!seen || seen.skuVersion <= skuVersion)
          lastTarget.set(`${channel}:${sku}`, { quantity, skuVersion });
      }
    });
    await connector.start();
    apps.push((await startApp(InventoryServiceModule)).app, (await startApp(ProjectorModule)).app);
  });

  afterAll(async () => {
    await connector.stop();
    for (const app of apps) await app.close().catch(() => undefined);
    process.env = savedEnv;
    await deleteTopicsWithPrefix(prefix);
    await db?.drop();
  });

  it('ends with read models equal to a fold of the events, targets equal to the policies, and no oversell', async () => {
    const { deliveries, orderEventIds } = scenario();
    for (let i = 0; i < deliveries.length; i += 100)
      await connector.publish(ChannelEventsTopic, deliveries.slice(i, i + 100));
    await eventually(
      () => [...orderEventIds].every((id) => answered.has(id)) || undefined,
      90_000,
      'an answer to every order event',
    );

    const streams = await db.pool.query<{ stream_id: string; version: string }>(
      'SELECT stream_id, version FROM event_streams',
    );
    await eventually(
      async () => {
        const { rows } = await db.pool.query<{ sku: string; version: string }>(
          'SELECT sku, version FROM sku_stock',
        );
        const projected = new Map(rows.map((r) => [skuStreamId(r.sku), r.version]));
        return streams.rows.every((s) => projected.get(s.stream_id) === s.version) || undefined;
      },
      60_000,
      'the projector to catch up',
    );

    const store = new PostgresEventStore(db.pool);
    for (const { sku } of catalogue) {
      const events = await store.readStream(skuStreamId(sku));
      let state: InventoryState = inventoryDecider.initialState();
      for (const e of events) {
        state = inventoryDecider.evolve(state, { type: e.type, data: e.data } as InventoryEvent);
        const levels = stockLevels(state);
        expect(levels.onHand - levels.reserved).toBeGreaterThanOrEqual(0);
        expect(levels.received - levels.adjusted - levels.delivered).toBe(levels.onHand);
      }
      const levels = stockLevels(state);
      const [row] = (await db.pool.query('SELECT * FROM sku_stock WHERE sku = $1', [sku])).rows;
      expect({
        sku,
        onHand: Number(row.on_hand),
        reserved: Number(row.reserved),
        available: Number(row.available),
        version: Number(row.version),
      }).toEqual({
        sku,
        onHand: levels.onHand,
        reserved: levels.reserved,
        available: levels.available,
        version: events[events.length - 1].version,
      });

      const targets = channelTargets(state);
      const channelRows = (
        await db.pool.query('SELECT channel, target FROM channel_stock WHERE sku = $1', [sku])
      ).rows;
      expect(Object.fromEntries(channelRows.map((r) => [r.channel, Number(r.target)]))).toEqual(targets);
      for (const channel of SIMULATED_CHANNELS) {
        await eventually(
          () => lastTarget.get(`${channel}:${sku}`)?.quantity === targets[channel] || undefined,
          30_000,
          `the published target of ${channel}:${sku}`,
        );
      }
    }

    // Each channel event was applied by exactly one append, however often it was delivered.
    const { rows: perCommand } = await db.pool.query<{ n: string }>(
      `SELECT count(DISTINCT transaction_id) AS n FROM events WHERE metadata ? 'causationId' GROUP BY metadata->>'causationId' HAVING count(DISTINCT transaction_id) > 1`,
    );
    expect(perCommand).toEqual([]);
  });

  /** The notices the connectors would send, with 10% delivered twice and independent orders interleaved. */
  function scenario(): { deliveries: ChannelEvent[]; orderEventIds: Set<string> } {
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    const placed: ChannelEvent[] = [];
    const followUps: ChannelEvent[] = [];
    const restocks: ChannelEvent[] = [];
    for (let i = 0; i < ORDER_COUNT; i++) {
      const sku = catalogue[Math.floor(random() ** 2 * SKU_COUNT)].sku;
      const channel = SIMULATED_CHANNELS[i % SIMULATED_CHANNELS.length];
      const channelOrderId = `${channel}-${i}`;
      placed.push({
        type: 'order.placed',
        eventId: randomUUID(),
        payload: { channel, channelOrderId, sku, lines: [{ quantity: 1 + (i % 2) }], expiresAt },
      });
      const roll = random();
      if (roll < 0.6)
        followUps.push({
          type: 'order.paid',
          eventId: randomUUID(),
          payload: { channel, channelOrderId, sku },
        });
      else if (roll < 0.85)
        followUps.push({
          type: 'order.cancelled',
          eventId: randomUUID(),
          payload: { channel, channelOrderId, sku },
        });
    }
    for (const s of catalogue.slice(0, 10)) {
      restocks.push({
        type: 'stock.restocked',
        eventId: randomUUID(),
        payload:
          s.kind === 'cardKey'
            ? {
                sku: s.sku,
                batchId: 'restock-1',
                units: [{ unitId: `${s.sku}-r1`, fingerprint: `fp${s.sku}r1` }],
              }
            : { sku: s.sku, batchId: 'restock-1', quantity: 15 },
      });
    }
    // Orders first (a notice for an order comes before its payment on one SKU's partition), restocks in between,
    // payments and cancellations shuffled among themselves, then one delivery in ten repeated at the end.
    const shuffledFollowUps = [...followUps].sort(() => random() - 0.5);
    const deliveries = [
      ...placed.slice(0, ORDER_COUNT / 2),
      ...restocks,
      ...placed.slice(ORDER_COUNT / 2),
      ...shuffledFollowUps,
    ];
    const repeats = deliveries.filter(() => random() < 0.1);
    const orderEventIds = new Set([...placed, ...followUps].map((e) => e.eventId!));
    return { deliveries: [...deliveries, ...repeats], orderEventIds };
  }
});
