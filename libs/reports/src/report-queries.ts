/**
 * The reports sellers read to choose what to stock, as SQL over the read models (docs/reference/reports.md
 * defines each with its SQL). One definition per report serves the analysts' views (report-views.migrations.ts,
 * the whole history or a fixed window), the API's routes and the CLI (a time range, a SKU, a channel), so the
 * figures cannot disagree. The filters go on the base columns before grouping, where the indexes of the
 * 'reports' migrations serve them; a filter on a view's grouped output could not use them.
 *
 * Periods are UTC: hours, days, ISO weeks (from Monday) and months start at 00:00 UTC.
 */

export const REPORT_NAMES = [
  'sales-hourly',
  'stock-turnover',
  'repeat-purchase',
  'fulfilment-time',
  'order-failures',
] as const;
export type ReportName = (typeof REPORT_NAMES)[number];

export const REPEAT_PERIODS = ['day', 'week', 'month'] as const;
export type RepeatPeriod = (typeof REPEAT_PERIODS)[number];

/** Most rows one report answer carries; a longer answer is cut and says so (`truncated`). */
export const MAX_REPORT_ROWS = 100_000;
export const DEFAULT_REPORT_ROWS = 10_000;
/** The default range: the 7 days before `to`. */
export const DEFAULT_REPORT_DAYS = 7;

export interface ReportFilter {
  /** Inclusive. */
  from: Date;
  /** Exclusive. */
  to: Date;
  sku?: string;
  channel?: string;
  /** repeat-purchase only; default day. */
  period?: RepeatPeriod;
  /** Rows at most (default DEFAULT_REPORT_ROWS, at most MAX_REPORT_ROWS). */
  limit?: number;
}

export interface ReportDefinition {
  name: ReportName;
  summary: string;
  /** The output columns, in order (JSON keys and the CSV header). */
  columns: readonly string[];
  /** The longest range one request may ask for: each bounds the rows grouped and the time spent. */
  maxDays: number;
  /** Whether a channel filter means anything (stock is shared by every channel: turnover has none). */
  channelFilter: boolean;
}

export const REPORTS: Record<ReportName, ReportDefinition> = {
  'sales-hourly': {
    name: 'sales-hourly',
    summary:
      'Units sold, orders and revenue (fen, where a unit price is known) per SKU, channel and hour paid',
    columns: ['hour', 'sku', 'channel', 'orders', 'units', 'revenue_fen', 'priced_units'],
    maxDays: 93,
    channelFilter: true,
  },
  'stock-turnover': {
    name: 'stock-turnover',
    summary:
      'Average stock on hand, units sold, turnover and days of stock held per SKU (counted stock only)',
    columns: ['sku', 'kind', 'days', 'avg_on_hand', 'units_sold', 'turnover', 'days_of_stock'],
    maxDays: 366,
    channelFilter: false,
  },
  'repeat-purchase': {
    name: 'repeat-purchase',
    summary:
      'Buyers with at least one paid order, those with two or more, and their ratio per period (channel null: all)',
    columns: ['period_start', 'channel', 'buyers', 'repeat_buyers', 'repeat_rate'],
    maxDays: 366,
    channelFilter: true,
  },
  'fulfilment-time': {
    name: 'fulfilment-time',
    summary: 'Paid → delivered p50 and p95 (seconds) per channel and per supplier',
    columns: ['dimension', 'key', 'orders', 'p50_seconds', 'p95_seconds'],
    maxDays: 366,
    channelFilter: true,
  },
  'order-failures': {
    name: 'order-failures',
    summary: 'Rejected orders by reason code and refunded orders by note, per channel',
    columns: ['outcome', 'reason', 'channel', 'orders', 'units'],
    maxDays: 366,
    channelFilter: true,
  },
};

/** The longest refund note a reason group keeps: notes are free text, and a group key should stay short. */
export const REFUND_REASON_LENGTH = 100;

/** A query's text and values, for `pg`. */
export interface ReportQuery {
  text: string;
  values: unknown[];
}

