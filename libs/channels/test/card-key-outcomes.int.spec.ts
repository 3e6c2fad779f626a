import {
  CardKeyDeliverer,
  type CardKeyToDeliver,
  ChannelMetrics,
  channelsMigrations,
  DeliveryLedger,
  parseRetryAfterMs,
  type PlatformAdapter,
  PlatformCallError,
} from '@libs/channels';
import { runMigrations } from '@libs/database';
import { type MessageBatch, OrderOutcomesTopic } from '@libs/messaging';
import { isTransientError } from '@libs/resilience';
import { createTestDatabase, type TestDatabase } from '@libs/testing';
import { Pool } from 'pg';
import { Registry } from 'prom-client';

const CHANNEL = 'shop';
type Outcome = MessageBatch<typeof OrderOutcomesTopic>['messages'][number]['envelope'];

let sequence = 0;
function batchOf(...envelopes: Omit<Outcome, 'eventId' | 'occurredAt' | 'schemaVersion'>[]) {
  return {
    topic: OrderOutcomesTopic,
    topicName: 'stock.order-outcomes',
    partition: 0,
    groupId: 'connector-shop-fulfilment',
    messages: envelopes.map((e) => ({
      envelope: {
        ...e,
        eventId: `00000000-0000-4000-8000-${String((sequence += 1)).padStart(12, '0')}`,
        occurredAt: new Date().toISOString(),
        schemaVersion: 1,
      } as Outcome,
      key: `${CHANNEL}:x`,
      partition: 0,
      offset: String(sequence),
      timestamp: String(Date.now()),
      headers: {},
    })),
  } as MessageBatch<typeof OrderOutcomesTopic>;
}

const allocated = (orderId: string, unitIds: string[], loopUnits?: { unitId: string; count: number }[]) =>
  ({
    type: 'card-keys.allocated',
    payload: {
      channel: CHANNEL,
      channelOrderId: orderId,
      sku: 'SKU-K',
      unitIds,
      skuVersion: 3,
      ...(loopUnits ? { loopUnits } : {}),
    },
  }) as unknown as Outcome;

const rejected = (orderId: string, answers: string, reasonCode: string) =>
  ({
    type: 'order.rejected',
    payload: { channel: CHANNEL, channelOrderId: orderId, sku: 'SKU-K', answers, reasonCode, skuVersion: 3 },
  }) as unknown as Outcome;

function recordingPlatform() {
  const calls: { orderId: string; cards: Omit<CardKeyToDeliver, 'secret'>[] }[] = [];
  const adapter: PlatformAdapter = {
    channel: CHANNEL,
    maxBatchSize: 100,
    push: async () => [],
    readListings: async () => ({ items: [] }),
    deliverCardKeys: async (orderId, _sku, cards) => {
      calls.push({
        orderId,
        cards: cards.map(({ unitId, copies }) => ({ unitId, ...(copies ? { copies } : {}) })),
      });
    },
  };
  return { adapter, calls };
}

const vault = { reveal: async (unitId: string) => `secret-of-${unitId}` };
const options = {
  pollMs: 60_000,
  leaseMs: 30_000,
  maxAttempts: 3,
  concurrency: 4,
  backoff: { initialMs: 10, maxMs: 50 },
  alertAfterMs: 60_000,
};

async function counter(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const v = (metric?.values ?? []).find((x) =>
    Object.entries(labels).every(([k, l]) => (x.labels as Record<string, unknown>)[k] === l),
  );
  return v?.value ?? 0;
}

