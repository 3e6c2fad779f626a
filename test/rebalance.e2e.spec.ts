import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { PostgresEventStore } from '@libs/event-store';
import { createInventoryBatchHandler, skuStreamId } from '@libs/inventory-application';
import { ChannelEventsTopic, OrderOutcomesTopic, type OutgoingMessage } from '@libs/messaging';
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

const SKUS = Array.from({ length: 20 }, (_, i) => `RB-${i}`);
const ORDERS = 1200;
const UNITS_PER_SKU = 40;

describe('two inventory-service instances in one consumer group', () => {
  let db: TestDatabase;
  const prefix = uniqueTopicPrefix('rebalance');
  const savedEnv = { ...process.env };
  const instances: INestApplication[] = [];
  const connector = testKafkaBus('connector-test', prefix);
  const answered = new Map<string, string[]>();

  beforeAll(async () => {
    db = await createTestDatabase('rebalance');
    Object.assign(process.env, {
      DATABASE_URL: db.url,
      KAFKA_TOPIC_PREFIX: prefix,
      HTTP_PORT: '0',
      LOG_LEVEL: 'error',
    });
    const store = await PostgresEventStore.create(db.pool);
    const now = Date.now();
    await createInventoryBatchHandler(store).handleBatch(
      SKUS.flatMap((sku) => [
        {
          streamId: skuStreamId(sku),
          commandId: `reg-${sku}`,
          command: { type: 'RegisterSku' as const, data: { sku, now, kind: 'quantity' as const } },
        },
        {
          streamId: skuStreamId(sku),
          commandId: `stock-${sku}`,
          command: {
            type: 'ReceiveStock' as const,
            data: { sku, now, batchId: 'b', quantity: UNITS_PER_SKU },
          },
        },
      ]),
    );
    await connector.subscribe(OrderOutcomesTopic, 'connector-test', async (batch) => {
      for (const { envelope } of batch.messages) {
        const list = answered.get(envelope.payload.channelOrderId) ?? [];
        list.push(envelope.eventId);
        answered.set(envelope.payload.channelOrderId, list);
      }
    });
    await connector.start();
    for (let i = 0; i < 2; i++) instances.push((await startApp(InventoryServiceModule)).app);
  });

  afterAll(async () => {
    await connector.stop();
    for (const app of instances) await app.close().catch(() => undefined);
    process.env = savedEnv;
    await deleteTopicsWithPrefix(prefix);
    await db?.drop();
  });

  it('loses nothing and applies nothing twice when one instance stops mid-stream', async () => {
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    const orders: OutgoingMessage<typeof ChannelEventsTopic>[] = Array.from({ length: ORDERS }, (_, i) => ({
      type: 'order.placed',
      eventId: randomUUID(),
      payload: {
        channel: ['taobao', 'pinduoduo', 'miniprogram', 'shop'][i % 4],
        channelOrderId: `rb-${i}`,
        sku: SKUS[i % SKUS.length],
        lines: [{ quantity: 1 }],
        expiresAt,
      },
    }));
    await connector.publish(ChannelEventsTopic, orders.slice(0, ORDERS / 2));
    await eventually(() => answered.size >= ORDERS / 10 || undefined, 30_000, 'the first answers');
    await instances[0].close();
    await connector.publish(ChannelEventsTopic, orders.slice(ORDERS / 2));
    // Some messages of the stopped instance's last batch may be delivered again to the survivor: that is allowed.
    await connector.publish(ChannelEventsTopic, orders.slice(0, 50));
    await eventually(() => answered.size === ORDERS || undefined, 60_000, `answers for all ${ORDERS} orders`);

    // Every order decided exactly once in the event store, and every SKU conserved.
    const { rows } = await db.pool.query<{ order_id: string; n: string }>(
      // A batch's refusals of one SKU are stored as one ReservationsRejected naming each order.
      `SELECT order_id, count(*) AS n FROM (
         SELECT data->>'channelOrderId' AS order_id FROM events WHERE type IN ('StockReserved', 'ReservationRejected')
         UNION ALL
         SELECT jsonb_array_elements_text(data->'channelOrderIds') FROM events WHERE type = 'ReservationsRejected'
       ) decided GROUP BY 1`,
    );
    expect(rows).toHaveLength(ORDERS);
    expect(rows.filter((r) => r.n !== '1')).toEqual([]);
    const perSku = await db.pool.query<{ sku: string; reserved: string }>(
      `SELECT data->>'sku' AS sku, sum((data->>'quantity')::int) AS reserved FROM events WHERE type = 'StockReserved' GROUP BY 1`,
    );
    for (const r of perSku.rows) expect(Number(r.reserved)).toBeLessThanOrEqual(UNITS_PER_SKU);
    expect(perSku.rows.reduce((n, r) => n + Number(r.reserved), 0)).toBe(
      Math.min(ORDERS, SKUS.length * UNITS_PER_SKU),
    );
    // A repeated delivery is answered with the same message ids as the first.
    for (const ids of answered.values()) expect(new Set(ids).size).toBe(1);
  });
});