/**
 * How a report body names its bounds and filters: SQL expressions (a `$n` placeholder, or `now()` arithmetic in
 * a view) and optional equality filters; `null` where a view has none.
 */
interface Bounds {
  from: string | null;
  to: string | null;
  sku: string | null;
  channel: string | null;
}

class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** `AND`-joined conditions, or `true`. */
function all(conditions: (string | null | false)[]): string {
  const kept = conditions.filter((c): c is string => typeof c === 'string');
  return kept.length === 0 ? 'true' : kept.join(' AND ');
}

function range(column: string, b: Bounds): (string | null)[] {
  return [b.from && `${column} >= ${b.from}`, b.to && `${column} < ${b.to}`];
}

const utcTrunc = (unit: string, column: string) =>
  `(date_trunc('${unit}', ${column} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')`;

/** Paid order lines not refunded: a refund undoes the sale. */
const SOLD = `r.paid_at IS NOT NULL AND r.status <> 'refunded'`;

function salesHourly(b: Bounds): string {
  return `
SELECT ${utcTrunc('hour', 'r.paid_at')}                                   AS hour,
       r.sku,
       r.channel,
       count(*)::bigint                                                   AS orders,
       sum(r.quantity)::bigint                                            AS units,
       sum(r.quantity * r.unit_price)::bigint                             AS revenue_fen,
       coalesce(sum(r.quantity) FILTER (WHERE r.unit_price IS NOT NULL), 0)::bigint AS priced_units
  FROM reservations r
 WHERE ${all([SOLD, ...range('r.paid_at', b), b.sku && `r.sku = ${b.sku}`, b.channel && `r.channel = ${b.channel}`])}
 GROUP BY 1, 2, 3`;
}

/**
 * Time-weighted average on hand over [from, to). With `opening` the level before `from` (the last movement before
 * it) and each movement in the range changing it by delta_on_hand at its time t, the stock held is
 * opening × (to − from) + Σ delta × (to − t) unit-seconds: one pass over the range's movements, in any order, with
 * no window over each SKU's history (the deltas add up to the levels: libs/read-models/README.md). Units sold are
 * the ReservationConfirmed movements in the range (counted and endless units alike, refunds not taken back).
 */
function stockTurnover(b: Bounds): string {
  const from = b.from!;
  const to = b.to!;
  return `
WITH skus AS (
  SELECT s.sku, s.kind FROM sku_stock s
   WHERE ${all([`s.kind IN ('quantity', 'cardKey')`, b.sku && `s.sku = ${b.sku}`])}
), moved AS (
  SELECT m.sku,
         sum(m.delta_on_hand * date_part('epoch', ${to} - m.occurred_at)) AS unit_seconds,
         sum(m.quantity) FILTER (WHERE m.event_type = 'ReservationConfirmed') AS units_sold
    FROM stock_movements m
   WHERE ${all([...range('m.occurred_at', b), b.sku && `m.sku = ${b.sku}`])}
   GROUP BY m.sku
), opening AS MATERIALIZED (
  -- Materialised: the figures below name the level several times, and each would run the lookup again.
  SELECT k.sku, k.kind,
         coalesce((SELECT o.on_hand_after FROM stock_movements o
                    WHERE o.sku = k.sku AND o.occurred_at < ${from}
                    ORDER BY o.occurred_at DESC, o.version DESC LIMIT 1), 0) AS on_hand
    FROM skus k
), figures AS (
  SELECT o.sku, o.kind,
         date_part('epoch', ${to} - ${from}) / 86400 AS days,
         (o.on_hand * date_part('epoch', ${to} - ${from}) + coalesce(p.unit_seconds, 0))
           / date_part('epoch', ${to} - ${from}) AS avg_on_hand,
         coalesce(p.units_sold, 0) AS units_sold
    FROM opening o LEFT JOIN moved p USING (sku)
)
SELECT sku, kind,
       round(days::numeric, 4)::float8                                                AS days,
       round(avg_on_hand::numeric, 2)::float8                                         AS avg_on_hand,
       units_sold::bigint                                                             AS units_sold,
       CASE WHEN avg_on_hand > 0 THEN round((units_sold / avg_on_hand)::numeric, 4)::float8 END AS turnover,
       CASE WHEN units_sold > 0 THEN round((avg_on_hand * days / units_sold)::numeric, 2)::float8 END AS days_of_stock
  FROM figures`;
}

