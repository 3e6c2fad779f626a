import { runMigrations } from '@libs/database';
import { migrateReadModels, readModelTypes } from '@libs/read-models';
import {
  reportQuery,
  reportsMigrations,
  validateReportFilter,
  type ReportFilter,
  type ReportName,
} from '@libs/reports';
import { createTestDatabase, type TestDatabase } from '@libs/testing';

/*
 * A small hand-made history, and each report's figures worked out by hand from it (in the comments beside each
 * expectation). The week under report is Monday 2026-11-02 00:00 UTC to Monday 2026-11-09 00:00 UTC.
 *
 * Order lines (sku, channel, order, units, status, paid, delivered, fen per unit, buyer, supplier):
 *   o0  A taobao     1  delivered  11-01 23:00  11-02 00:10  –    b2   (paid before the week)
 *   o1  A taobao     2  delivered  11-02 10:15  +60 s        500  b1
 *   o2  A taobao     1  delivered  11-02 10:40  +300 s       700  b1
 *   o3  A taobao     3  confirmed  11-02 11:05  –            –    b2
 *   p1  A pinduoduo  1  delivered  11-02 10:20  +600 s       650  b1
 *   o4  B taobao     5  delivered  11-03 09:00  +120 s       100  b2   sup-1
 *   o5  A taobao     2  refunded   11-02 10:50  +60 s        500  b3   refunded 11-04 08:00 "buyer changed mind"
 *   o8  A taobao     1  delivered  11-03 09:30  +60 s        500  b2   (one order, two SKUs)
 *   o8  B taobao     1  delivered  11-03 09:30  +600 s       100  b2   sup-1
 *   o6  A taobao     1  rejected INSUFFICIENT_STOCK 11-03 12:00
 *   p2  B pinduoduo  4  rejected OVER_ORDER_CAP     11-03 13:00
 *   p3  A pinduoduo  2  rejected INSUFFICIENT_STOCK 11-05 00:00
 */

const WEEK: Pick<ReportFilter, 'from' | 'to'> = {
  from: new Date('2026-11-02T00:00:00Z'),
  to: new Date('2026-11-09T00:00:00Z'),
};

interface Line {
  sku: string;
  channel: string;
  order: string;
  quantity: number;
  status: string;
  reason?: string;
  created: string;
  paid?: string;
  deliveredAfterSeconds?: number;
  refunded?: string;
  refundNote?: string;
  unitPrice?: number;
  buyer?: string;
  supplier?: string;
}

const LINES: Line[] = [
  {
    sku: 'A',
    channel: 'taobao',
    order: 'o0',
    quantity: 1,
    status: 'delivered',
    created: '2026-11-01T22:59:00Z',
    paid: '2026-11-01T23:00:00Z',
    deliveredAfterSeconds: 4200,
    buyer: 'b2',
  },
  {
    sku: 'A',
    channel: 'taobao',
    order: 'o1',
    quantity: 2,
    status: 'delivered',
    created: '2026-11-02T10:14:00Z',
    paid: '2026-11-02T10:15:00Z',
    deliveredAfterSeconds: 60,
    unitPrice: 500,
    buyer: 'b1',
  },
  {
    sku: 'A',
    channel: 'taobao',
    order: 'o2',
    quantity: 1,
    status: 'delivered',
    created: '2026-11-02T10:39:00Z',
    paid: '2026-11-02T10:40:00Z',
    deliveredAfterSeconds: 300,
    unitPrice: 700,
    buyer: 'b1',
  },
  {
    sku: 'A',
    channel: 'taobao',
    order: 'o3',
    quantity: 3,
    status: 'confirmed',
    created: '2026-11-02T11:04:00Z',
    paid: '2026-11-02T11:05:00Z',
    buyer: 'b2',
  },
  {
    sku: 'A',
    channel: 'pinduoduo',
    order: 'p1',
    quantity: 1,
    status: 'delivered',
    created: '2026-11-02T10:19:00Z',
    paid: '2026-11-02T10:20:00Z',
    deliveredAfterSeconds: 600,
    unitPrice: 650,
    buyer: 'b1',
  },
  {
    sku: 'B',
    channel: 'taobao',
    order: 'o4',
    quantity: 5,
    status: 'delivered',
    created: '2026-11-03T08:59:00Z',
    paid: '2026-11-03T09:00:00Z',
    deliveredAfterSeconds: 120,
    unitPrice: 100,
    buyer: 'b2',
    supplier: 'sup-1',
  },
  {
    sku: 'A',
    channel: 'taobao',
    order: 'o5',
    quantity: 2,
    status: 'refunded',
    created: '2026-11-02T10:49:00Z',
    paid: '2026-11-02T10:50:00Z',
    deliveredAfterSeconds: 60,
    refunded: '2026-11-04T08:00:00Z',
    refundNote: 'buyer changed mind',
    unitPrice: 500,
    buyer: 'b3',
  },
  {
    sku: 'A',
    channel: 'taobao',
    order: 'o8',
    quantity: 1,
    status: 'delivered',
    created: '2026-11-03T09:29:00Z',
    paid: '2026-11-03T09:30:00Z',
    deliveredAfterSeconds: 60,
    unitPrice: 500,
    buyer: 'b2',
  },
  {
    sku: 'B',
    channel: 'taobao',
    order: 'o8',
    quantity: 1,
    status: 'delivered',
    created: '2026-11-03T09:29:00Z',
    paid: '2026-11-03T09:30:00Z',
    deliveredAfterSeconds: 600,
    unitPrice: 100,
    buyer: 'b2',
    supplier: 'sup-1',
  },
  {
    sku: 'A',
    channel: 'taobao',
    order: 'o6',
    quantity: 1,
    status: 'rejected',
    reason: 'INSUFFICIENT_STOCK',
    created: '2026-11-03T12:00:00Z',
  },
  {
    sku: 'B',
    channel: 'pinduoduo',
    order: 'p2',
    quantity: 4,
    status: 'rejected',
    reason: 'OVER_ORDER_CAP',
    created: '2026-11-03T13:00:00Z',
  },
  {
    sku: 'A',
    channel: 'pinduoduo',
    order: 'p3',
    quantity: 2,
    status: 'rejected',
    reason: 'INSUFFICIENT_STOCK',
    created: '2026-11-05T00:00:00Z',
  },
];

