import {
  CardKeyDeliverer,
  ChannelMetrics,
  channelsMigrations,
  DeliveryLedger,
  type PlatformAdapter,
} from '@libs/channels';
import { runMigrations } from '@libs/database';
import { createTestDatabase, eventually, type TestDatabase } from '@libs/testing';
import { Registry } from 'prom-client';

const CHANNEL = 'shop';
const ORDERS = 6;
const UNITS_PER_ORDER = 2;

/** A platform whose delivery call takes longer than the lease; counts every key it is handed. */
function slowPlatform(callMs: number) {
  const handed = new Map<string, number>();
  const adapter: PlatformAdapter = {
    channel: CHANNEL,
    maxBatchSize: 100,
    push: async () => [],
    readListings: async () => ({ items: [] }),
    deliverCardKeys: async (orderId, _sku, cards) => {
      await new Promise((resolve) => setTimeout(resolve, callMs));
      for (const card of cards) {
        const key = `${orderId}/${card.unitId}`;
        handed.set(key, (handed.get(key) ?? 0) + 1);
      }
    },
  };
  return { adapter, handed };
}

const single = (unitId: string) => ({ unitId, count: 1, loop: false });
const vault = { reveal: async (unitId: string) => `secret-of-${unitId}` };

describe('delivery lease fencing on the real PostgreSQL', () => {
  let db: TestDatabase;
  let ledger: DeliveryLedger;

  beforeAll(async () => {
    db = await createTestDatabase('delivery_lease');
    await runMigrations(db.pool, channelsMigrations);
    ledger = new DeliveryLedger(db.pool);
  });

  afterAll(async () => {
    await db?.drop();
  });

  beforeEach(async () => {
    await db.pool.query('DELETE FROM card_key_deliveries');
  });

  it('given two deliverers, a 200 ms lease and a 500 ms platform call, when they run, then every key is handed over exactly once', async () => {
    const { adapter, handed } = slowPlatform(500);
    const metrics = ChannelMetrics.for(new Registry());
    const options = {
      pollMs: 20,
      leaseMs: 200,
      maxAttempts: 8,
      concurrency: 2,
      backoff: { initialMs: 20, maxMs: 100 },
      alertAfterMs: 60_000,
    };
    const workers = [1, 2].map(() => new CardKeyDeliverer(adapter, ledger, vault, metrics, options));
    const expected: string[] = [];
    for (let o = 0; o < ORDERS; o += 1) {
      const units = Array.from({ length: UNITS_PER_ORDER }, (_, u) => `unit-${o}-${u}`);
      await ledger.recordAllocation(CHANNEL, `order-${o}`, 'SKU-1', units.map(single));
      expected.push(...units.map((u) => `order-${o}/${u}`));
    }

    for (const w of workers) w.start();
    await eventually(async () => {
      const { rows } = await db.pool.query<{ n: string }>(
        `SELECT count(*) AS n FROM card_key_deliveries WHERE state = 'delivered'`,
      );
      return Number(rows[0].n) === expected.length ? true : undefined;
    }, 30_000);
    for (const w of workers) await w.stop();

    expect([...handed.keys()].sort()).toEqual(expected.sort());
    expect([...handed.entries()].filter(([, n]) => n !== 1)).toEqual([]);
  });

  it("given a worker whose lease expired and was claimed again, when the stale worker reports a failure, then the new owner's lease stands", async () => {
    await ledger.recordAllocation(CHANNEL, 'order-stale', 'SKU-1', [single('unit-a')]);
    const stale = await ledger.claimDue(CHANNEL, 10, 50);
    expect(stale.rows).toHaveLength(1);
    const fresh = await eventually(async () => {
      const claim = await ledger.claimDue(CHANNEL, 10, 60_000);
      return claim.rows.length > 0 ? claim : undefined;
    });

    const staleFailure = await ledger.markAttemptFailed(
      stale.token,
      CHANNEL,
      'order-stale',
      ['unit-a'],
      'TIMEOUT',
      0,
    );
    const staleDelivery = await ledger.markDelivered(stale.token, CHANNEL, 'order-stale', ['unit-a']);

    expect([staleFailure, staleDelivery]).toEqual([0, 0]);
    expect((await ledger.claimDue(CHANNEL, 10, 60_000)).rows).toEqual([]);
    expect(await ledger.markDelivered(fresh.token, CHANNEL, 'order-stale', ['unit-a'])).toBe(1);
  });
});
