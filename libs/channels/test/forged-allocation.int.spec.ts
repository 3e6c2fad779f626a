import { randomBytes, randomUUID } from 'node:crypto';
import { CardVault, cardVaultMigrations } from '@libs/card-vault';
import {
  CardKeyDeliverer,
  type CardKeyToDeliver,
  channelsMigrations,
  type PlatformAdapter,
} from '@libs/channels';
import { runMigrations } from '@libs/database';
import { eventStoreMigrations } from '@libs/event-store';
import { type KafkaMessageBus, OrderOutcomesTopic, type OutgoingMessage } from '@libs/messaging';
import {
  createTestDatabase,
  deleteTopicsWithPrefix,
  eventually,
  testKafkaBus,
  uniqueTopicPrefix,
  type TestDatabase,
} from '@libs/testing';
import { Registry } from 'prom-client';
import { testDeliverer } from './allocation-batch';

// docs/security.md "Card keys: reveal only for the allocated order": the broker is not the trust boundary.
const CHANNEL = 'shop';
const SKU = 'GIFT-CARD-50';

const announce = (orderId: string, unitIds: string[]): OutgoingMessage<typeof OrderOutcomesTopic> => ({
  type: 'card-keys.allocated',
  payload: { channel: CHANNEL, channelOrderId: orderId, sku: SKU, unitIds, skuVersion: 7 },
});

/** The inventory's ReservationConfirmed, as the inventory service appends it to the SKU's stream. */
async function confirmInEventStore(db: TestDatabase, orderId: string, unitIds: string[]): Promise<void> {
  await db.pool.query(
    `INSERT INTO events (event_id, stream_id, version, type, data, occurred_at)
     SELECT $1, $2, COALESCE(max(version), 0) + 1, 'ReservationConfirmed', $3, now() FROM events WHERE stream_id = $2`,
    [
      randomUUID(),
      `sku-${SKU}`,
      JSON.stringify({
        sku: SKU,
        at: Date.now(),
        actor: null,
        channel: CHANNEL,
        channelOrderId: orderId,
        quantity: unitIds.length,
        allocatedUnitIds: unitIds,
        loopUnits: [],
      }),
    ],
  );
}

async function counter(registry: Registry, name: string): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  return (metric?.values ?? []).find((v) => v.labels.channel === CHANNEL)?.value ?? 0;
}

describe('a forged card-keys.allocated on the real broker', () => {
  let db: TestDatabase;
  let inventoryBus: KafkaMessageBus;
  let connectorBus: KafkaMessageBus;
  let deliverer: CardKeyDeliverer;
  const prefix = uniqueTopicPrefix('forged');
  const registry = new Registry();
  const delivered: { orderId: string; cards: readonly CardKeyToDeliver[] }[] = [];
  const alerts: object[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('forged_allocation');
    db.pool.on('error', () => undefined);
    await runMigrations(db.pool, channelsMigrations);
    await runMigrations(db.pool, eventStoreMigrations);
    await runMigrations(db.pool, cardVaultMigrations);
    const vault = new CardVault(db.pool, {
      activeKeyId: 'k1',
      keys: { k1: randomBytes(32) },
      fingerprintKey: randomBytes(32),
    });
    await vault.storeBatch(SKU, [
      { unitId: 'unit-paid', secret: 'CODE-PAID-BY-A' },
      { unitId: 'unit-unsold', secret: 'CODE-NOT-SOLD' },
    ]);
    const adapter: PlatformAdapter = {
      channel: CHANNEL,
      maxBatchSize: 100,
      push: async () => [],
      readListings: async () => ({ items: [] }),
      deliverCardKeys: async (orderId, _sku, cards) => void delivered.push({ orderId, cards }),
    };
    deliverer = testDeliverer(adapter, db.pool, vault, registry, alerts);
    inventoryBus = testKafkaBus('inventory-service', prefix);
    connectorBus = testKafkaBus('connector-shop', prefix);
    await connectorBus.subscribe(OrderOutcomesTopic, 'connector-shop-fulfilment', deliverer.onOutcomes);
    await inventoryBus.start();
    await connectorBus.start();
    deliverer.start();
  });

  afterAll(async () => {
    await deliverer?.stop();
    await connectorBus?.stop();
    await inventoryBus?.stop();
    await deleteTopicsWithPrefix(prefix);
    await db?.drop();
  });

  it('given unit-paid allocated to order A in the event store, when the broker also carries it for order X and an unsold unit for order Y, then only A gets its key, once, and the forgeries are counted and alerted', async () => {
    await confirmInEventStore(db, 'order-A', ['unit-paid']);

    // The forgeries come first: on a first-come ledger they would take the key away from A.
    await inventoryBus.publish(OrderOutcomesTopic, [
      announce('order-X', ['unit-paid']),
      announce('order-Y', ['unit-unsold']),
    ]);
    await inventoryBus.publish(OrderOutcomesTopic, [announce('order-A', ['unit-paid'])]);
    // A redelivered real announcement changes nothing.
    await inventoryBus.publish(OrderOutcomesTopic, [announce('order-A', ['unit-paid'])]);

    await eventually(async () =>
      (await counter(registry, 'stocksync_card_key_forged_allocations_total')) >= 2 &&
      delivered.some((d) => d.orderId === 'order-A')
        ? true
        : undefined,
    );
    await eventually(async () => {
      const { rows } = await db.pool.query(
        "SELECT count(*)::int AS n FROM card_key_deliveries WHERE order_id = 'order-A' AND state = 'delivered'",
      );
      return rows[0].n === 1 ? true : undefined;
    });
    await deliverer.runOnce();

    expect(delivered).toEqual([
      { orderId: 'order-A', cards: [{ unitId: 'unit-paid', secret: 'CODE-PAID-BY-A' }] },
    ]);
    expect(await counter(registry, 'stocksync_card_key_forged_allocations_total')).toBe(2);
    expect(alerts).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          alert: 'CARD_KEY_FORGED_ALLOCATION',
          orderId: 'order-X',
          unitIds: ['unit-paid'],
        }),
        expect.objectContaining({
          alert: 'CARD_KEY_FORGED_ALLOCATION',
          orderId: 'order-Y',
          unitIds: ['unit-unsold'],
        }),
      ]),
    );
    // Nothing was revealed for the forged orders, and they never reached the delivery ledger.
    const reveals = await db.pool.query('SELECT unit_id, order_id FROM card_key_reveals ORDER BY reveal_id');
    expect(reveals.rows).toEqual([{ unit_id: 'unit-paid', order_id: 'order-A' }]);
    const ledger = await db.pool.query('SELECT DISTINCT order_id FROM card_key_deliveries ORDER BY order_id');
    expect(ledger.rows).toEqual([{ order_id: 'order-A' }]);
  });
});