describe('reports on PostgreSQL', () => {
  let db: TestDatabase;

  async function report(name: ReportName, filter: Partial<ReportFilter> = {}) {
    const f: ReportFilter = { ...WEEK, ...filter };
    expect(validateReportFilter(name, f)).toBeNull();
    const { text, values } = reportQuery(name, f);
    const { rows } = await db.pool.query({ text, values, types: readModelTypes });
    return rows.map((r: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v])),
    );
  }

  beforeAll(async () => {
    db = await createTestDatabase('reports');
    await migrateReadModels(db.pool);
    await runMigrations(db.pool, reportsMigrations);
    for (const l of LINES) {
      const paid = l.paid ? new Date(l.paid) : null;
      const delivered =
        paid && l.deliveredAfterSeconds !== undefined
          ? new Date(paid.getTime() + l.deliveredAfterSeconds * 1000)
          : null;
      await db.pool.query(
        `INSERT INTO reservations (channel, channel_order_id, sku, quantity, status, reason, expires_at,
                                   allocated_unit_ids, loop_unit_ids, created_at, updated_at, updated_version,
                                   paid_at, delivered_at, refunded_at, refund_note, supplier_id, unit_price, buyer_ref)
         VALUES ($1, $2, $3, $4, $5, $6, NULL, '{}', '{}', $7, $7, 1, $8, $9, $10, $11, $12, $13, $14)`,
        [
          l.channel,
          l.order,
          l.sku,
          l.quantity,
          l.status,
          l.reason ?? null,
          l.created,
          paid,
          delivered,
          l.refunded ?? null,
          l.refundNote ?? null,
          l.supplier ?? null,
          l.unitPrice ?? null,
          l.buyer ?? null,
        ],
      );
    }
    // Stock: A counted (quantity), C card keys, D registered and never moved, B supplier-backed (no held stock).
    for (const [sku, kind, onHand] of [
      ['A', 'quantity', 170],
      ['B', 'supplier', 0],
      ['C', 'cardKey', 5],
      ['D', 'quantity', 0],
    ] as const) {
      await db.pool.query(
        `INSERT INTO sku_stock (sku, kind, received, adjusted, delivered, on_hand, reserved, held_in_pools, available,
                                endless, endless_reserved, endless_delivered, version, updated_at)
         VALUES ($1, $2, 0, 0, 0, $3, 0, 0, $3, false, 0, 0, 1, now())`,
        [sku, kind, onHand],
      );
    }
    const moves: [string, number, string, string, number, number, number][] = [
      // sku, version, event, time, quantity, change of on hand, on hand after
      ['A', 1, 'StockReceived', '2026-11-01T00:00:00Z', 100, 100, 100],
      ['A', 2, 'ReservationConfirmed', '2026-11-03T00:00:00Z', 10, -10, 90],
      ['A', 3, 'ReservationConfirmed', '2026-11-05T00:00:00Z', 20, -20, 70],
      ['A', 4, 'StockReceived', '2026-11-10T00:00:00Z', 100, 100, 170],
      ['C', 1, 'CardKeysImported', '2026-10-20T00:00:00Z', 5, 5, 5],
      ['B', 1, 'SupplierStockObserved', '2026-11-04T00:00:00Z', 50, 0, 0],
    ];
    let id = 0;
    for (const [sku, version, type, at, quantity, delta, onHandAfter] of moves) {
      id += 1;
      await db.pool.query(
        `INSERT INTO stock_movements (id, event_id, sku, version, event_type, quantity, delta_on_hand, delta_reserved,
                                      delta_held_in_pools, delta_available, on_hand_after, available_after, occurred_at)
         VALUES ($1, gen_random_uuid(), $2, $3, $4, $5, $6, 0, 0, 0, $7, $7, $8)`,
        [id, sku, version, type, quantity, delta, onHandAfter, at],
      );
    }
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('applies its migrations once, as component reports, after the read models', async () => {
    expect(await runMigrations(db.pool, reportsMigrations)).toEqual([]);
    const { rows } = await db.pool.query(
      `SELECT version FROM schema_migrations WHERE component = 'reports' ORDER BY version`,
    );
    expect(rows).toEqual([{ version: 1 }]);
  });

  it('sales-hourly: orders, units and revenue per SKU, channel and hour paid; refunds are not sales', async () => {
    expect(await report('sales-hourly')).toEqual([
      // p1: 1 unit × 650 fen
      {
        hour: '2026-11-02T10:00:00.000Z',
        sku: 'A',
        channel: 'pinduoduo',
        orders: 1,
        units: 1,
        revenue_fen: 650,
        priced_units: 1,
      },
      // o1 2 × 500 + o2 1 × 700 = 1,700 fen over 3 units; o5 (10:50) was refunded
      {
        hour: '2026-11-02T10:00:00.000Z',
        sku: 'A',
        channel: 'taobao',
        orders: 2,
        units: 3,
        revenue_fen: 1700,
        priced_units: 3,
      },
      // o3: no price known, so no revenue (not 0) and no priced units
      {
        hour: '2026-11-02T11:00:00.000Z',
        sku: 'A',
        channel: 'taobao',
        orders: 1,
        units: 3,
        revenue_fen: null,
        priced_units: 0,
      },
      // o8's line on A
      {
        hour: '2026-11-03T09:00:00.000Z',
        sku: 'A',
        channel: 'taobao',
        orders: 1,
        units: 1,
        revenue_fen: 500,
        priced_units: 1,
      },
      // o4 5 × 100 + o8's line on B 1 × 100
      {
        hour: '2026-11-03T09:00:00.000Z',
        sku: 'B',
        channel: 'taobao',
        orders: 2,
        units: 6,
        revenue_fen: 600,
        priced_units: 6,
      },
    ]);
    expect(await report('sales-hourly', { sku: 'B', channel: 'taobao' })).toEqual([
      {
        hour: '2026-11-03T09:00:00.000Z',
        sku: 'B',
        channel: 'taobao',
        orders: 2,
        units: 6,
        revenue_fen: 600,
        priced_units: 6,
      },
    ]);
    // Cut at the limit: one more row than asked for tells the caller there is more.
    expect(await report('sales-hourly', { limit: 2 })).toHaveLength(3);
  });

  it('stock-turnover: time-weighted stock on hand against units sold, per SKU of counted stock', async () => {
    expect(await report('stock-turnover')).toEqual([
      // A: 100 on hand from before the week for 1 day, 90 for 2 days, 70 for 4 days: (100 + 180 + 280) / 7 = 80
      // (as the query adds it up: 100 × 7 − 10 × 6 − 20 × 4 = 560 unit-days).
      // Sold 10 + 20 = 30; turnover 30 / 80 = 0.375; days of stock 80 × 7 / 30 = 18.666… → 18.67.
      {
        sku: 'A',
        kind: 'quantity',
        days: 7,
        avg_on_hand: 80,
        units_sold: 30,
        turnover: 0.375,
        days_of_stock: 18.67,
      },
      // C: 5 keys all week, none sold: turnover 0, days of stock unbounded (null).
      { sku: 'C', kind: 'cardKey', days: 7, avg_on_hand: 5, units_sold: 0, turnover: 0, days_of_stock: null },
      // D: never had stock. B is supplier-backed: it holds none, so it has no row.
      {
        sku: 'D',
        kind: 'quantity',
        days: 7,
        avg_on_hand: 0,
        units_sold: 0,
        turnover: null,
        days_of_stock: null,
      },
    ]);
    // Two days, 11-03 to 11-05: 90 all along (the 11-05 sale is at the end, excluded); sold 10 on 11-03.
    // Turnover 10 / 90 = 0.1111; days of stock 90 × 2 / 10 = 18.
    expect(
      await report('stock-turnover', {
        from: new Date('2026-11-03T00:00:00Z'),
        to: new Date('2026-11-05T00:00:00Z'),
        sku: 'A',
      }),
    ).toEqual([
      {
        sku: 'A',
        kind: 'quantity',
        days: 2,
        avg_on_hand: 90,
        units_sold: 10,
        turnover: 0.1111,
        days_of_stock: 18,
      },
    ]);
  });

  it('repeat-purchase: buyers with two or more paid orders over buyers with one, per period and channel', async () => {
    expect(await report('repeat-purchase', { period: 'day' })).toEqual([
      // 11-02: taobao b1 (o1, o2), taobao b2 (o3), pinduoduo b1 (p1): a buyer is per channel. o5 (b3) was refunded.
      {
        period_start: '2026-11-02T00:00:00.000Z',
        channel: null,
        buyers: 3,
        repeat_buyers: 1,
        repeat_rate: 0.3333,
      },
      {
        period_start: '2026-11-02T00:00:00.000Z',
        channel: 'pinduoduo',
        buyers: 1,
        repeat_buyers: 0,
        repeat_rate: 0,
      },
      {
        period_start: '2026-11-02T00:00:00.000Z',
        channel: 'taobao',
        buyers: 2,
        repeat_buyers: 1,
        repeat_rate: 0.5,
      },
      // 11-03: taobao b2 (o4, and o8 counted once for its two SKUs)
      {
        period_start: '2026-11-03T00:00:00.000Z',
        channel: null,
        buyers: 1,
        repeat_buyers: 1,
        repeat_rate: 1,
      },
      {
        period_start: '2026-11-03T00:00:00.000Z',
        channel: 'taobao',
        buyers: 1,
        repeat_buyers: 1,
        repeat_rate: 1,
      },
    ]);
    // The ISO week from Monday 11-02: taobao b1 (2 orders), b2 (o3, o4, o8); pinduoduo b1 (1): 2 of 3 repeat.
    expect(await report('repeat-purchase', { period: 'week' })).toEqual([
      {
        period_start: '2026-11-02T00:00:00.000Z',
        channel: null,
        buyers: 3,
        repeat_buyers: 2,
        repeat_rate: 0.6667,
      },
      {
        period_start: '2026-11-02T00:00:00.000Z',
        channel: 'pinduoduo',
        buyers: 1,
        repeat_buyers: 0,
        repeat_rate: 0,
      },
      {
        period_start: '2026-11-02T00:00:00.000Z',
        channel: 'taobao',
        buyers: 2,
        repeat_buyers: 2,
        repeat_rate: 1,
      },
    ]);
    // With the SKU B only: b2's o4 and o8 on 11-03.
    expect(await report('repeat-purchase', { period: 'month', sku: 'B' })).toEqual([
      {
        period_start: '2026-11-01T00:00:00.000Z',
        channel: null,
        buyers: 1,
        repeat_buyers: 1,
        repeat_rate: 1,
      },
      {
        period_start: '2026-11-01T00:00:00.000Z',
        channel: 'taobao',
        buyers: 1,
        repeat_buyers: 1,
        repeat_rate: 1,
      },
    ]);
  });

  it('fulfilment-time: paid → delivered p50 and p95 per channel and per supplier', async () => {
    expect(await report('fulfilment-time')).toEqual([
      // pinduoduo: p1 600 s alone
      { dimension: 'channel', key: 'pinduoduo', orders: 1, p50_seconds: 600, p95_seconds: 600 },
      // taobao: o1 60, o2 300, o4 120, o5 60 (refunded later, delivered first), o8/A 60, o8/B 600 →
      // sorted 60 60 60 120 300 600; p50 at rank 2.5: (60 + 120) / 2 = 90; p95 at rank 4.75: 300 + 0.75 × 300 = 525
      { dimension: 'channel', key: 'taobao', orders: 6, p50_seconds: 90, p95_seconds: 525 },
      // own stock: 60 60 60 300 600; p50 rank 2: 60; p95 rank 3.8: 300 + 0.8 × 300 = 540
      { dimension: 'supplier', key: '(own stock)', orders: 5, p50_seconds: 60, p95_seconds: 540 },
      // sup-1: o4 120, o8/B 600; p50 rank 0.5: 360; p95 rank 0.95: 120 + 0.95 × 480 = 576
      { dimension: 'supplier', key: 'sup-1', orders: 2, p50_seconds: 360, p95_seconds: 576 },
    ]);
    expect(await report('fulfilment-time', { channel: 'pinduoduo' })).toEqual([
      { dimension: 'channel', key: 'pinduoduo', orders: 1, p50_seconds: 600, p95_seconds: 600 },
      { dimension: 'supplier', key: '(own stock)', orders: 1, p50_seconds: 600, p95_seconds: 600 },
    ]);
  });

  it('order-failures: rejections by reason code and refunds by note, per channel', async () => {
    expect(await report('order-failures')).toEqual([
      { outcome: 'refunded', reason: 'buyer changed mind', channel: 'taobao', orders: 1, units: 2 },
      { outcome: 'rejected', reason: 'INSUFFICIENT_STOCK', channel: 'pinduoduo', orders: 1, units: 2 },
      { outcome: 'rejected', reason: 'INSUFFICIENT_STOCK', channel: 'taobao', orders: 1, units: 1 },
      { outcome: 'rejected', reason: 'OVER_ORDER_CAP', channel: 'pinduoduo', orders: 1, units: 4 },
    ]);
    // p3 (11-05 00:00) falls outside a range that ends there.
    expect(await report('order-failures', { to: new Date('2026-11-05T00:00:00Z'), sku: 'A' })).toEqual([
      { outcome: 'refunded', reason: 'buyer changed mind', channel: 'taobao', orders: 1, units: 2 },
      { outcome: 'rejected', reason: 'INSUFFICIENT_STOCK', channel: 'taobao', orders: 1, units: 1 },
    ]);
  });

  it('has views that answer what the queries answer over the whole history', async () => {
    const view = async (sql: string) =>
      (await db.pool.query({ text: sql, types: readModelTypes })).rows.map((r: Record<string, unknown>) =>
        Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v])),
      );
    const wide = { from: new Date('2026-10-01T00:00:00Z'), to: new Date('2026-12-31T00:00:00Z') };
    expect(await view('SELECT * FROM report_sales_hourly ORDER BY hour, sku, channel')).toEqual(
      await report('sales-hourly', wide),
    );
    // o0 was paid on 11-01 at 23:00: in the view, not in the week.
    expect(await view(`SELECT count(*)::int AS n FROM report_sales_hourly`)).toEqual([{ n: 6 }]);
    expect(
      await view('SELECT * FROM report_repeat_purchase_weekly ORDER BY period_start, channel NULLS FIRST'),
    ).toEqual(await report('repeat-purchase', { ...wide, period: 'week' }));
    expect(await view('SELECT * FROM report_fulfilment_time ORDER BY dimension, key')).toEqual(
      await report('fulfilment-time', wide),
    );
    expect(
      await view('SELECT * FROM report_order_failures ORDER BY outcome, orders DESC, reason, channel'),
    ).toEqual(await report('order-failures', wide));
    const { rows } = await db.pool.query(
      `SELECT (date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC') AS t`,
    );
    const to = rows[0].t as Date;
    expect(await view('SELECT * FROM report_stock_turnover_30d ORDER BY sku')).toEqual(
      await report('stock-turnover', { from: new Date(to.getTime() - 30 * 86_400_000), to }),
    );
  });

  it('refuses a range out of order, too long, or a filter the report does not take', () => {
    const week = { ...WEEK };
    expect(validateReportFilter('sales-hourly', { from: week.to, to: week.from })?.field).toBe('from');
    expect(
      validateReportFilter('sales-hourly', { from: new Date('2026-01-01T00:00:00Z'), to: week.to })?.field,
    ).toBe('to');
    expect(validateReportFilter('stock-turnover', { ...week, channel: 'taobao' })?.field).toBe('channel');
    expect(validateReportFilter('order-failures', { ...week, period: 'week' })?.field).toBe('period');
    expect(validateReportFilter('order-failures', { ...week, limit: 100_001 })?.field).toBe('limit');
  });
});
