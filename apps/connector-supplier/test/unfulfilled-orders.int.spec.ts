import { runMigrations } from '@libs/database';
import type { AlertNotice, AlertSink } from '@libs/messaging';
import { migrateReadModels } from '@libs/read-models';
import { createTestDatabase, type TestDatabase } from '@libs/testing';
import pino from 'pino';
import { supplierForwardsMigrations } from '../src/supplier-forwards.migrations';
import { UnfulfilledOrders } from '../src/unfulfilled-orders';

/** PAID_NOT_FULFILLED against the real read models and the connector's own tables. */
describe('paid orders no supplier fulfilled', () => {
  let db: TestDatabase;
  const sent: { action: 'raise' | 'resolve'; alert: AlertNotice }[] = [];
  const sink: AlertSink = {
    raise: async (alert) => void sent.push({ action: 'raise', alert }),
    resolve: async (alert) => void sent.push({ action: 'resolve', alert }),
  };
  const now = Date.UTC(2026, 11, 1, 12);
  const minutesAgo = (m: number) => new Date(now - m * 60_000);

  beforeAll(async () => {
    db = await createTestDatabase('unfulfilled');
    await migrateReadModels(db.pool);
    await runMigrations(db.pool, supplierForwardsMigrations);
  });

  afterAll(async () => {
    await db?.drop();
  });

  async function order(orderId: string, status: string, updated: Date) {
    await db.pool.query(
      `INSERT INTO reservations (channel, channel_order_id, sku, quantity, status, reason, expires_at,
                                 allocated_unit_ids, loop_unit_ids, created_at, updated_at, updated_version)
       VALUES ('shop', $1, 'GIFT-1', 1, $2, NULL, NULL, '{}', '{}', $3, $3, 5)
       ON CONFLICT (channel, channel_order_id, sku) DO UPDATE SET status = $2, updated_at = $3`,
      [orderId, status, updated],
    );
  }

  it('raises once for an order forwarding past the limit since its first attempt, and resolves once it is fulfilled', async () => {
    const check = new UnfulfilledOrders(db.pool, sink, 5 * 60_000, pino({ level: 'silent' }));
    // Paid 10 minutes ago, its second attempt started a minute ago: the first attempt is what counts.
    await order('late', 'forwarding', minutesAgo(1));
    await db.pool.query(
      `INSERT INTO supplier_forwards (forward_id, supplier_order_id, supplier_id, product_id, sku, channel,
                                      channel_order_id, attempt, quantity, status, requested_at, give_up_at,
                                      next_check_at)
       VALUES ('shop:late:1', 's-1', 'up-a', 'p', 'GIFT-1', 'shop', 'late', 1, 1, 'answered', $1, $1, $1),
              ('shop:late:2', 's-2', 'up-b', 'p', 'GIFT-1', 'shop', 'late', 2, 1, 'placing', $2, $2, $2)`,
      [minutesAgo(10), minutesAgo(1)],
    );
    await order('recent', 'forwarding', minutesAgo(2));
    await order('done', 'confirmed', minutesAgo(30));

    expect(await check.check(now)).toEqual({ raised: 1, resolved: 0 });
    expect(sent).toEqual([
      {
        action: 'raise',
        alert: expect.objectContaining({
          kind: 'PAID_NOT_FULFILLED',
          key: 'shop:late',
          severity: 'critical',
        }),
      },
    ]);
    // Asked again: nothing new.
    expect(await check.check(now + 5_000)).toEqual({ raised: 0, resolved: 0 });
    // Fulfilled: resolved, once.
    await order('late', 'confirmed', new Date(now));
    expect(await check.check(now + 10_000)).toEqual({ raised: 0, resolved: 1 });
    expect(sent[1]).toEqual({
      action: 'resolve',
      alert: expect.objectContaining({ kind: 'PAID_NOT_FULFILLED', key: 'shop:late' }),
    });
    expect(await check.check(now + 15_000)).toEqual({ raised: 0, resolved: 0 });
  });
});
