import { CardKeyDeliverer, ChannelMetrics, channelsMigrations, DeliveryLedger } from '@libs/channels';
import { runMigrations } from '@libs/database';
import { ShopSimulator } from '@libs/platform-simulators';
import { createTestDatabase, eventually, type TestDatabase } from '@libs/testing';
import type { AlertSink } from '@libs/messaging';
import { Registry } from 'prom-client';
import { allocationBatch, shopAdapterWithOutage } from './allocation-batch';

const CHANNEL = 'shop';
const ALERT_AFTER_MS = 300;
let seq = 0;

const allocation = (orderId: string, unitIds: string[]) => {
  seq += 1;
  return allocationBatch(
    CHANNEL,
    orderId,
    unitIds,
    `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    seq,
  );
};

/**
 * The paid-not-delivered alert: an order paid (its keys allocated) and not delivered within the limit is reported
 * once — one error log with alert PAID_NOT_DELIVERED and the stocksync_paid_undelivered_orders gauge — and the gauge
 * clears once the keys reach the buyer. The shop refuses deliveries while `shopDown` (the platform is failing).
 */
describe('the paid-not-delivered alert (real PostgreSQL, the shop simulator)', () => {
  let db: TestDatabase;
  const shop = new ShopSimulator('shop-secret');
  let shopDown = true;
  let deliverer: CardKeyDeliverer;
  const registry = new Registry();
  const alerts: { orderId: string }[] = [];
  /** What reached the notifier's topic, as `raise KIND key` / `resolve KIND key`. */
  const published: string[] = [];
  const sink: AlertSink = {
    raise: async (a) => void published.push(`raise ${a.kind} ${a.key}`),
    resolve: async (a) => void published.push(`resolve ${a.kind} ${a.key}`),
  };

  beforeAll(async () => {
    db = await createTestDatabase('paid_not_delivered');
    await runMigrations(db.pool, channelsMigrations);
    await shop.start();
    const adapter = shopAdapterWithOutage(shop.url, () => shopDown);
    deliverer = new CardKeyDeliverer(
      adapter,
      new DeliveryLedger(db.pool),
      { reveal: async (unitId) => `secret-of-${unitId}` },
      ChannelMetrics.for(registry),
      {
        pollMs: 50,
        leaseMs: 1_000,
        maxAttempts: 1_000,
        backoff: { initialMs: 10, maxMs: 50 },
        alertAfterMs: ALERT_AFTER_MS,
        alerts: sink,
      },
      {
        warn: () => undefined,
        error: (o: object) => {
          const fields = o as { alert?: string; orderId?: string };
          if (fields.alert === 'PAID_NOT_DELIVERED') alerts.push({ orderId: fields.orderId! });
        },
      },
    );
    deliverer.start();
  });

  afterAll(async () => {
    await deliverer?.stop();
    await shop.stop();
    await db?.drop();
  });

  const gauge = async () =>
    (await registry.getSingleMetric('stocksync_paid_undelivered_orders')!.get()).values.find(
      (v) => v.labels.channel === CHANNEL,
    )?.value ?? 0;

  it('raises exactly one alert for an order whose keys came in two allocations, and clears when it is delivered', async () => {
    await deliverer.onOutcomes(allocation('order-1', ['unit-1']));
    await new Promise((r) => setTimeout(r, ALERT_AFTER_MS / 2));
    // A second part of the same order's allocation, later: it crosses the limit in a later pass than the first.
    await deliverer.onOutcomes(allocation('order-1', ['unit-2']));

    await eventually(async () => ((await gauge()) === 1 ? true : undefined), 10_000, 'the order overdue');
    // Long enough for both rows to have crossed the limit, in different passes.
    await new Promise((r) => setTimeout(r, ALERT_AFTER_MS * 3));
    expect(alerts).toEqual([{ orderId: 'order-1' }]);

    shopDown = false;
    await eventually(
      () =>
        shop.deliveries.has('order-1:unit-1') && shop.deliveries.has('order-1:unit-2') ? true : undefined,
      10_000,
      'the delivery once the shop is back',
    );
    await eventually(async () => ((await gauge()) === 0 ? true : undefined), 10_000, 'the alert cleared');
    expect(alerts).toHaveLength(1);
    // The notifier hears of it once, and once that it is over.
    await eventually(
      () => (published.some((p) => p.startsWith('resolve PAID_NOT_DELIVERED')) ? true : undefined),
      10_000,
      'the alert resolved',
    );
    expect(published.filter((p) => p.includes('PAID_NOT_DELIVERED'))).toEqual([
      'raise PAID_NOT_DELIVERED shop:order-1',
      'resolve PAID_NOT_DELIVERED shop:order-1',
    ]);
  });
});
