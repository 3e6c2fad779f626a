import { randomBytes, randomUUID } from 'node:crypto';
import { CardVault, cardVaultMigrations } from '@libs/card-vault';
import { CardKeyDeliverer, channelsMigrations, DeliveryLedger, type PlatformAdapter } from '@libs/channels';
import { runMigrations } from '@libs/database';
import { eventStoreMigrations, PostgresEventStore } from '@libs/event-store';
import type { MessageBatch, OrderOutcomesTopic } from '@libs/messaging';
import { createTestDatabase, eventually, type TestDatabase } from '@libs/testing';
import type { Pool } from 'pg';
import { Registry } from 'prom-client';
import { outcomeBatch, testDeliverer } from './allocation-batch';
import { countingPool } from './counting-pool';

const CHANNEL = 'shop';
const VAULT_KEY = randomBytes(32);
const SKU = 'SKU-K';

/** One stock.order-outcomes batch of many answers, as the fulfilment consumer receives a busy partition. */
function batchOf(
  answers: { type: string; payload: Record<string, unknown> & { channelOrderId: string } }[],
): MessageBatch<typeof OrderOutcomesTopic> {
  const batches = answers.map((a, i) =>
    outcomeBatch(a.type, { channel: CHANNEL, sku: SKU, skuVersion: i + 1, ...a.payload }, randomUUID()),
  );
  return { ...batches[0], messages: batches.flatMap((b) => b.messages) };
}

const allocated = (orderId: string, unitIds: string[]) => ({
  type: 'card-keys.allocated',
  payload: { channelOrderId: orderId, unitIds },
});

