import { randomUUID } from 'node:crypto';
import { runMigrations } from '@libs/database';
import {
  AlertPublisher,
  type AlertNotice,
  type AlertSink,
  AlertsTopic,
  InMemoryMessageBus,
} from '@libs/messaging';
import { MetricsRegistry } from '@libs/observability';
import { migrateReadModels } from '@libs/read-models';
import { createTestDatabase, type TestDatabase } from '@libs/testing';
import pino from 'pino';
import { dailySales } from '../src/replenishment/daily-sales';
import type { ReplenishmentConfig } from '../src/replenishment/replenishment.config';
import { ReplenishmentMetrics } from '../src/replenishment/replenishment.metrics';
import { replenishmentMigrations } from '../src/replenishment/replenishment.migrations';
import { ReplenishmentService } from '../src/replenishment/replenishment.service';

/**
 * The replenishment pass on real PostgreSQL: daily sales read from stock_movements, the list rows, and
 * LOW_DAYS_OF_COVER raised and resolved once per episode, on a fixture computed by hand.
 *
 * Now is 2026-12-01 12:00 in Shanghai (a Tuesday); 28 days of history: 2026-11-03 … 2026-11-30.
 *  - FLAT sells 5 a day every day → velocity 5; 30 available → 6 days of cover, under the default lead time of 7;
 *    reorder = 14 days × 5 + safety 3 days × 5 − 30 = 70 + 15 − 30 = 55.
 *  - SLOW sells 1 a day; 100 available → 100 days; reorder = 14 + 3 − 100 < 0 → 0.
 *  - IDLE never sold, nothing available → no cover figure (null), never low.
 *  - ENDLESS (unlimited) sells, and is not in the list.
 */
