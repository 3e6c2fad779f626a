import { PostgresEventStore } from '@libs/event-store';
import { channelTargets, mapEntries, mapValues, stockLevels } from '@libs/inventory';
import { createTestDatabase, eventually, type TestDatabase } from '@libs/testing';
import { Registry } from 'prom-client';
import {
  appendCommands,
  headCheckpoint,
  projectToHead,
  dumpReadModels,
  foldStore,
  inventoryHandler,
  outboxCount,
  type InventoryHandler,
} from '../test/projection-fixtures';
import { commandsFor, T0 } from '../test/recorded-streams';
import { tradingDay } from '../test/scenario';
import { CheckpointMovedError, Projector } from './projector';
import { ProjectorMetrics } from './projector.metrics';

describe('the projector on PostgreSQL', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  let handler: InventoryHandler;
  const commands = tradingDay();
  const half = Math.floor(commands.length / 2);

  beforeAll(async () => {
    db = await createTestDatabase('projector');
    store = await PostgresEventStore.create(db.pool);
    handler = inventoryHandler(store);
  });
  afterAll(() => db?.drop());

  const projector = (options: ConstructorParameters<typeof Projector>[2] = {}) =>
    new Projector(db.pool, store, { stateSaveEvery: 4, ...options });

  it('projects events appended through the command path into rows equal to the fold of the events', async () => {
    // Small batches, projected while appends go on: many batch boundaries inside each stream.
    const live = projector({ batchSize: 7 });
    await appendCommands(handler, commands.slice(0, half), 5);
    await projectToHead(live, db.pool);
    await appendCommands(handler, commands.slice(half), 5);
    await projectToHead(live, db.pool);

    const folds = await foldStore(store, db.pool);
    expect([...folds.keys()]).toEqual(expect.arrayContaining(['GIFT-100', 'KEYS-1', 'GHOST']));
    const dump = await dumpReadModels(db.pool);

    for (const [sku, { state, version }] of folds) {
      const levels = stockLevels(state);
      const row = (dump.sku_stock as Record<string, unknown>[]).find((r) => r.sku === sku);
      if (state.kind === null) {
        expect(row).toBeUndefined();
      } else {
        expect(row).toMatchObject({
          kind: levels.kind,
          received: levels.received,
          adjusted: levels.adjusted,
          delivered: levels.delivered,
          on_hand: levels.onHand,
          reserved: levels.reserved,
          held_in_pools: levels.heldInPools,
          available: levels.available,
          endless: levels.endless,
          endless_reserved: levels.endlessReserved,
          endless_delivered: levels.endlessDelivered,
          low_stock_threshold: state.lowStockThreshold,
          per_order_cap: state.perOrderCap,
          version,
        });
      }

      const reservations = (dump.reservations as Record<string, unknown>[]).filter((r) => r.sku === sku);
      const orders = mapValues(state.orders);
      expect(reservations).toHaveLength(orders.length);
      for (const order of orders) {
        expect(reservations).toContainEqual(
          expect.objectContaining({
            channel: order.channel,
            channel_order_id: order.channelOrderId,
            status: order.status,
            reason: order.reason,
            expires_at: order.expiresAt === null ? null : new Date(order.expiresAt),
            allocated_unit_ids: [...order.allocatedUnitIds],
          }),
        );
      }

      const counts = new Map<string, number>();
      for (const [, unit] of mapEntries(state.units)) {
        counts.set(`${unit.batchId}|${unit.status}`, (counts.get(`${unit.batchId}|${unit.status}`) ?? 0) + 1);
      }
      const counted = (
        dump.card_key_counts as { sku: string; batch_id: string; state: string; count: number }[]
      )
        .filter((r) => r.sku === sku && r.count !== 0)
        .map((r) => [`${r.batch_id}|${r.state}`, r.count]);
      expect(new Map(counted as [string, number][])).toEqual(counts);

      const movements = (
        dump.stock_movements as { sku: string; delta_on_hand: number; delta_available: number }[]
      ).filter((m) => m.sku === sku);
      expect(movements.reduce((n, m) => n + m.delta_on_hand, 0)).toBe(levels.onHand);
      expect(movements.reduce((n, m) => n + m.delta_available, 0)).toBe(levels.available);

      const alert = (dump.stock_alerts as { sku: string; open: boolean }[]).find((a) => a.sku === sku);
      expect(alert?.open ?? false).toBe(state.lowStockAlertActive);

      // The newest outbox row per channel is the domain's target at the SKU's version.
      const { rows: latest } = await db.pool.query<{ channel: string; quantity: string; version: string }>(
        `SELECT DISTINCT ON (channel) channel, quantity, version FROM target_outbox WHERE sku = $1 ORDER BY channel, id DESC`,
        [sku],
      );
      expect(Object.fromEntries(latest.map((r) => [r.channel, Number(r.quantity)]))).toEqual(
        channelTargets(state),
      );
    }
    // The named SKUs went through every kind of row.
    expect(dump.stock_alerts).toContainEqual(expect.objectContaining({ sku: 'GIFT-100' }));
    expect(dump.card_key_counts).toContainEqual(
      expect.objectContaining({ sku: 'KEYS-1', state: 'redeemed', count: 1 }),
    );
  });

  it('leaves identical rows when the same events are projected a second time from the start', async () => {
    const before = await dumpReadModels(db.pool);
    const outboxBefore = await outboxCount(db.pool);
    await db.pool.query('DELETE FROM projection_checkpoints');
    const metrics = new ProjectorMetrics(new Registry());
    const again = projector({ metrics });
    await projectToHead(again, db.pool);
    const { rows } = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM events');
    const replayed = rows[0].n;
    expect(await dumpReadModels(db.pool)).toEqual(before);
    expect(await outboxCount(db.pool)).toBe(outboxBefore);
    const counted = await metrics.events.get();
    expect(counted.values.find((v) => v.labels.result === 'already_applied')?.value).toBe(replayed);
    expect(counted.values.find((v) => v.labels.result === 'applied')).toBeUndefined();
  });

  it('resumes with a cold cache from the saved state plus the events after it', async () => {
    const more = commandsFor('GIFT-100');
    await appendCommands(handler, [more.reserve(T0 + 3_600_000, 'pinduoduo', 'P9', 1)]);
    await projectToHead(projector(), db.pool);
    const { rows } = await db.pool.query(
      `SELECT version, state_version FROM projection_sku_state WHERE sku = 'GIFT-100'`,
    );
    expect(Number(rows[0].state_version) % 4).toBe(0);
    expect(Number(rows[0].state_version)).toBeLessThan(Number(rows[0].version));

    // A new instance knows nothing in memory: it must start from the saved state and replay the tail.
    await appendCommands(handler, [
      more.confirm(T0 + 3_600_001, 'pinduoduo', 'P9'),
      more.receive(T0 + 3_600_002, 'b9', 4),
    ]);
    await projectToHead(projector(), db.pool);
    const gift = (await foldStore(store, db.pool)).get('GIFT-100')!;
    const { rows: stock } = await db.pool.query(
      `SELECT on_hand, available, version FROM sku_stock WHERE sku = 'GIFT-100'`,
    );
    expect(stock[0]).toEqual({
      on_hand: String(stockLevels(gift.state).onHand),
      available: String(stockLevels(gift.state).available),
      version: String(gift.version),
    });
  });

  it('rebuilds to exactly the live tables', async () => {
    const live = await dumpReadModels(db.pool);
    const outboxBefore = await outboxCount(db.pool);
    const rebuilding = projector({ batchSize: 500 });
    const result = await rebuilding.rebuild();
    expect(result.events).toBeGreaterThan(0);
    await projectToHead(rebuilding, db.pool);
    expect(await dumpReadModels(db.pool)).toEqual(live);
    // The replay announces targets again; connectors drop versions older than the last one they sent.
    expect(await outboxCount(db.pool)).toBeGreaterThan(outboxBefore);
  });

  it('follows the store live, and two instances running at once still converge on a rebuild', async () => {
    const errors: unknown[] = [];
    // Two instances on one checkpoint: each batch checks the stored checkpoint under the projection lock, and the
    // instance that finds it moved resubscribes from there.
    const first = projector({
      pollIntervalMs: 20,
      retryDelayMs: 20,
      batchSize: 3,
      onError: (e) => errors.push(e),
    });
    const second = projector({
      pollIntervalMs: 20,
      retryDelayMs: 20,
      batchSize: 5,
      onError: (e) => errors.push(e),
    });
    await first.start();
    await second.start();
    try {
      const flash = commandsFor('FLASH');
      const orders = Array.from({ length: 40 }, (_, i) =>
        flash.reserve(T0 + 100 + i, i % 2 ? 'taobao' : 'shop', `F${i}`, 1),
      );
      await appendCommands(
        handler,
        [
          flash.register(T0, 'quantity'),
          flash.policy(T0, 'taobao'),
          flash.receive(T0 + 1, 'b1', 30),
          ...orders,
        ],
        4,
      );
      const head = await headCheckpoint(db.pool);
      await eventually(
        async () => {
          const { rows } = await db.pool.query(
            `SELECT transaction_id, global_position FROM projection_checkpoints`,
          );
          return (
            rows.length === 1 &&
            Number(rows[0].transaction_id) === head!.transactionId &&
            Number(rows[0].global_position) === head!.globalPosition
          );
        },
        40_000,
        'the projection to reach the last event',
      );
    } finally {
      await first.stop();
      await second.stop();
    }
    expect(errors.filter((e) => !(e instanceof CheckpointMovedError))).toEqual([]);
    const live = await dumpReadModels(db.pool);
    const rebuilding = projector();
    await rebuilding.rebuild();
    await projectToHead(rebuilding, db.pool);
    expect(await dumpReadModels(db.pool)).toEqual(live);
  });
});
