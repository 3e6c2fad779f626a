import type { Queryable } from '@libs/database';

/**
 * Units sold per SKU per day, from the projector's stock_movements. A sale is a `ReservationConfirmed` row (a paid
 * order: counted, card-key and endless stock alike; reservations that were released or expired unpaid never get
 * one), on the day of its payment in `timeZone`. Units an `OrderRefunded` of the same order put back on hand are
 * taken off that sale's day, so a refunded order is demand only for what it kept. Days without sales have no row.
 *
 * `from` and `to` are calendar days (YYYY-MM-DD) in `timeZone`, `to` excluded. The bounds are turned into instants
 * once, so the range is a plain comparison on occurred_at; the SKUs are looked up through the (sku, version) key.
 */
export const DAILY_SALES_SQL = `
WITH bounds AS (
  SELECT ($2::date)::timestamp AT TIME ZONE $4 AS lo, ($3::date)::timestamp AT TIME ZONE $4 AS hi
), sold AS (
  SELECT m.sku, m.channel, m.channel_order_id, m.quantity, m.occurred_at
    FROM stock_movements m, bounds b
   WHERE m.sku = ANY ($1::text[]) AND m.event_type = 'ReservationConfirmed'
     AND m.occurred_at >= b.lo AND m.occurred_at < b.hi
), returned AS (
  SELECT r.sku, r.channel, r.channel_order_id, sum(r.quantity) AS units
    FROM stock_movements r
    JOIN sold s ON s.sku = r.sku AND s.channel = r.channel AND s.channel_order_id = r.channel_order_id
   WHERE r.event_type = 'OrderRefunded'
   GROUP BY 1, 2, 3
)
SELECT s.sku,
       to_char((s.occurred_at AT TIME ZONE $4)::date, 'YYYY-MM-DD') AS day,
       sum(GREATEST(0, s.quantity - COALESCE(r.units, 0)))::text AS units
  FROM sold s
  LEFT JOIN returned r ON r.sku = s.sku AND r.channel = s.channel AND r.channel_order_id = s.channel_order_id
 GROUP BY 1, 2
 ORDER BY 1, 2`;

export interface DailySalesRow {
  sku: string;
  day: string;
  units: number;
}

export async function dailySales(
  db: Queryable,
  skus: readonly string[],
  from: string,
  to: string,
  timeZone: string,
): Promise<Map<string, DailySalesRow[]>> {
  const bySku = new Map<string, DailySalesRow[]>();
  if (skus.length === 0) return bySku;
  const { rows } = await db.query<{ sku: string; day: string; units: string }>(DAILY_SALES_SQL, [
    skus,
    from,
    to,
    timeZone,
  ]);
  for (const r of rows) {
    const list = bySku.get(r.sku) ?? [];
    list.push({ sku: r.sku, day: r.day, units: Number(r.units) });
    bySku.set(r.sku, list);
  }
  return bySku;
}

/** The calendar day (YYYY-MM-DD) of `at` in `timeZone`. */
export function localDay(at: Date, timeZone: string): string {
  // en-CA writes dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(at);
}