describe('the fulfilment consumer records a batch of allocations together', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  const registry = new Registry();
  const alerts: { alert?: string; orderId?: string }[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('allocation_batches');
    await runMigrations(db.pool, channelsMigrations);
    await runMigrations(db.pool, eventStoreMigrations);
    await runMigrations(db.pool, cardVaultMigrations);
    store = new PostgresEventStore(db.pool);
  });

  afterAll(async () => {
    await db?.drop();
  });

  /** The inventory's ReservationConfirmed for each order, appended to the SKU's stream as the inventory does. */
  async function confirm(orders: [string, string[]][]): Promise<void> {
    await store.appendToStream(
      `sku-${SKU}`,
      'any',
      orders.map(([orderId, unitIds]) => ({
        eventId: randomUUID(),
        type: 'ReservationConfirmed',
        data: {
          sku: SKU,
          at: Date.now(),
          actor: null,
          channel: CHANNEL,
          channelOrderId: orderId,
          quantity: unitIds.length,
          allocatedUnitIds: unitIds,
          loopUnits: [],
        },
      })),
    );
  }

  const vault = (pool: Pool = db.pool) =>
    new CardVault(pool, { activeKeyId: 'k1', keys: { k1: VAULT_KEY }, fingerprintKey: randomBytes(32) });

  function delivererOn(
    pool: Pool,
    deliverCardKeys: PlatformAdapter['deliverCardKeys'] = async () => undefined,
    options: Parameters<typeof testDeliverer>[5] = {},
  ): CardKeyDeliverer {
    const adapter: PlatformAdapter = {
      channel: CHANNEL,
      maxBatchSize: 100,
      push: async () => [],
      readListings: async () => ({ items: [] }),
      deliverCardKeys,
    };
    return testDeliverer(adapter, pool, vault(pool), registry, alerts, options);
  }

  const ledgerRows = async (prefix: string) =>
    (
      await db.pool.query<{ order_id: string; unit_id: string; state: string }>(
        `SELECT order_id, unit_id, state FROM card_key_deliveries WHERE order_id LIKE $1 || '%'
          ORDER BY order_id, unit_id`,
        [prefix],
      )
    ).rows;

  it('given 50 paid orders announced in one batch, when it is handled, then every allocation is in the ledger after two statements, not two per order', async () => {
    const orders: [string, string[]][] = Array.from({ length: 50 }, (_, i) => [`bulk-${i}`, [`bulk-u${i}`]]);
    await confirm(orders);
    const { pool, statements } = countingPool(db.pool);

    await delivererOn(pool).onOutcomes(batchOf(orders.map(([o, u]) => allocated(o, u))));

    expect(statements()).toBe(2);
    expect(await ledgerRows('bulk-')).toHaveLength(50);
  });

  it('given one batch with a forged announcement, a key announced for a second order, a copy, and a withdrawal after its allocation, then each order gets what it would have got one message at a time', async () => {
    // mix-B's key is withdrawn (a refund) in the same batch that allocates it; mix-C's stream names mix-A's key too
    // (a corrupted announcement the ledger refuses); mix-F is not in the event store at all.
    await confirm([
      ['mix-A', ['mix-a1']],
      ['mix-B', ['mix-b1']],
      ['mix-C', ['mix-a1']],
    ]);
    const before = { alerts: alerts.length };

    await delivererOn(db.pool).onOutcomes(
      batchOf([
        allocated('mix-A', ['mix-a1']),
        allocated('mix-B', ['mix-b1']),
        allocated('mix-F', ['mix-f1']),
        allocated('mix-C', ['mix-a1']),
        allocated('mix-A', ['mix-a1']),
        {
          type: 'card-keys.withdrawn',
          payload: { channelOrderId: 'mix-B', unitIds: ['mix-b1'], reason: 'refunded' },
        },
      ]),
    );

    expect(await ledgerRows('mix-')).toEqual([
      { order_id: 'mix-A', unit_id: 'mix-a1', state: 'pending' },
      { order_id: 'mix-B', unit_id: 'mix-b1', state: 'withdrawn' },
    ]);
    expect(alerts.slice(before.alerts).map((a) => [a.alert, a.orderId])).toEqual([
      ['CARD_KEY_FORGED_ALLOCATION', 'mix-F'],
      ['CARD_KEY_ALLOCATION_CONFLICT', 'mix-C'],
    ]);
  });

  it('given a running deliverer with 3 delivery slots and 12 paid orders, one of 3 keys, then never more than 3 calls are in flight, all 3 slots are used, and each order goes out in one call', async () => {
    const orders: [string, string[]][] = Array.from({ length: 12 }, (_, i) => [
      `slot-${i}`,
      i === 5 ? ['slot-u5a', 'slot-u5b', 'slot-u5c'] : [`slot-u${i}`],
    ]);
    await vault().storeBatch(
      SKU,
      orders.flatMap(([, units]) => units.map((unitId) => ({ unitId, secret: `SECRET-${unitId}` }))),
    );
    await confirm(orders);
    let inFlight = 0;
    let most = 0;
    const calls: { orderId: string; units: number }[] = [];
    const deliverer = delivererOn(
      db.pool,
      async (orderId, _sku, cards) => {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((r) => setTimeout(r, 40));
        calls.push({ orderId, units: cards.length });
        inFlight--;
      },
      { concurrency: 3, pollMs: 20 },
    );
    deliverer.start();
    try {
      await deliverer.onOutcomes(batchOf(orders.map(([o, u]) => allocated(o, u))));
      await eventually(async () =>
        (await ledgerRows('slot-')).every((r) => r.state === 'delivered') ? true : undefined,
      );
    } finally {
      await deliverer.stop();
    }

    expect(most).toBe(3);
    expect(calls.map((c) => c.orderId).sort()).toEqual(orders.map(([o]) => o).sort());
    expect(calls.find((c) => c.orderId === 'slot-5')).toEqual({ orderId: 'slot-5', units: 3 });
  });

  it('given a platform limit of 5 delivery calls a second, when 8 orders are paid at once, then the calls after the first 5 wait for it', async () => {
    const orders: [string, string[]][] = Array.from({ length: 8 }, (_, i) => [`rate-${i}`, [`rate-u${i}`]]);
    await vault().storeBatch(
      SKU,
      orders.flatMap(([, units]) => units.map((unitId) => ({ unitId, secret: `SECRET-${unitId}` }))),
    );
    await confirm(orders);
    const calledAt: number[] = [];
    const deliverer = delivererOn(db.pool, async () => void calledAt.push(Date.now()), {
      concurrency: 8,
      ratePerSecond: 5,
      pollMs: 20,
    });
    deliverer.start();
    try {
      await deliverer.onOutcomes(batchOf(orders.map(([o, u]) => allocated(o, u))));
      await eventually(async () =>
        (await ledgerRows('rate-')).every((r) => r.state === 'delivered') ? true : undefined,
      );
    } finally {
      await deliverer.stop();
    }

    // A burst of 5, then one every 200 ms: the last call at least 3 × 200 ms after the first (a lower bound only,
    // which a slow machine cannot break).
    expect(calledAt).toHaveLength(8);
    expect(Math.max(...calledAt) - Math.min(...calledAt)).toBeGreaterThanOrEqual(550);
  });

  it('given a running deliverer, when orders are delivered right after their claim, then no lease is renewed for them (one round trip less per order)', async () => {
    const orders: [string, string[]][] = Array.from({ length: 10 }, (_, i) => [
      `fresh-${i}`,
      [`fresh-u${i}`],
    ]);
    await vault().storeBatch(
      SKU,
      orders.flatMap(([, units]) => units.map((unitId) => ({ unitId, secret: `SECRET-${unitId}` }))),
    );
    await confirm(orders);
    const renew = jest.spyOn(DeliveryLedger.prototype, 'renew');
    let renewals = 0;
    const deliverer = delivererOn(db.pool, async () => undefined, { concurrency: 4, pollMs: 20 });
    deliverer.start();
    try {
      await deliverer.onOutcomes(batchOf(orders.map(([o, u]) => allocated(o, u))));
      await eventually(async () =>
        (await ledgerRows('fresh-')).every((r) => r.state === 'delivered') ? true : undefined,
      );
    } finally {
      await deliverer.stop();
      renewals = renew.mock.calls.length;
      renew.mockRestore();
    }

    expect(renewals).toBe(0);
  });
});
