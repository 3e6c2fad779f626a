import { randomUUID } from 'node:crypto';
import { channelsMigrations, type PlatformAdapter, ShopAdapter } from '@libs/channels';
import { runMigrations } from '@libs/database';
import type { AlertNotice } from '@libs/messaging';
import { ShopSimulator } from '@libs/platform-simulators';
import { createTestDatabase, type TestDatabase } from '@libs/testing';
import { Registry } from 'prom-client';
import { allocationBatch, outcomeBatch, testDeliverer } from './allocation-batch';

const CHANNEL = 'shop';

/**
 * A refund that lands while a key's delivery call is on its way (real PostgreSQL, the shop simulator): the send
 * cannot be called back, and the platform hands the key over. The deliverer notices when it records the answer,
 * and an operator is told to void the key, once.
 */
describe('a key sent after it was withdrawn', () => {
  let db: TestDatabase;
  const shop = new ShopSimulator('shop-secret');
  const registry = new Registry();
  const errors: object[] = [];
  const alerts: AlertNotice[] = [];
  let entered: () => void = () => undefined;
  let release: () => void = () => undefined;

  beforeAll(async () => {
    db = await createTestDatabase('send_after_withdrawal');
    await runMigrations(db.pool, channelsMigrations);
    await shop.start();
  });

  afterAll(async () => {
    await shop.stop();
    await db?.drop();
  });

  /** The shop adapter, its delivery calls held between reaching the platform's door and going through it. */
  function gatedShop(): PlatformAdapter {
    const real = new ShopAdapter({ baseUrl: shop.url, apiSecret: 'shop-secret', timeoutMs: 2_000 });
    return Object.assign(Object.create(real) as PlatformAdapter, {
      deliverCardKeys: async (...args: Parameters<PlatformAdapter['deliverCardKeys']>) => {
        entered();
        await new Promise<void>((resolve) => (release = resolve));
        return real.deliverCardKeys(...args);
      },
    });
  }

  const counted = async (result: string) =>
    (await registry.getSingleMetricAsString('stocksync_card_key_deliveries_total'))
      .split('\n')
      .find((line) => line.includes(`result="${result}"`))
      ?.replace(/.* /, '') ?? '0';

  it('given a delivery on its way, when a refund withdraws its key, then the key reaches the shop, stays withdrawn, and one critical alert says to void it', async () => {
    const deliverer = testDeliverer(
      gatedShop(),
      db.pool,
      { reveal: async (u) => `secret-of-${u}` },
      registry,
      errors,
      {
        alerts: {
          raise: async (notice) => void alerts.push(notice),
          resolve: async () => undefined,
        },
      },
    );
    await deliverer.onOutcomes(allocationBatch(CHANNEL, 'order-w', ['unit-w'], randomUUID()));
    const reached = new Promise<void>((resolve) => (entered = resolve));
    const pass = deliverer.runOnce();
    await reached;

    // The buyer asked for a refund while the call was on its way.
    await deliverer.onOutcomes(
      outcomeBatch(
        'card-keys.withdrawn',
        {
          channel: CHANNEL,
          channelOrderId: 'order-w',
          sku: 'SKU-K',
          unitIds: ['unit-w'],
          reason: 'refunded',
          skuVersion: 6,
        },
        randomUUID(),
      ),
    );
    release();
    await pass;

    expect(shop.deliveryLog.filter((d) => d.orderId === 'order-w').map((d) => d.unitId)).toEqual(['unit-w']);
    const { rows } = await db.pool.query<{ state: string; last_error: string | null }>(
      "SELECT state, last_error FROM card_key_deliveries WHERE order_id = 'order-w'",
    );
    expect(rows).toEqual([{ state: 'withdrawn', last_error: 'SENT_AFTER_WITHDRAWAL' }]);
    expect(alerts).toEqual([
      expect.objectContaining({
        kind: 'KEY_SENT_AFTER_WITHDRAWAL',
        key: 'shop:order-w:unit-w',
        severity: 'critical',
        labels: { channel: CHANNEL, sku: 'SKU-K', unitId: 'unit-w' },
      }),
    ]);
    expect(alerts[0]!.summary).not.toContain('secret-of-unit-w');
    expect(errors).toEqual([
      expect.objectContaining({ alert: 'KEY_SENT_AFTER_WITHDRAWAL', unitId: 'unit-w' }),
    ]);
    expect(await counted('sent_after_withdrawal')).toBe('1');
    expect(await counted('lease_lost')).toBe('0');
    expect(await counted('delivered')).toBe('0');

    // Nothing is sent again for it, and it is not alerted twice.
    await deliverer.runOnce();
    expect(shop.deliveryLog.filter((d) => d.orderId === 'order-w')).toHaveLength(1);
    expect(alerts).toHaveLength(1);
  });
});