describe('card-key outcomes in the connector, on the real PostgreSQL', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('card_key_outcomes');
    await runMigrations(db.pool, channelsMigrations);
  });

  afterAll(async () => {
    await db?.drop();
  });

  beforeEach(async () => {
    await db.pool.query('DELETE FROM card_key_deliveries');
  });

  async function deliverAll(deliverer: CardKeyDeliverer): Promise<void> {
    while ((await deliverer.runOnce()) > 0);
  }

  it('given a single key delivered to order A, when an announcement names it for order B, then B is refused, counted and A keeps it', async () => {
    const registry = new Registry();
    const logged: { obj: object; msg: string }[] = [];
    const { adapter, calls } = recordingPlatform();
    const deliverer = new CardKeyDeliverer(
      adapter,
      new DeliveryLedger(db.pool),
      vault,
      ChannelMetrics.for(registry),
      options,
      {
        warn: () => undefined,
        error: (obj, msg) => void logged.push({ obj, msg }),
      },
    );

    await deliverer.onOutcomes(batchOf(allocated('order-A', ['unit-1'])));
    await deliverAll(deliverer);
    await deliverer.onOutcomes(batchOf(allocated('order-B', ['unit-1', 'unit-2'])));
    await deliverAll(deliverer);

    expect(calls).toEqual([
      { orderId: 'order-A', cards: [{ unitId: 'unit-1' }] },
      { orderId: 'order-B', cards: [{ unitId: 'unit-2' }] },
    ]);
    expect(
      await counter(registry, 'stocksync_card_key_allocation_conflicts_total', { channel: CHANNEL }),
    ).toBe(1);
    expect(logged.map((l) => l.obj)).toEqual([
      expect.objectContaining({
        orderId: 'order-B',
        unitIds: ['unit-1'],
        alert: 'CARD_KEY_ALLOCATION_CONFLICT',
      }),
    ]);
  });

  it('given an order of 1,001 keys announced in two messages, when delivered, then every key is handed over once to that order', async () => {
    const { adapter, calls } = recordingPlatform();
    const deliverer = new CardKeyDeliverer(
      adapter,
      new DeliveryLedger(db.pool),
      vault,
      ChannelMetrics.for(new Registry()),
      options,
    );
    const units = Array.from({ length: 1_001 }, (_, i) => `bulk-${i}`);

    await deliverer.onOutcomes(batchOf(allocated('order-big', units.slice(0, 1_000))));
    await deliverer.onOutcomes(
      batchOf(allocated('order-big', units.slice(1_000)), allocated('order-big', units.slice(0, 1_000))),
    );
    await deliverAll(deliverer);

    const handed = calls.flatMap((c) => c.cards.map((card) => `${c.orderId}/${card.unitId}`));
    expect(handed.sort()).toEqual(units.map((u) => `order-big/${u}`).sort());
  });

  it('given a loop key bought 3 times by one order and once by another, when delivered, then each order gets one card with its copies', async () => {
    const { adapter, calls } = recordingPlatform();
    const deliverer = new CardKeyDeliverer(
      adapter,
      new DeliveryLedger(db.pool),
      vault,
      ChannelMetrics.for(new Registry()),
      options,
    );

    await deliverer.onOutcomes(batchOf(allocated('order-L1', [], [{ unitId: 'loop-1', count: 3 }])));
    await deliverer.onOutcomes(batchOf(allocated('order-L1', [], [{ unitId: 'loop-1', count: 3 }])));
    await deliverer.onOutcomes(batchOf(allocated('order-L2', [], [{ unitId: 'loop-1', count: 1 }])));
    // The shape announced before loop keys were counted: the id once per copy.
    await deliverer.onOutcomes(batchOf(allocated('order-L3', ['loop-1', 'loop-1'])));
    await deliverAll(deliverer);

    expect(calls.sort((a, b) => a.orderId.localeCompare(b.orderId))).toEqual([
      { orderId: 'order-L1', cards: [{ unitId: 'loop-1', copies: 3 }] },
      { orderId: 'order-L2', cards: [{ unitId: 'loop-1', copies: 1 }] },
      { orderId: 'order-L3', cards: [{ unitId: 'loop-1', copies: 2 }] },
    ]);
  });

  it('given order.rejected answering order.paid, when the connector reads it, then it is counted by reason and logged by ids', async () => {
    const registry = new Registry();
    const logged: { obj: object; msg: string }[] = [];
    const { adapter } = recordingPlatform();
    const deliverer = new CardKeyDeliverer(
      adapter,
      new DeliveryLedger(db.pool),
      vault,
      ChannelMetrics.for(registry),
      options,
      {
        warn: () => undefined,
        error: (obj, msg) => void logged.push({ obj, msg }),
      },
    );

    await deliverer.onOutcomes(
      batchOf(
        rejected('order-R1', 'order.paid', 'INSUFFICIENT_STOCK'),
        rejected('order-R2', 'order.placed', 'INSUFFICIENT_STOCK'),
      ),
    );

    const labels = { channel: CHANNEL, reason: 'INSUFFICIENT_STOCK' };
    expect(await counter(registry, 'stocksync_connector_paid_orders_rejected_total', labels)).toBe(1);
    expect(logged.map((l) => l.obj)).toEqual([
      {
        channel: CHANNEL,
        orderId: 'order-R1',
        sku: 'SKU-K',
        reason: 'INSUFFICIENT_STOCK',
        alert: 'PAID_ORDER_REJECTED',
      },
    ]);
  });

  it('given a delivery answered 429 with Retry-After: 3000000, when it is scheduled again, then it waits the clamp, counted', async () => {
    const registry = new Registry();
    const { adapter } = recordingPlatform();
    adapter.deliverCardKeys = async () => {
      throw new PlatformCallError('HTTP_429', 'platform answered 429', true, parseRetryAfterMs('3000000'));
    };
    const deliverer = new CardKeyDeliverer(
      adapter,
      new DeliveryLedger(db.pool),
      vault,
      ChannelMetrics.for(registry),
      { ...options, maxRetryAfterMs: 60_000 },
    );

    await deliverer.onOutcomes(batchOf(allocated('order-T', ['unit-t'])));
    await deliverer.runOnce();

    const { rows } = await db.pool.query<{ wait_ms: number; state: string }>(
      `SELECT state, extract(epoch FROM next_attempt_at - now()) * 1000 AS wait_ms
         FROM card_key_deliveries WHERE order_id = 'order-T'`,
    );
    expect(rows[0].state).toBe('pending');
    expect(Number(rows[0].wait_ms)).toBeGreaterThan(50_000);
    expect(Number(rows[0].wait_ms)).toBeLessThanOrEqual(60_000);
    expect(
      await counter(registry, 'stocksync_connector_retry_after_clamped_total', { channel: CHANNEL }),
    ).toBe(1);
  });

  it('given the vault out of reach for more passes than the attempt limit, when it comes back, then the key is delivered, never given up', async () => {
    const { adapter, calls } = recordingPlatform();
    let outage = 5;
    const flakyVault = {
      reveal: async (unitId: string) => {
        if (outage-- > 0)
          throw Object.assign(new Error('Connection terminated unexpectedly'), { code: '57P01' });
        return `secret-of-${unitId}`;
      },
    };
    const ledger = new DeliveryLedger(db.pool);
    const deliverer = new CardKeyDeliverer(adapter, ledger, flakyVault, ChannelMetrics.for(new Registry()), {
      ...options,
      maxAttempts: 2,
    });

    await deliverer.onOutcomes(batchOf(allocated('order-V', ['unit-v'])));
    for (let pass = 0; pass < 6; pass++) {
      await db.pool.query(
        "UPDATE card_key_deliveries SET next_attempt_at = now() WHERE order_id = 'order-V'",
      );
      await deliverer.runOnce();
    }

    const { rows } = await db.pool.query("SELECT state FROM card_key_deliveries WHERE order_id = 'order-V'");
    expect(rows).toEqual([{ state: 'delivered' }]);
    expect(calls).toEqual([{ orderId: 'order-V', cards: [{ unitId: 'unit-v' }] }]);
  });

  it('given the database is out of reach, when an allocation arrives, then the error reaches the bus as a transient one', async () => {
    const unreachable = new Pool({
      connectionString: 'postgres://postgres@127.0.0.1:1/none',
      connectionTimeoutMillis: 2_000,
    });
    const { adapter } = recordingPlatform();
    const deliverer = new CardKeyDeliverer(
      adapter,
      new DeliveryLedger(unreachable),
      vault,
      ChannelMetrics.for(new Registry()),
      options,
    );
    try {
      const failure = await deliverer.onOutcomes(batchOf(allocated('order-X', ['unit-x']))).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(failure).toBeDefined();
      expect(isTransientError(failure)).toBe(true);
    } finally {
      await unreachable.end();
    }
  });
});
