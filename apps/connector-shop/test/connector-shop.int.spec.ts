import { randomBytes, randomUUID } from 'node:crypto';
import { CardVault } from '@libs/card-vault';
import { PostgresEventStore } from '@libs/event-store';
import { ChannelEventProcessor, createInventoryBatchHandler, skuStreamId } from '@libs/inventory-application';
import { ChannelEventsTopic, type EnvelopeOf, type KafkaMessageBus } from '@libs/messaging';
import {
  sendNotification,
  sendNotifications,
  ShopSimulator,
  type WebhookTarget,
} from '@libs/platform-simulators';
import { ShopAdapter } from '@libs/channels';
import { hashServiceToken, startApp, type StartedApp } from '@libs/runtime';
import {
  createTestDatabase,
  deleteTopicsWithPrefix,
  eventually,
  testKafkaBus,
  uniqueTopicPrefix,
  type TestDatabase,
} from '@libs/testing';
import { ConnectorShopModule } from '../src/connector-shop.module';

const SKU = 'GAME-KEY-1';
const BULK_SKU = 'GAME-KEY-BULK';
const BULK_ORDERS = 50;
const BIG_SKU = 'GAME-KEY-BIG';
const BIG_ORDER_KEYS = 1_001;
const WEBHOOK_SECRET = 'whsec-shop-test';
const SHOP_API_SECRET = 'shop-api-secret-test';
// The reconciler's token for the connector's internal routes (GET /listings).
const SERVICE_TOKEN = 'service-token-for-the-connector-shop-test';

