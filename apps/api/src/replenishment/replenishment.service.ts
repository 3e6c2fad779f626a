import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { type Queryable, withTransaction } from '@libs/database';
import type { AlertSink } from '@libs/messaging';
import { LOGGER } from '@libs/observability';
import {
  addDays,
  coverAlertChange,
  dailyHistory,
  fitSalesModel,
  forecastDays,
  planReplenishment,
  safetyStockFromDays,
  type SalesHistory,
  type SalesModel,
} from '@libs/replenishment';
import { PeriodicTask } from '@libs/resilience';
import { PG_POOL } from '@libs/runtime';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { dailySales, localDay } from './daily-sales';
import { ReplenishmentConfig } from './replenishment.config';
import { ReplenishmentMetrics } from './replenishment.metrics';

/** The alert sink of the replenishment pass (an AlertPublisher on the api's bus). */
export const REPLENISHMENT_ALERTS = Symbol('REPLENISHMENT_ALERTS');

/** SKUs read, forecast and written per step of a pass. */
const PAGE = 500;
/** Days of sales summed in `soldLast28Days`. */
const RECENT_DAYS = 28;

export interface StockRow {
  sku: string;
  kind: string;
  available: number;
  endless: boolean;
}

export interface OwnSettings {
  leadTimeDays: number | null;
  safetyStockUnits: number | null;
  updatedBy: string;
  updatedAt: Date;
}

export interface SkuForecast {
  sku: string;
  /** Counted stock (quantity or card-key SKU, not endless): the only kind a reorder is suggested for. */
  tracked: boolean;
  available: number;
  velocity: number;
  daysOfCover: number | null;
  leadTimeDays: number;
  safetyStockUnits: number;
  demandOverCycle: number;
  reorderUnits: number;
  soldLast28Days: number;
  lowCover: boolean;
  /** Days [from, today) of sales the model read, in the configured time zone. */
  from: string;
  today: string;
  history: SalesHistory;
  model: SalesModel;
  own: OwnSettings | null;
}

/**
 * Forecasts every counted SKU on REPLENISHMENT_INTERVAL_MS (the list of GET /v1/replenishment is that pass's
 * result) and raises or resolves LOW_DAYS_OF_COVER. Every api instance runs the pass: the rows it writes are the
 * same, and the notifier deduplicates an alert raised twice.
 */