/**
 * A buyer is (channel, buyer_ref): buyer references are each platform's own. An order is counted once however
 * many SKUs it has; paid orders refunded since are not purchases. A buyer has two orders or more exactly when the
 * smallest and the largest of their order ids differ, which one grouping finds without first listing each buyer's
 * distinct orders (the ids compare byte-wise, COLLATE "C": only equality matters here).
 */
function repeatPurchase(b: Bounds, period: RepeatPeriod): string {
  return `
WITH buyers AS (
  SELECT ${utcTrunc(period, 'r.paid_at')} AS period_start, r.channel, r.buyer_ref,
         min(r.channel_order_id COLLATE "C") <> max(r.channel_order_id COLLATE "C") AS repeat
    FROM reservations r
   WHERE ${all([SOLD, 'r.buyer_ref IS NOT NULL', ...range('r.paid_at', b), b.sku && `r.sku = ${b.sku}`, b.channel && `r.channel = ${b.channel}`])}
   GROUP BY 1, 2, 3
)
SELECT period_start,
       channel,
       count(*)::bigint                                                  AS buyers,
       count(*) FILTER (WHERE repeat)::bigint                            AS repeat_buyers,
       round(count(*) FILTER (WHERE repeat)::numeric / count(*), 4)::float8 AS repeat_rate
  FROM buyers
 GROUP BY GROUPING SETS ((period_start, channel), (period_start))`;
}

/** Order lines paid in the range and delivered since; per channel, and per fulfilling supplier. */
function fulfilmentTime(b: Bounds): string {
  return `
WITH lines AS (
  SELECT r.channel, coalesce(r.supplier_id, '(own stock)') AS supplier,
         date_part('epoch', r.delivered_at - r.paid_at) AS seconds
    FROM reservations r
   WHERE ${all(['r.paid_at IS NOT NULL', 'r.delivered_at IS NOT NULL', ...range('r.paid_at', b), b.sku && `r.sku = ${b.sku}`, b.channel && `r.channel = ${b.channel}`])}
)
SELECT CASE WHEN grouping(channel) = 0 THEN 'channel' ELSE 'supplier' END   AS dimension,
       CASE WHEN grouping(channel) = 0 THEN channel ELSE supplier END         AS key,
       count(*)::bigint                                                      AS orders,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds)::numeric, 1)::float8  AS p50_seconds,
       round(percentile_cont(0.95) WITHIN GROUP (ORDER BY seconds)::numeric, 1)::float8 AS p95_seconds
  FROM lines
 GROUP BY GROUPING SETS ((channel), (supplier))`;
}

/** Rejections by the domain's reason code (time: the rejection); refunds by their note (time: the refund). */
function orderFailures(b: Bounds): string {
  const filters = (r: string) => [b.sku && `${r}.sku = ${b.sku}`, b.channel && `${r}.channel = ${b.channel}`];
  return `
SELECT 'rejected' AS outcome, coalesce(r.reason, '(none)') AS reason, r.channel,
       count(*)::bigint AS orders, sum(r.quantity)::bigint AS units
  FROM reservations r
 WHERE ${all([`r.status = 'rejected'`, ...range('r.created_at', b), ...filters('r')])}
 GROUP BY 2, 3
UNION ALL
SELECT 'refunded', coalesce(nullif(left(btrim(f.refund_note), ${REFUND_REASON_LENGTH}), ''), '(no note)'), f.channel,
       count(*)::bigint, sum(f.quantity)::bigint
  FROM reservations f
 WHERE ${all(['f.refunded_at IS NOT NULL', ...range('f.refunded_at', b), ...filters('f')])}
 GROUP BY 2, 3`;
}

const ORDER_BY: Record<ReportName, string> = {
  'sales-hourly': 'hour, sku, channel',
  'stock-turnover': 'sku',
  'repeat-purchase': 'period_start, channel NULLS FIRST',
  'fulfilment-time': 'dimension, key',
  'order-failures': 'outcome, orders DESC, reason, channel',
};