describe('connector-shop on the real broker and PostgreSQL, with the inventory service and a simulated shop', () => {
  let db: TestDatabase;
  let inventoryBus: KafkaMessageBus;
  let watchBus: KafkaMessageBus;
  let connector: StartedApp;
  let target: WebhookTarget;
  const shop = new ShopSimulator(SHOP_API_SECRET);
  const prefix = uniqueTopicPrefix('shop');
  const channelEvents: EnvelopeOf<typeof ChannelEventsTopic>[] = [];
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    db = await createTestDatabase('connector_shop');
    const keys = { k1: randomBytes(32) };
    const fingerprintKey = randomBytes(32);
    const vault = await CardVault.create(db.pool, { activeKeyId: 'k1', keys, fingerprintKey });
    const { stored } = await vault.storeBatch(
      SKU,
      [1, 2, 3, 4].map((n) => ({ unitId: `unit-${n}`, secret: `SECRET-${n}` })),
    );

    // In the vault only, never imported into stock: the key a crashed instance was delivering.
    await vault.storeBatch(SKU, [{ unitId: 'unit-crash', secret: 'SECRET-CRASH' }]);

    const bulk = await vault.storeBatch(
      BULK_SKU,
      Array.from({ length: BULK_ORDERS }, (_, n) => ({ unitId: `bulk-${n}`, secret: `BULK-SECRET-${n}` })),
    );
    const big = await vault.storeBatch(
      BIG_SKU,
      Array.from({ length: BIG_ORDER_KEYS }, (_, n) => ({ unitId: `big-${n}`, secret: `BIG-SECRET-${n}` })),
    );
    const store = await PostgresEventStore.create(db.pool);
    const handler = createInventoryBatchHandler(store);
    const now = Date.now();
    await handler.handleBatch([
      {
        streamId: skuStreamId(SKU),
        commandId: 'register',
        command: { type: 'RegisterSku', data: { sku: SKU, now, kind: 'cardKey' } },
      },
      {
        streamId: skuStreamId(SKU),
        commandId: 'import-1',
        command: {
          type: 'ImportCardKeys',
          data: {
            sku: SKU,
            now,
            batchId: 'b1',
            units: stored.map((s) => ({ unitId: s.unitId, fingerprint: s.fingerprint })),
          },
        },
      },
      {
        streamId: skuStreamId(BULK_SKU),
        commandId: 'register-bulk',
        command: { type: 'RegisterSku', data: { sku: BULK_SKU, now, kind: 'cardKey' } },
      },
      {
        streamId: skuStreamId(BULK_SKU),
        commandId: 'import-bulk',
        command: {
          type: 'ImportCardKeys',
          data: {
            sku: BULK_SKU,
            now,
            batchId: 'bulk',
            units: bulk.stored.map((u) => ({ unitId: u.unitId, fingerprint: u.fingerprint })),
          },
        },
      },
      {
        streamId: skuStreamId(BIG_SKU),
        commandId: 'register-big',
        command: { type: 'RegisterSku', data: { sku: BIG_SKU, now, kind: 'cardKey' } },
      },
      {
        streamId: skuStreamId(BIG_SKU),
        commandId: 'import-big',
        command: {
          type: 'ImportCardKeys',
          data: {
            sku: BIG_SKU,
            now,
            batchId: 'big',
            units: big.stored.map((u) => ({ unitId: u.unitId, fingerprint: u.fingerprint })),
          },
        },
      },
    ]);
    inventoryBus = testKafkaBus('inventory-service', prefix);
    await inventoryBus.subscribe(
      ChannelEventsTopic,
      'inventory-service',
      new ChannelEventProcessor(handler, inventoryBus).handle,
    );
    watchBus = testKafkaBus('watch', prefix);
    await watchBus.subscribe(
      ChannelEventsTopic,
      'watch',
      async (b) => void channelEvents.push(...b.messages.map((m) => m.envelope)),
    );
    await inventoryBus.start();
    await watchBus.start();

    await shop.start();
    Object.assign(process.env, {
      DATABASE_URL: db.url,
      KAFKA_TOPIC_PREFIX: prefix,
      HTTP_PORT: '0',
      LOG_LEVEL: 'silent',
      CONNECTOR_PLATFORM_URL: shop.url,
      CONNECTOR_APP_SECRET: SHOP_API_SECRET,
      CONNECTOR_WEBHOOK_SECRETS: WEBHOOK_SECRET,
      CARD_VAULT_KEYS: `k1:${keys.k1.toString('base64')}`,
      CARD_VAULT_ACTIVE_KEY_ID: 'k1',
      CARD_VAULT_FINGERPRINT_KEY: fingerprintKey.toString('base64'),
      SERVICE_TOKEN_HASHES: hashServiceToken(SERVICE_TOKEN),
    });
    connector = await startApp(ConnectorShopModule);
    target = { url: connector.url, path: '/v1/webhooks/orders', secret: WEBHOOK_SECRET };
  });

  afterAll(async () => {
    await connector?.app.close();
    process.env = savedEnv;
    await watchBus?.stop();
    await inventoryBus?.stop();
    await shop.stop();
    await deleteTopicsWithPrefix(prefix);
    await db?.drop();
  });

  const paid = (orderId: string) => ({ type: 'order.paid', orderId, lines: [{ sku: SKU, quantity: 1 }] });
  const eventsOf = (orderId: string) =>
    channelEvents.filter((e) => 'channelOrderId' in e.payload && e.payload.channelOrderId === orderId);

  it('answers 401 to an invalid, unsigned or stale signature and emits nothing', async () => {
    const forged = await sendNotification(target, paid('FORGED-1'), { signWith: 'not-the-secret' });
    const unsigned = await sendNotification(target, paid('FORGED-1'), { unsigned: true });
    const stale = await sendNotification(target, paid('FORGED-1'), { clockSkewMs: -120_000 });
    expect([forged, unsigned, stale].map((r) => r.status)).toEqual([401, 401, 401]);
    expect([forged, unsigned, stale].map((r) => (r.json as { code: string }).code)).toEqual([
      'WEBHOOK.BAD_SIGNATURE',
      'WEBHOOK.MISSING_SIGNATURE',
      'WEBHOOK.STALE_TIMESTAMP',
    ]);
    // A signed notice sent afterwards arrives; the forged one never did.
    expect((await sendNotification(target, paid('AFTER-FORGED'))).status).toBe(200);
    await eventually(
      // The two notices (the delivery report of its key may follow at any moment).
      () =>
        eventsOf('AFTER-FORGED').filter((e) => e.type.startsWith('order.')).length === 2 ? true : undefined,
      20_000,
      'the signed notice',
    );
    expect(eventsOf('FORGED-1')).toEqual([]);
    const rows = await db.pool.query("SELECT 1 FROM channel_notifications WHERE order_id = 'FORGED-1'");
    expect(rows.rowCount).toBe(0);
  });

  it('five identical payment notices deliver exactly one card key, once', async () => {
    const answers = await sendNotifications(target, [paid('PAY-5X')], { copies: 5, concurrent: true });
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(answers.map((a) => (a.json as { result: string }).result).sort()).toEqual([
      'duplicate',
      'duplicate',
      'duplicate',
      'duplicate',
      'emitted',
    ]);

    const delivered = await eventually(
      () => {
        const d = [...shop.deliveries.values()].filter((x) => x.orderId === 'PAY-5X');
        return d.length > 0 ? d : undefined;
      },
      30_000,
      'the delivery',
    );
    // Let any second delivery that would happen, happen.
    await new Promise((r) => setTimeout(r, 1_500));
    expect([...shop.deliveries.values()].filter((x) => x.orderId === 'PAY-5X')).toEqual(delivered);
    expect(delivered).toHaveLength(1);
    expect(delivered[0].secret).toMatch(/^SECRET-\d$/);
    // The notices once each, and the delivery reported to the inventory once (reported on the pass after it).
    await eventually(
      () => (eventsOf('PAY-5X').some((e) => e.type === 'card-keys.delivered') ? true : undefined),
      20_000,
      'the delivery report',
    );
    expect(
      eventsOf('PAY-5X')
        .map((e) => e.type)
        .sort(),
    ).toEqual(['card-keys.delivered', 'order.paid', 'order.placed']);
    const ledger = await db.pool.query(
      "SELECT state, attempts FROM card_key_deliveries WHERE channel = 'shop' AND order_id = 'PAY-5X'",
    );
    expect(ledger.rows).toEqual([{ state: 'delivered', attempts: 1 }]);
    const reveals = await db.pool.query(
      "SELECT count(*)::int AS n FROM card_key_reveals WHERE order_id = 'PAY-5X'",
    );
    expect(reveals.rows[0].n).toBe(1);
  });

  it('a payment that overtakes its placement still reserves and delivers; the late placement changes nothing', async () => {
    await sendNotifications(target, [
      paid('LATE-PLACED'),
      { type: 'order.placed', orderId: 'LATE-PLACED', lines: [{ sku: SKU, quantity: 1 }] },
    ]);
    await eventually(
      () => ([...shop.deliveries.values()].some((x) => x.orderId === 'LATE-PLACED') ? true : undefined),
      30_000,
      'the delivery',
    );
    await new Promise((r) => setTimeout(r, 1_000));
    expect([...shop.deliveries.values()].filter((x) => x.orderId === 'LATE-PLACED')).toHaveLength(1);
    // Both placements carry one event id: the inventory service applies it once.
    const placed = eventsOf('LATE-PLACED').filter((e) => e.type === 'order.placed');
    expect(new Set(placed.map((e) => e.eventId)).size).toBe(1);
  });

  it('a delivery the shop refuses is retried until it lands, once', async () => {
    shop.faults.deliveryFailures = 2;
    await sendNotification(target, paid('RETRY-DELIVERY'));
    await eventually(
      async () => {
        const r = await db.pool.query(
          "SELECT state, attempts FROM card_key_deliveries WHERE order_id = 'RETRY-DELIVERY'",
        );
        return r.rows[0]?.state === 'delivered' ? r.rows[0] : undefined;
      },
      30_000,
      'the delivery after retries',
    );
    const rows = await db.pool.query(
      "SELECT attempts FROM card_key_deliveries WHERE order_id = 'RETRY-DELIVERY'",
    );
    expect(rows.rows).toEqual([{ attempts: 3 }]);
    expect([...shop.deliveries.values()].filter((x) => x.orderId === 'RETRY-DELIVERY')).toHaveLength(1);
  });

  it('a delivery claimed by a connector that died mid-call is taken again after its lease, and the buyer gets one key', async () => {
    // The inventory had allocated the key to the order (the vault reveals only what the event store allocated),
    // appended through the store so the stream's version stays right for the appends that follow ('any': the
    // SKU's owner may be recording an earlier order's delivery report at the same moment).
    await new PostgresEventStore(db.pool).appendToStream(skuStreamId(SKU), 'any', [
      {
        eventId: randomUUID(),
        type: 'ReservationConfirmed',
        data: {
          sku: SKU,
          at: Date.now(),
          actor: null,
          channel: 'shop',
          channelOrderId: 'CRASHED-1',
          quantity: 1,
          allocatedUnitIds: ['unit-crash'],
          loopUnits: [],
        },
      },
    ]);
    // …and the dead instance had claimed the row (its token, a lease of 1.5 s) and its call had reached the shop.
    const { rows } = await db.pool.query<{ lease_end: Date }>(
      `INSERT INTO card_key_deliveries (channel, order_id, unit_id, sku, attempts, next_attempt_at, claim_token)
       VALUES ('shop', 'CRASHED-1', 'unit-crash', $1, 1, now() + interval '1500 milliseconds',
               '00000000-0000-4000-8000-00000000dead')
       RETURNING next_attempt_at AS lease_end`,
      [SKU],
    );
    const deadInstance = new ShopAdapter({ baseUrl: shop.url, apiSecret: SHOP_API_SECRET, timeoutMs: 2_000 });
    await deadInstance.deliverCardKeys('CRASHED-1', SKU, [{ unitId: 'unit-crash', secret: 'SECRET-CRASH' }]);

    const delivered = await eventually(
      async () => {
        const r = await db.pool.query<{ state: string; attempts: number; delivered_at: Date }>(
          "SELECT state, attempts, delivered_at FROM card_key_deliveries WHERE order_id = 'CRASHED-1'",
        );
        return r.rows[0].state === 'delivered' ? r.rows[0] : undefined;
      },
      10_000,
      'the delivery after the lease',
    );
    // Taken again only once the lease had run out, by a claim of its own, and the shop kept one copy.
    expect(delivered.delivered_at.getTime()).toBeGreaterThanOrEqual(rows[0].lease_end.getTime());
    expect(delivered.attempts).toBe(2);
    expect(shop.deliveryLog.filter((d) => d.orderId === 'CRASHED-1').map((d) => d.duplicate)).toEqual([
      false,
      true,
    ]);
    expect([...shop.deliveries.values()].filter((x) => x.orderId === 'CRASHED-1')).toHaveLength(1);
  });

  it('delivers one distinct key to each of 50 orders paid at once', async () => {
    await Promise.all(
      Array.from({ length: BULK_ORDERS }, async (_, n) => {
        const orderId = `BULK-${n}`;
        const answer = await sendNotification(target, {
          type: 'order.paid',
          orderId,
          lines: [{ sku: BULK_SKU, quantity: 1 }],
        });
        expect(answer.status).toBe(200);
      }),
    );
    const delivered = await eventually(
      () => {
        const d = [...shop.deliveries.values()].filter((x) => x.orderId.startsWith('BULK-'));
        return d.length === BULK_ORDERS ? d : undefined;
      },
      30_000,
      'every bulk delivery',
    );
    // The latency from notice to delivery is measured by bench/card-key-delivery.bench.ts, not asserted here.
    expect(new Set(delivered.map((d) => d.unitId)).size).toBe(BULK_ORDERS);
    expect(new Set(delivered.map((d) => d.orderId)).size).toBe(BULK_ORDERS);
  });

  it('a paid order of 1,001 keys is announced in parts and every key reaches the buyer once', async () => {
    const answer = await sendNotification(target, {
      type: 'order.paid',
      orderId: 'BIG-1',
      lines: [{ sku: BIG_SKU, quantity: BIG_ORDER_KEYS }],
    });
    expect(answer.status).toBe(200);

    await eventually(
      async () => {
        const r = await db.pool.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM card_key_deliveries WHERE order_id = 'BIG-1' AND state = 'delivered'",
        );
        return r.rows[0].n === BIG_ORDER_KEYS ? true : undefined;
      },
      60_000,
      'every key of the big order delivered',
    );
    const handed = shop.deliveryLog.filter((d) => d.orderId === 'BIG-1' && !d.duplicate);
    expect(new Set(handed.map((d) => d.unitId)).size).toBe(BIG_ORDER_KEYS);
    expect(handed).toHaveLength(BIG_ORDER_KEYS);
  });

  it('serves the shop listing, paged, for reconciliation', async () => {
    const unauthenticated = await fetch(`${connector.url}/listings?limit=10`);
    const res = await fetch(`${connector.url}/listings?limit=10`, {
      headers: { authorization: `Bearer ${SERVICE_TOKEN}` },
    });
    expect(unauthenticated.status).toBe(401);
    expect(res.status).toBe(200);
    expect(await res.json()).toHaveProperty('items');
  });
});