@Injectable()
export class ReplenishmentService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly task: PeriodicTask;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly config: ReplenishmentConfig,
    private readonly metrics: ReplenishmentMetrics,
    @Inject(REPLENISHMENT_ALERTS) private readonly alerts: AlertSink,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.task = new PeriodicTask(() => this.refreshAll(new Date()), {
      intervalMs: config.intervalMs,
      // Soon after start, so the list is there without waiting a whole interval.
      firstDelayMs: 5_000,
      onError: (err) =>
        this.logger.warn(
          { err: (err as Error).message },
          'replenishment pass failed; retrying next interval',
        ),
    });
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.task.stop();
  }

  /** One pass over every registered SKU; returns how many were forecast and how many are low. */
  async refreshAll(now: Date): Promise<{ skus: number; low: number }> {
    const end = this.metrics.passSeconds.startTimer();
    try {
      if (!(await this.readModelsPresent())) return { skus: 0, low: 0 };
      let after = '';
      let skus = 0;
      let low = 0;
      for (;;) {
        const { rows } = await this.pool.query<{
          sku: string;
          kind: string;
          available: string;
          endless: boolean;
        }>(`SELECT sku, kind, available::text, endless FROM sku_stock WHERE sku > $1 ORDER BY sku LIMIT $2`, [
          after,
          PAGE,
        ]);
        if (rows.length === 0) break;
        after = rows[rows.length - 1]!.sku;
        const tracked = rows.map(stockRow).filter(isTracked);
        const forecasts = await this.refreshSkus(tracked, now);
        skus += forecasts.length;
        low += forecasts.filter((f) => f.lowCover).length;
        if (rows.length < PAGE) break;
      }
      // SKUs no longer counted (made endless, gone from the read models after a rebuild) leave the list, and an
      // alert still open for one is resolved.
      await this.pool.query(`DELETE FROM replenishment_forecasts WHERE computed_at < $1`, [now]);
      const { rows: orphans } = await this.pool.query<{ sku: string; lead_time_days: number }>(
        `SELECT a.sku, a.lead_time_days FROM replenishment_alerts a
          WHERE a.open AND NOT EXISTS (SELECT 1 FROM replenishment_forecasts f WHERE f.sku = a.sku)`,
      );
      for (const o of orphans)
        await this.resolveAlert(
          o.sku,
          now,
          `SKU ${o.sku} is no longer counted stock (endless, or no longer registered): days of cover no longer apply.`,
        );
      this.metrics.skus.set(skus);
      this.metrics.lowCoverSkus.set(low);
      this.metrics.passes.inc({ result: 'ok' });
      return { skus, low };
    } catch (error) {
      this.metrics.passes.inc({ result: 'failed' });
      throw error;
    } finally {
      end();
    }
  }

  /** Forecasts these SKUs, writes their rows of the list and raises or resolves their alerts. */
  async refreshSkus(stock: readonly StockRow[], now: Date): Promise<SkuForecast[]> {
    const forecasts = await this.forecast(stock, now);
    const tracked = forecasts.filter((f) => f.tracked);
    if (tracked.length === 0) return [];
    await this.pool.query(
      `INSERT INTO replenishment_forecasts AS f (sku, available, velocity, days_of_cover, lead_time_days,
              safety_stock_units, demand_over_cycle, reorder_units, sold_last_28_days, low_cover, computed_at)
       SELECT * , $11::timestamptz FROM unnest($1::text[], $2::bigint[], $3::float8[], $4::float8[], $5::int[],
              $6::bigint[], $7::float8[], $8::bigint[], $9::bigint[], $10::boolean[])
       ON CONFLICT (sku) DO UPDATE SET available = EXCLUDED.available, velocity = EXCLUDED.velocity,
              days_of_cover = EXCLUDED.days_of_cover, lead_time_days = EXCLUDED.lead_time_days,
              safety_stock_units = EXCLUDED.safety_stock_units, demand_over_cycle = EXCLUDED.demand_over_cycle,
              reorder_units = EXCLUDED.reorder_units, sold_last_28_days = EXCLUDED.sold_last_28_days,
              low_cover = EXCLUDED.low_cover, computed_at = EXCLUDED.computed_at`,
      [
        tracked.map((f) => f.sku),
        tracked.map((f) => f.available),
        tracked.map((f) => f.velocity),
        tracked.map((f) => f.daysOfCover),
        tracked.map((f) => f.leadTimeDays),
        tracked.map((f) => f.safetyStockUnits),
        tracked.map((f) => f.demandOverCycle),
        tracked.map((f) => f.reorderUnits),
        tracked.map((f) => f.soldLast28Days),
        tracked.map((f) => f.lowCover),
        now,
      ],
    );
    await this.judgeAlerts(tracked, now);
    return tracked;
  }

  /** The forecast of these SKUs from their sales up to yesterday (today is not over). Writes nothing. */
  async forecast(stock: readonly StockRow[], now: Date): Promise<SkuForecast[]> {
    if (stock.length === 0) return [];
    const today = localDay(now, this.config.timeZone);
    const from = addDays(today, -this.config.historyDays);
    const skus = stock.map((s) => s.sku);
    const [sales, own] = await Promise.all([
      dailySales(this.pool, skus, from, today, this.config.timeZone),
      this.ownSettings(this.pool, skus),
    ]);
    return stock.map((s) => {
      const history = dailyHistory(sales.get(s.sku) ?? [], from, today);
      const model = fitSalesModel(history, { windowDays: this.config.historyDays });
      const mine = own.get(s.sku) ?? null;
      const leadTimeDays = mine?.leadTimeDays ?? this.config.leadTimeDays;
      const safetyStockUnits =
        mine?.safetyStockUnits ?? safetyStockFromDays(model.level, this.config.safetyStockDays);
      const tracked = isTracked(s);
      const plan = planReplenishment(
        model,
        { available: s.available },
        { leadTimeDays, reviewPeriodDays: this.config.reviewPeriodDays, safetyStockUnits },
      );
      const recent = history.units.slice(-RECENT_DAYS).reduce((a, b) => a + b, 0);
      return {
        sku: s.sku,
        tracked,
        available: s.available,
        velocity: plan.velocity,
        daysOfCover: tracked ? plan.daysOfCover : null,
        leadTimeDays,
        safetyStockUnits,
        demandOverCycle: plan.demandOverCycle,
        reorderUnits: tracked ? plan.reorderUnits : 0,
        soldLast28Days: recent,
        lowCover: tracked && plan.lowCover,
        from,
        today,
        history,
        model,
        own: mine,
      };
    });
  }

  async stockOf(sku: string): Promise<StockRow | undefined> {
    if (!(await this.readModelsPresent())) return undefined;
    const { rows } = await this.pool.query<{
      sku: string;
      kind: string;
      available: string;
      endless: boolean;
    }>(`SELECT sku, kind, available::text, endless FROM sku_stock WHERE sku = $1`, [sku]);
    return rows[0] ? stockRow(rows[0]) : undefined;
  }

  /**
   * Sets a SKU's own lead time and safety stock (undefined keeps a value, null returns it to the default), records
   * the change with its actor, and computes the SKU again at once so the list and the alert follow.
   */
  async changeSettings(
    stock: StockRow,
    change: { leadTimeDays?: number | null; safetyStockUnits?: number | null },
    actor: string,
    now: Date,
  ): Promise<SkuForecast> {
    await withTransaction(this.pool, async (client) => {
      // A row to lock even on the first change, so two changes of different fields at once both stay.
      await client.query(
        `INSERT INTO replenishment_settings (sku, updated_by, updated_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
        [stock.sku, actor, now],
      );
      const { rows } = await client.query<{
        lead_time_days: number | null;
        safety_stock_units: string | null;
      }>(
        `SELECT lead_time_days, safety_stock_units::text FROM replenishment_settings WHERE sku = $1 FOR UPDATE`,
        [stock.sku],
      );
      const before = rows[0];
      const leadTimeDays =
        change.leadTimeDays !== undefined ? change.leadTimeDays : (before?.lead_time_days ?? null);
      const safetyStockUnits =
        change.safetyStockUnits !== undefined
          ? change.safetyStockUnits
          : before?.safety_stock_units == null
            ? null
            : Number(before.safety_stock_units);
      await client.query(
        `INSERT INTO replenishment_settings (sku, lead_time_days, safety_stock_units, updated_by, updated_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (sku) DO UPDATE SET lead_time_days = EXCLUDED.lead_time_days,
           safety_stock_units = EXCLUDED.safety_stock_units, updated_by = EXCLUDED.updated_by,
           updated_at = EXCLUDED.updated_at`,
        [stock.sku, leadTimeDays, safetyStockUnits, actor, now],
      );
      await client.query(
        `INSERT INTO replenishment_settings_changes (sku, lead_time_days, safety_stock_units, actor, at)
         VALUES ($1, $2, $3, $4, $5)`,
        [stock.sku, leadTimeDays, safetyStockUnits, actor, now],
      );
    });
    if (isTracked(stock)) {
      try {
        await this.refreshSkus([stock], now);
      } catch (error) {
        // The settings are stored; the next pass brings the list and the alert up to date.
        this.logger.warn(
          { sku: stock.sku, err: (error as Error).message },
          'replenishment not recomputed after a settings change',
        );
      }
    }
    const [forecast] = await this.forecast([stock], now);
    return forecast!;
  }

  /** Up to `days` forecast days from today, as calendar days. */
  forecastCalendar(f: SkuForecast, days: number): { day: string; units: number }[] {
    return forecastDays(f.model, days).map((units, i) => ({ day: addDays(f.today, i), units }));
  }

  private async judgeAlerts(forecasts: readonly SkuForecast[], now: Date): Promise<void> {
    const { rows } = await this.pool.query<{ sku: string; open: boolean }>(
      `SELECT sku, open FROM replenishment_alerts WHERE sku = ANY ($1::text[])`,
      [forecasts.map((f) => f.sku)],
    );
    const open = new Map(rows.map((r) => [r.sku, r.open]));
    for (const f of forecasts) {
      const change = coverAlertChange(open.get(f.sku) ?? false, f.lowCover);
      if (change === 'raise') await this.raiseAlert(f, now);
      else if (change === 'resolve')
        await this.resolveAlert(
          f.sku,
          now,
          `SKU ${f.sku} has ${coverText(f.daysOfCover)} of cover again (lead time ${f.leadTimeDays} days).`,
          f.leadTimeDays,
        );
    }
  }

  /** Published first, then recorded: a failed publish leaves the alert closed here, and the next pass tries again. */
  private async raiseAlert(f: SkuForecast, now: Date): Promise<void> {
    try {
      await this.alerts.raise({
        kind: 'LOW_DAYS_OF_COVER',
        key: f.sku,
        severity: 'warning',
        summary:
          `SKU ${f.sku} has ${coverText(f.daysOfCover)} of cover (${f.available} available, selling ` +
          `${f.velocity.toFixed(1)} a day), below its lead time of ${f.leadTimeDays} days; ` +
          `suggested reorder ${f.reorderUnits} units.`,
        labels: { sku: f.sku },
        at: now,
      });
    } catch (error) {
      this.logger.warn({ sku: f.sku, err: (error as Error).message }, 'LOW_DAYS_OF_COVER not published');
      return;
    }
    this.metrics.alerts.inc({ change: 'raised' });
    await this.pool.query(
      `INSERT INTO replenishment_alerts AS a (sku, open, episode, days_of_cover, lead_time_days, raised_at)
       VALUES ($1, true, 1, $2, $3, $4)
       ON CONFLICT (sku) DO UPDATE SET open = true, episode = a.episode + 1, days_of_cover = EXCLUDED.days_of_cover,
         lead_time_days = EXCLUDED.lead_time_days, raised_at = EXCLUDED.raised_at, resolved_at = NULL`,
      [f.sku, f.daysOfCover, f.leadTimeDays, now],
    );
  }

  private async resolveAlert(sku: string, now: Date, summary: string, leadTimeDays?: number): Promise<void> {
    try {
      await this.alerts.resolve({
        kind: 'LOW_DAYS_OF_COVER',
        key: sku,
        severity: 'info',
        summary,
        labels: { sku },
        at: now,
      });
    } catch (error) {
      this.logger.warn({ sku, err: (error as Error).message }, 'LOW_DAYS_OF_COVER resolution not published');
      return;
    }
    this.metrics.alerts.inc({ change: 'resolved' });
    await this.pool.query(
      `UPDATE replenishment_alerts SET open = false, resolved_at = $2,
              lead_time_days = COALESCE($3, lead_time_days) WHERE sku = $1`,
      [sku, now, leadTimeDays ?? null],
    );
  }

  private async ownSettings(db: Queryable, skus: readonly string[]): Promise<Map<string, OwnSettings>> {
    const { rows } = await db.query<{
      sku: string;
      lead_time_days: number | null;
      safety_stock_units: string | null;
      updated_by: string;
      updated_at: Date;
    }>(
      `SELECT sku, lead_time_days, safety_stock_units::text, updated_by, updated_at
         FROM replenishment_settings WHERE sku = ANY ($1::text[])`,
      [skus],
    );
    return new Map(
      rows.map((r) => [
        r.sku,
        {
          leadTimeDays: r.lead_time_days,
          safetyStockUnits: r.safety_stock_units === null ? null : Number(r.safety_stock_units),
          updatedBy: r.updated_by,
          updatedAt: r.updated_at,
        },
      ]),
    );
  }

  /** The projector creates sku_stock and stock_movements; an api started before it has nothing to forecast yet. */
  private async readModelsPresent(): Promise<boolean> {
    const { rows } = await this.pool.query<{ present: boolean }>(
      `SELECT to_regclass('sku_stock') IS NOT NULL AND to_regclass('stock_movements') IS NOT NULL AS present`,
    );
    return rows[0]?.present === true;
  }
}

function stockRow(r: { sku: string; kind: string; available: string; endless: boolean }): StockRow {
  return { sku: r.sku, kind: r.kind, available: Number(r.available), endless: r.endless };
}

/**
 * Counted stock only: an endless SKU (unlimited, a live loop key) cannot run out, and a supplier-backed SKU's stock is
 * its suppliers' to replenish.
 */
export function isTracked(s: StockRow): boolean {
  return (s.kind === 'quantity' || s.kind === 'cardKey') && !s.endless;
}

function coverText(cover: number | null): string {
  return cover === null ? 'unlimited days' : `${cover.toFixed(1)} days`;
}