function body(name: ReportName, b: Bounds, period: RepeatPeriod): string {
  switch (name) {
    case 'sales-hourly':
      return salesHourly(b);
    case 'stock-turnover':
      return stockTurnover(b);
    case 'repeat-purchase':
      return repeatPurchase(b, period);
    case 'fulfilment-time':
      return fulfilmentTime(b);
    case 'order-failures':
      return orderFailures(b);
    default: {
      const unreachable: never = name;
      return unreachable;
    }
  }
}

/**
 * The report over a range and filters, ordered, at most `limit + 1` rows (the extra one tells the caller the
 * answer was cut). The filter must have been validated (validateReportFilter).
 */
export function reportQuery(name: ReportName, filter: ReportFilter): ReportQuery {
  const p = new Params();
  const bounds: Bounds = {
    from: `${p.add(filter.from.toISOString())}::timestamptz`,
    to: `${p.add(filter.to.toISOString())}::timestamptz`,
    sku: filter.sku === undefined ? null : p.add(filter.sku),
    channel: filter.channel === undefined ? null : p.add(filter.channel),
  };
  const limit = p.add((filter.limit ?? DEFAULT_REPORT_ROWS) + 1);
  return {
    text: `SELECT * FROM (${body(name, bounds, filter.period ?? 'day')}\n) report ORDER BY ${ORDER_BY[name]} LIMIT ${limit}`,
    values: p.values,
  };
}

/** A view's body: the report over the whole history (stock turnover: the last 30 days to now). */
export function reportViewBody(name: ReportName, period: RepeatPeriod = 'day'): string {
  const bounds: Bounds =
    name === 'stock-turnover'
      ? {
          from: `(date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - interval '30 days')`,
          to: `(date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')`,
          sku: null,
          channel: null,
        }
      : { from: null, to: null, sku: null, channel: null };
  return body(name, bounds, period).trim();
}

/**
 * Settings for the transaction a report runs in (SET LOCAL, so they end with it). A week of a busy shop groups a few
 * hundred thousand order lines; at the server's default work_mem (4 MB) those groups spill to disk, which costs more
 * than the grouping itself (docs/benchmarks.md). 64 MB per sort or hash is bounded by the statement timeout and by
 * the reports' bounded ranges.
 */
export const REPORT_WORK_MEM = '64MB';
export const REPORT_STATEMENT_TIMEOUT_MS = 30_000;
export const REPORT_TRANSACTION_SETTINGS = [
  `SET LOCAL work_mem = '${REPORT_WORK_MEM}'`,
  `SET LOCAL statement_timeout = ${REPORT_STATEMENT_TIMEOUT_MS}`,
] as const;

export type ReportFilterProblem = { field: string; message: string };

/** What is wrong with a filter for a report, or null. Times must be whole and in order, the range bounded. */
export function validateReportFilter(name: ReportName, filter: ReportFilter): ReportFilterProblem | null {
  const def = REPORTS[name];
  const { from, to } = filter;
  if (Number.isNaN(from.getTime())) return { field: 'from', message: 'from is not a time' };
  if (Number.isNaN(to.getTime())) return { field: 'to', message: 'to is not a time' };
  if (from.getTime() >= to.getTime()) return { field: 'from', message: 'from must be before to' };
  if (to.getTime() - from.getTime() > def.maxDays * 86_400_000)
    return { field: 'to', message: `${name} covers at most ${def.maxDays} days per request` };
  if (filter.channel !== undefined && !def.channelFilter)
    return { field: 'channel', message: `${name} has no channel filter: stock is shared by every channel` };
  if (filter.period !== undefined && name !== 'repeat-purchase')
    return { field: 'period', message: 'only repeat-purchase takes a period' };
  const limit = filter.limit ?? DEFAULT_REPORT_ROWS;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_REPORT_ROWS)
    return { field: 'limit', message: `limit is 1 to ${MAX_REPORT_ROWS}` };
  return null;
}