describe('replenishment pass', () => {
  let db: TestDatabase;
  const sent: { action: 'raise' | 'resolve'; alert: AlertNotice }[] = [];
  const sink: AlertSink = {
    raise: async (alert) => void sent.push({ action: 'raise', alert }),
    resolve: async (alert) => void sent.push({ action: 'resolve', alert }),
  };
  const config: ReplenishmentConfig = {
    leadTimeDays: 7,
    safetyStockDays: 3,
    reviewPeriodDays: 7,
    historyDays: 28,
    intervalMs: 60_000,
    timeZone: 'Asia/Shanghai',
  };
  const now = new Date('2026-12-01T04:00:00Z');
  const logger = pino({ level: 'silent' });
  let service: ReplenishmentService;
  let position = 0;
  const versions = new Map<string, number>();

  async function stock(sku: string, kind: string, available: number, endless = false): Promise<void> {
    await db.pool.query(
      `INSERT INTO sku_stock (sku, kind, received, adjusted, delivered, on_hand, reserved, held_in_pools, available,
                              endless, endless_reserved, endless_delivered, low_stock_threshold, version, updated_at)
       VALUES ($1, $2, 0, 0, 0, $3, 0, 0, $3, $4, 0, 0, NULL, 1, now())`,
      [sku, kind, available, endless],
    );
  }

  async function movement(sku: string, type: string, orderId: string | null, quantity: number, at: string) {
    position += 1;
    const version = (versions.get(sku) ?? 1) + 1;
    versions.set(sku, version);
    await db.pool.query(
      `INSERT INTO stock_movements (id, event_id, sku, version, event_type, channel, channel_order_id, quantity,
                                    delta_on_hand, delta_reserved, delta_held_in_pools, delta_available,
                                    on_hand_after, available_after, occurred_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, 0, 0, 0, 0, 0, $9)`,
      [position, randomUUID(), sku, version, type, orderId ? 'shop' : null, orderId, quantity, at],
    );
  }

  /** 10:00 in Shanghai on 2026-11-03 + `day`. */
  function at(day: number): string {
    return new Date(Date.UTC(2026, 10, 3 + day, 2)).toISOString();
  }

  beforeAll(async () => {
    db = await createTestDatabase('replenishment');
    await migrateReadModels(db.pool);
    await runMigrations(db.pool, replenishmentMigrations);
    await stock('FLAT', 'quantity', 30);
    await stock('SLOW', 'cardKey', 100);
    await stock('IDLE', 'quantity', 0);
    await stock('ENDLESS', 'unlimited', 0, true);
    for (let day = 0; day < 28; day++) {
      if (day === 0) {
        // 00:30 on 2026-11-03 in Shanghai is still 2026-11-02 in UTC: it counts on the 3rd.
        await movement('FLAT', 'ReservationConfirmed', 'f-early', 5, '2026-11-02T16:30:00Z');
      } else if (day === 10) {
        // 8 sold, 3 of them refunded back to stock: 5 kept.
        await movement('FLAT', 'ReservationConfirmed', 'f-refund', 8, at(day));
        await movement('FLAT', 'OrderRefunded', 'f-refund', 3, at(day + 2));
      } else {
        await movement('FLAT', 'StockReserved', `f-${day}`, 5, at(day));
        await movement('FLAT', 'ReservationConfirmed', `f-${day}`, 5, at(day));
      }
      await movement('SLOW', 'ReservationConfirmed', `s-${day}`, 1, at(day));
      await movement('ENDLESS', 'ReservationConfirmed', `e-${day}`, 3, at(day));
    }
    // Not sales: held and released, held and expired unpaid.
    await movement('FLAT', 'StockReserved', 'f-released', 40, at(5));
    await movement('FLAT', 'ReservationReleased', 'f-released', 40, at(5));
    await movement('FLAT', 'StockReserved', 'f-expired', 40, at(6));
    await movement('FLAT', 'ReservationExpired', 'f-expired', 40, at(6));
    // 00:30 on 2026-12-01 in Shanghai: today, which is not over, so not read.
    await movement('FLAT', 'ReservationConfirmed', 'f-today', 50, '2026-11-30T16:30:00Z');
    service = new ReplenishmentService(
      db.pool,
      config as ReplenishmentConfig,
      new ReplenishmentMetrics(new MetricsRegistry('api')),
      sink,
      logger,
    );
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('reads units sold per SKU per local day: paid orders less refunded units, nothing of today', async () => {
    const sales = await dailySales(db.pool, ['FLAT', 'SLOW'], '2026-11-03', '2026-12-01', 'Asia/Shanghai');
    const flat = sales.get('FLAT')!;
    expect(flat).toHaveLength(28);
    expect(flat[0]).toEqual({ sku: 'FLAT', day: '2026-11-03', units: 5 });
    expect(flat.every((r) => r.units === 5)).toBe(true);
    expect(flat[27]!.day).toBe('2026-11-30');
    expect(sales.get('SLOW')!.map((r) => r.units)).toEqual(new Array(28).fill(1));
  });

  it('lists each counted SKU with velocity, days of cover and reorder, and raises LOW_DAYS_OF_COVER for FLAT', async () => {
    expect(await service.refreshAll(now)).toEqual({ skus: 3, low: 1 });
    const { rows } = await db.pool.query(
      `SELECT sku, available::int, velocity, days_of_cover, lead_time_days, safety_stock_units::int,
              reorder_units::int, sold_last_28_days::int, low_cover
         FROM replenishment_forecasts ORDER BY days_of_cover ASC NULLS LAST, sku`,
    );
    expect(rows.map((r) => r.sku)).toEqual(['FLAT', 'SLOW', 'IDLE']);
    const [flat, slow, idle] = rows;
    expect(flat.velocity).toBeCloseTo(5, 9);
    expect(flat.days_of_cover).toBeCloseTo(6, 9);
    expect(flat).toMatchObject({
      lead_time_days: 7,
      safety_stock_units: 15,
      reorder_units: 55,
      sold_last_28_days: 140,
      low_cover: true,
    });
    expect(slow.days_of_cover).toBeCloseTo(100, 9);
    expect(slow).toMatchObject({ safety_stock_units: 3, reorder_units: 0, low_cover: false });
    expect(idle).toMatchObject({ velocity: 0, days_of_cover: null, reorder_units: 0, low_cover: false });
    expect(sent).toEqual([
      {
        action: 'raise',
        alert: expect.objectContaining({
          kind: 'LOW_DAYS_OF_COVER',
          key: 'FLAT',
          severity: 'warning',
          summary:
            'SKU FLAT has 6.0 days of cover (30 available, selling 5.0 a day), below its lead time of 7 days; ' +
            'suggested reorder 55 units.',
        }),
      },
    ]);
  });

  it('does not raise again while the episode lasts', async () => {
    await service.refreshAll(new Date(now.getTime() + 60_000));
    expect(sent).toHaveLength(1);
  });

  it("resolves once when the SKU's own lead time is under its cover, and raises a new episode when it is over", async () => {
    const flat = (await service.stockOf('FLAT'))!;
    const later = new Date(now.getTime() + 120_000);
    const changed = await service.changeSettings(flat, { leadTimeDays: 5 }, 'buyer-anna', later);
    expect(changed).toMatchObject({ leadTimeDays: 5, lowCover: false, own: { updatedBy: 'buyer-anna' } });
    // (lead 5 + review 7) days × 5 = 60, + safety 15 − 30 available = 45.
    expect(changed.reorderUnits).toBe(45);
    expect(sent.map((s) => s.action)).toEqual(['raise', 'resolve']);
    await service.refreshAll(new Date(now.getTime() + 180_000));
    expect(sent).toHaveLength(2);

    await service.changeSettings(flat, { leadTimeDays: 10, safetyStockUnits: 0 }, 'buyer-bo', later);
    expect(sent.map((s) => s.action)).toEqual(['raise', 'resolve', 'raise']);
    const { rows } = await db.pool.query(`SELECT open, episode FROM replenishment_alerts WHERE sku = 'FLAT'`);
    expect(rows).toEqual([{ open: true, episode: 2 }]);
    const changes = await db.pool.query(
      `SELECT lead_time_days, safety_stock_units::int, actor FROM replenishment_settings_changes ORDER BY id`,
    );
    expect(changes.rows).toEqual([
      { lead_time_days: 5, safety_stock_units: null, actor: 'buyer-anna' },
      { lead_time_days: 10, safety_stock_units: 0, actor: 'buyer-bo' },
    ]);
  });

  it("a null setting returns to the default; leaving it out keeps the SKU's own", async () => {
    const flat = (await service.stockOf('FLAT'))!;
    const kept = await service.changeSettings(flat, { safetyStockUnits: null }, 'buyer-bo', now);
    expect(kept).toMatchObject({ leadTimeDays: 10, safetyStockUnits: 15 });
  });

  it('publishes LOW_DAYS_OF_COVER as a valid stock.alerts message', async () => {
    const bus = new InMemoryMessageBus({ source: 'test', logger });
    const seen: { type: string; key: string; payload: { kind: string; labels: unknown } }[] = [];
    await bus.subscribe(AlertsTopic, 'g', async (batch) => {
      seen.push(
        ...batch.messages.map((m) => ({ type: m.envelope.type, key: m.key, payload: m.envelope.payload })),
      );
    });
    await bus.start();
    const published = new ReplenishmentService(
      db.pool,
      config as ReplenishmentConfig,
      new ReplenishmentMetrics(new MetricsRegistry('api')),
      new AlertPublisher(bus),
      logger,
    );
    await db.pool.query(`DELETE FROM replenishment_alerts`);
    await published.refreshAll(now);
    for (let waited = 0; seen.length < 1 && waited < 2_000; waited += 10)
      await new Promise((r) => setTimeout(r, 10));
    await bus.stop();
    expect(seen).toEqual([
      {
        type: 'alert.raised',
        key: 'LOW_DAYS_OF_COVER:FLAT',
        payload: expect.objectContaining({ kind: 'LOW_DAYS_OF_COVER', labels: { sku: 'FLAT' } }),
      },
    ]);
    // Recorded only once it was on the topic.
    const { rows } = await db.pool.query(`SELECT open FROM replenishment_alerts WHERE sku = 'FLAT'`);
    expect(rows).toEqual([{ open: true }]);
  });
});
