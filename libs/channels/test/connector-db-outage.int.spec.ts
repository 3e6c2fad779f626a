import {
  CardKeyDeliverer,
  ChannelMetrics,
  ChannelPusher,
  channelsMigrations,
  DeliveryLedger,
  type PlatformAdapter,
  PushStateStore,
  ShopAdapter,
} from '@libs/channels';
import { runMigrations } from '@libs/database';
import { ShopSimulator } from '@libs/platform-simulators';
import { isTransientError } from '@libs/resilience';
import { createTestDatabase, eventually, serverUrl, type TestDatabase } from '@libs/testing';
import { Client } from 'pg';
import { Registry } from 'prom-client';
import { allocationBatch } from './allocation-batch';

const CHANNEL = 'shop';

/** Closes the database to new connections and ends the open ones, as a failover does; never the whole server. */
async function setDatabaseReachable(url: string, reachable: boolean): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  const admin = new Client({ connectionString: serverUrl() });
  await admin.connect();
  try {
    await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS ${reachable ? 'true' : 'false'}`);
    if (!reachable)
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
  } finally {
    await admin.end();
  }
}

/** The same order's allocation is always the same message (a redelivery), as the bus would hand it again. */
const allocation = (orderId: string, unitIds: string[]) =>
  allocationBatch(
    CHANNEL,
    orderId,
    unitIds,
    `00000000-0000-4000-8000-${orderId.padStart(12, '0').slice(-12)}`,
  );

describe('a connector while its database is unreachable (ALLOW_CONNECTIONS false, backends terminated)', () => {
  let db: TestDatabase;
  const shop = new ShopSimulator('shop-secret');
  let pusher: ChannelPusher;
  let deliverer: CardKeyDeliverer;
  const warnings: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('connector_outage');
    await runMigrations(db.pool, channelsMigrations);
    await shop.start();
    const adapter: PlatformAdapter = new ShopAdapter({
      baseUrl: shop.url,
      apiSecret: 'shop-secret',
      timeoutMs: 1_000,
    });
    const metrics = ChannelMetrics.for(new Registry());
    const logger = { warn: (_o: object, msg: string) => void warnings.push(msg), error: () => undefined };
    pusher = new ChannelPusher(
      adapter,
      new PushStateStore(db.pool),
      metrics,
      {
        ratePerSecond: 100,
        burst: 10,
        concurrency: 1,
        backoff: { initialMs: 10, maxMs: 200 },
        circuit: { failureThreshold: 5, openMs: 200 },
      },
      logger,
    );
    await pusher.start();
    deliverer = new CardKeyDeliverer(
      adapter,
      new DeliveryLedger(db.pool),
      { reveal: async (unitId) => `secret-of-${unitId}` },
      metrics,
      {
        pollMs: 50,
        leaseMs: 1_000,
        maxAttempts: 8,
        backoff: { initialMs: 10, maxMs: 200 },
        alertAfterMs: 60_000,
      },
      logger,
    );
    deliverer.start();
  });

  afterAll(async () => {
    await deliverer?.stop();
    await pusher?.stop();
    await shop.stop();
    if (db) await setDatabaseReachable(db.url, true);
    await db?.drop();
  });

  it('gives the bus transient errors during the outage, keeps its loops alive, and catches up once the database is back', async () => {
    await pusher.offer([{ sku: 'SKU-1', quantity: 4, skuVersion: 1, publishedAt: Date.now() }]);
    await eventually(
      () => (shop.listings.get('SKU-1')?.quantity === 4 ? true : undefined),
      10_000,
      'first push',
    );

    await setDatabaseReachable(db.url, false);
    const targetFailure = await pusher
      .offer([{ sku: 'SKU-1', quantity: 3, skuVersion: 2, publishedAt: Date.now() }])
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    const allocationFailure = await deliverer.onOutcomes(allocation('order-1', ['unit-1'])).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect([isTransientError(targetFailure), isTransientError(allocationFailure)]).toEqual([true, true]);

    // The delivery loop meets the outage on its own and keeps going.
    await eventually(
      () => (warnings.includes('delivery pass failed') ? true : undefined),
      10_000,
      'a failed pass',
    );

    await setDatabaseReachable(db.url, true);
    // The bus redelivers both batches; this time they are recorded and carried out.
    await eventually(
      () =>
        pusher
          .offer([{ sku: 'SKU-1', quantity: 3, skuVersion: 2, publishedAt: Date.now() }])
          .then(() => true)
          .catch(() => undefined),
      20_000,
      'the target recorded after the outage',
    );
    await eventually(
      () =>
        deliverer
          .onOutcomes(allocation('order-1', ['unit-1']))
          .then(() => true)
          .catch(() => undefined),
      20_000,
      'the allocation recorded after the outage',
    );
    await eventually(
      () => (shop.listings.get('SKU-1')?.quantity === 3 ? true : undefined),
      20_000,
      'second push',
    );
    await eventually(
      () => (shop.deliveries.has('order-1:unit-1') ? true : undefined),
      20_000,
      'the delivery',
    );
    // The shop has the key before the worker, back from that call, marks the ledger row: wait for the mark.
    const ledgerState = async () =>
      (
        await db.pool.query<{ state: string }>(
          "SELECT state FROM card_key_deliveries WHERE order_id = 'order-1'",
        )
      ).rows;
    await eventually(
      async () => ((await ledgerState())[0]?.state === 'delivered' ? true : undefined),
      10_000,
      'the ledger row marked delivered',
    );
    expect(await ledgerState()).toEqual([{ state: 'delivered' }]);
    expect(shop.deliveryLog.filter((d) => d.orderId === 'order-1' && !d.duplicate)).toHaveLength(1);
  });
});
