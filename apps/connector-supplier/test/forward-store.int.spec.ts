import { runMigrations } from '@libs/database';
import type { SupplierForwardRequested } from '@libs/messaging';
import { createTestDatabase, type TestDatabase } from '@libs/testing';
import { ForwardStore } from '../src/forward-store';
import { supplierForwardsMigrations } from '../src/supplier-forwards.migrations';

/** The attempts the supplier connector keeps (supplier_forwards), against the real PostgreSQL. */
describe('forward store', () => {
  let db: TestDatabase;
  let store: ForwardStore;
  const now = Date.UTC(2026, 11, 1, 12);

  beforeAll(async () => {
    db = await createTestDatabase('forward_store');
    await runMigrations(db.pool, supplierForwardsMigrations);
    store = new ForwardStore(db.pool);
  });

  afterAll(async () => {
    await db?.drop();
  });

  const request = (
    orderId: string,
    priority?: number,
  ): SupplierForwardRequested & { supplierOrderId: string } => ({
    channel: 'shop',
    channelOrderId: orderId,
    sku: 'GIFT-1',
    attempt: 1,
    supplierId: 'up-a',
    productId: 'p-1',
    forwardId: `shop:${orderId}:1`,
    supplierOrderId: `ss-${orderId}`,
    quantity: 1,
    expectedUnitPrice: 850,
    skuVersion: 3,
    ...(priority === undefined ? {} : { priority }),
  });

  it('given attempts due at once, when fewer can be taken than are due, then an order rule’s priority goes first, then the longest due', async () => {
    // Recorded oldest first: two without a priority, then a low and a high one.
    await store.record([request('plain-1')], now - 3_000, 60_000);
    await store.record([request('plain-2')], now - 2_000, 60_000);
    await store.record([request('low', 10)], now - 1_000, 60_000);
    await store.record([request('high', 90)], now, 60_000);

    const first = await store.claimDue(now, 2, 30_000);
    expect(first.map((r) => r.channelOrderId)).toEqual(['high', 'low']);
    const rest = await store.claimDue(now, 10, 30_000);
    expect(rest.map((r) => r.channelOrderId)).toEqual(['plain-1', 'plain-2']);
    // Leased: nothing more is due until the lease ends.
    expect(await store.claimDue(now, 10, 30_000)).toEqual([]);
  });

  it('keeps the first recording of an attempt read twice, priority included', async () => {
    await store.record([request('twice', 40)], now, 60_000);
    await store.record([request('twice')], now + 1_000, 60_000);
    const { rows } = await db.pool.query<{ priority: number; requested_at: Date }>(
      "SELECT priority, requested_at FROM supplier_forwards WHERE channel_order_id = 'twice'",
    );
    expect(rows).toEqual([{ priority: 40, requested_at: new Date(now) }]);
  });
});
