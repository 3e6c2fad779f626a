/**
 * The reports (libs/reports, docs/reference/reports.md) on a large history: BENCH_MOVEMENTS stock_movements rows
 * (default 10,000,000) and a proportionate reservations table (one order line per 4 movements: 2,500,000), over 90
 * days and BENCH_SKUS SKUs (default 2,000) on 4 channels, made with generate_series in a scratch database
 * (bench_reports, dropped at the end). Each report runs as the API runs it (reportQuery, the default row limit) for
 * one week, all SKUs and one SKU, BENCH_RUNS times (default 5) after one warm-up; printed: p50 per report, a
 * baseline (count(*) over the same rows by the same range), their ratio, and EXPLAIN ANALYZE of any report whose
 * p50 is 1 s or more.
 *
 *   npm run bench -- bench/reports.bench.ts
 */
import { Client, Pool } from 'pg';
import { runMigrations, withTransaction } from '@libs/database';
import { migrateReadModels, readModelTypes } from '@libs/read-models';
import {
  REPORT_TRANSACTION_SETTINGS,
  REPORT_WORK_MEM,
  reportQuery,
  reportsMigrations,
  type ReportFilter,
  type ReportName,
} from '@libs/reports';
import { machine, percentile } from './lib/bench-infra';

const MOVEMENTS = Number(process.env.BENCH_MOVEMENTS ?? 10_000_000);
const LINES = Math.floor(MOVEMENTS / 4);
const SKUS = Number(process.env.BENCH_SKUS ?? 2_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const DATABASE = 'bench_reports';
const START = '2026-09-01T00:00:00Z';
const DAYS = 90;
/** The week reported on: the last full week of the history. */
const WEEK = { from: new Date('2026-11-23T00:00:00Z'), to: new Date('2026-11-30T00:00:00Z') };
/** Loading in slices shows progress and keeps each statement's memory small. */
const SLICE = 1_000_000;

const server = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function admin(sql: string): Promise<void> {
  const c = new Client({ connectionString: server });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

function databaseUrl(): string {
  const url = new URL(server);
  url.pathname = `/${DATABASE}`;
  return url.toString();
}

const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(1);

/**
 * The tables' secondary indexes and unique constraints, dropped before the load and built again after it (as a bulk
 * load does): the same indexes the migrations made, built once instead of maintained row by row.
 */
async function withoutIndexes(pool: Pool, load: () => Promise<void>): Promise<void> {
  const tables = ['stock_movements', 'reservations'];
  const { rows: constraints } = await pool.query<{ table: string; name: string; def: string }>(
    `SELECT conrelid::regclass::text AS table, conname AS name, pg_get_constraintdef(oid) AS def
       FROM pg_constraint WHERE conrelid::regclass::text = ANY($1) AND contype IN ('p', 'u')`,
    [tables],
  );
  const { rows: indexes } = await pool.query<{ name: string; def: string }>(
    `SELECT indexname AS name, indexdef AS def FROM pg_indexes
      WHERE tablename = ANY($1) AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u'))`,
    [tables],
  );
  for (const i of indexes) await pool.query(`DROP INDEX ${i.name}`);
  for (const c of constraints) await pool.query(`ALTER TABLE ${c.table} DROP CONSTRAINT ${c.name}`);
  await load();
  const started = performance.now();
  await pool.query(`SET maintenance_work_mem = '1GB'`);
  for (const c of constraints) await pool.query(`ALTER TABLE ${c.table} ADD CONSTRAINT ${c.name} ${c.def}`);
  for (const i of indexes) await pool.query(i.def);
  console.log(`  indexes built again (${constraints.length + indexes.length}) in ${seconds(started)} s`);
}

async function load(pool: Pool): Promise<void> {
  const started = performance.now();
  await pool.query(
    `INSERT INTO sku_stock (sku, kind, received, adjusted, delivered, on_hand, reserved, held_in_pools, available,
                            endless, endless_reserved, endless_delivered, version, updated_at)
     SELECT 'B-' || s, CASE WHEN s % 10 = 9 THEN 'cardKey' ELSE 'quantity' END, 0, 0, 0, 500, 0, 0, 500,
            false, 0, 0, 1, now()
       FROM generate_series(0, $1 - 1) AS s`,
    [SKUS],
  );
  // Movement i belongs to SKU i % SKUS at version n = i / SKUS + 1, at a time rising with i: each SKU's history
  // is in time order, as the store writes it. Two in five are reservations, two payments, one a receipt (mixed
  // with n so that every SKU has each kind). Its level after is 100 + (37n mod 1000), and its delta the difference
  // from version n − 1, so the deltas add up to the levels as the projector's do.
  const n = `(i / $3 + 1)`;
  for (let first = 0; first < MOVEMENTS; first += SLICE) {
    const last = Math.min(MOVEMENTS, first + SLICE) - 1;
    await pool.query(
      `INSERT INTO stock_movements (id, event_id, sku, version, event_type, channel, channel_order_id, quantity,
                                    delta_on_hand, delta_reserved, delta_held_in_pools, delta_available,
                                    on_hand_after, available_after, occurred_at)
       SELECT i + 1, gen_random_uuid(), 'B-' || (i % $3), ${n},
              (ARRAY['StockReserved', 'StockReserved', 'ReservationConfirmed', 'ReservationConfirmed',
                     'StockReceived'])[(i + ${n}) % 5 + 1],
              CASE WHEN (i + ${n}) % 5 < 4 THEN (ARRAY['taobao', 'pinduoduo', 'miniprogram', 'shop'])[(i + ${n}) % 4 + 1] END,
              CASE WHEN (i + ${n}) % 5 < 4 THEN 'o' || (i / 2) END,
              1 + i % 3,
              CASE WHEN ${n} = 1 THEN 100 + 37 ELSE (${n} * 37) % 1000 - ((${n} - 1) * 37) % 1000 END, 0, 0, 0,
              100 + (${n} * 37) % 1000, 100 + (${n} * 37) % 1000,
              $4::timestamptz + (i::float8 / $5) * interval '${DAYS} days'
         FROM generate_series($1::bigint, $2::bigint) AS i`,
      [first, last, SKUS, START, MOVEMENTS],
    );
    console.log(`  stock_movements: ${last + 1} rows, ${seconds(started)} s`);
  }
  // Order line j: 1 in 20 rejected, 1 in 20 refunded, 1 in 20 never paid (expired), the rest paid and delivered
  // 0–10 min later; 1 in 10 fulfilled by one of 3 suppliers; 300,000 buyers per channel.
  for (let first = 0; first < LINES; first += SLICE) {
    const last = Math.min(LINES, first + SLICE) - 1;
    await pool.query(
      `INSERT INTO reservations (channel, channel_order_id, sku, quantity, status, reason, expires_at,
                                 allocated_unit_ids, loop_unit_ids, created_at, updated_at, updated_version,
                                 paid_at, delivered_at, refunded_at, refund_note, supplier_id, unit_price, buyer_ref,
                                 province, shop)
       SELECT (ARRAY['taobao', 'pinduoduo', 'miniprogram', 'shop'])[k % 4 + 1], 'o' || j, 'B-' || (j % $3),
              1 + j % 3,
              CASE k % 20 WHEN 0 THEN 'rejected' WHEN 1 THEN 'refunded' WHEN 2 THEN 'expired' ELSE 'delivered' END,
              CASE WHEN k % 20 = 0 THEN (ARRAY['INSUFFICIENT_STOCK', 'OVER_ORDER_CAP', 'UNKNOWN_SKU'])[k % 3 + 1] END,
              NULL, '{}', '{}', t, t, 3,
              CASE WHEN k % 20 NOT IN (0, 2) THEN t + interval '1 minute' END,
              CASE WHEN k % 20 > 2 THEN t + interval '1 minute' + (j % 600) * interval '1 second' END,
              CASE WHEN k % 20 = 1 THEN t + interval '1 day' END,
              CASE WHEN k % 20 = 1 THEN (ARRAY['buyer cancelled', 'wrong region', 'key invalid'])[k % 3 + 1] END,
              CASE WHEN k % 10 = 5 THEN 'sup-' || (k % 3) END,
              100 + j % 900, 'u' || ((j * 31) % 300000), '浙江', '分站-' || (j % 7)
         FROM generate_series($1::bigint, $2::bigint) AS j,
              -- k mixes in the SKU's own count of lines, so that each SKU has every status and channel.
              LATERAL (SELECT j + j / $3 AS k,
                              $4::timestamptz + (j::float8 / $5) * interval '${DAYS} days' AS t) AS at`,
      [first, last, SKUS, START, LINES],
    );
    console.log(`  reservations: ${last + 1} rows, ${seconds(started)} s`);
  }
}

interface Case {
  label: string;
  name: ReportName;
  filter: ReportFilter;
  baseline: 'movements' | 'paid' | 'failures';
}

const ONE_SKU = 'B-42';
const CASES: Case[] = [
  { label: 'sales-hourly, all SKUs', name: 'sales-hourly', filter: { ...WEEK }, baseline: 'paid' },
  {
    label: 'sales-hourly, one SKU',
    name: 'sales-hourly',
    filter: { ...WEEK, sku: ONE_SKU },
    baseline: 'paid',
  },
  { label: 'stock-turnover, all SKUs', name: 'stock-turnover', filter: { ...WEEK }, baseline: 'movements' },
  {
    label: 'stock-turnover, one SKU',
    name: 'stock-turnover',
    filter: { ...WEEK, sku: ONE_SKU },
    baseline: 'movements',
  },
  {
    label: 'repeat-purchase by day, all SKUs',
    name: 'repeat-purchase',
    filter: { ...WEEK, period: 'day' },
    baseline: 'paid',
  },
  {
    label: 'repeat-purchase by week, one SKU',
    name: 'repeat-purchase',
    filter: { ...WEEK, period: 'week', sku: ONE_SKU },
    baseline: 'paid',
  },
  { label: 'fulfilment-time, all SKUs', name: 'fulfilment-time', filter: { ...WEEK }, baseline: 'paid' },
  {
    label: 'fulfilment-time, one SKU',
    name: 'fulfilment-time',
    filter: { ...WEEK, sku: ONE_SKU },
    baseline: 'paid',
  },
  { label: 'order-failures, all SKUs', name: 'order-failures', filter: { ...WEEK }, baseline: 'failures' },
  {
    label: 'order-failures, one SKU',
    name: 'order-failures',
    filter: { ...WEEK, sku: ONE_SKU },
    baseline: 'failures',
  },
];

/** count(*) over the rows a report reads, by the same range (and SKU): what reading them at all costs. */
function baselineQuery(c: Case): { text: string; values: unknown[] } {
  const sku = c.filter.sku;
  const values: unknown[] = [c.filter.from.toISOString(), c.filter.to.toISOString(), ...(sku ? [sku] : [])];
  const bySku = sku ? ' AND sku = $3' : '';
  switch (c.baseline) {
    case 'movements':
      return {
        text: `SELECT count(*) FROM stock_movements WHERE occurred_at >= $1 AND occurred_at < $2${bySku}`,
        values,
      };
    case 'paid':
      return {
        text: `SELECT count(*) FROM reservations WHERE paid_at >= $1 AND paid_at < $2${bySku}`,
        values,
      };
    case 'failures':
      // The rows the report reads: rejections decided in the range, refunds made in it.
      return {
        text: `SELECT (SELECT count(*) FROM reservations WHERE status = 'rejected' AND created_at >= $1
                         AND created_at < $2${bySku})
                    + (SELECT count(*) FROM reservations WHERE refunded_at >= $1 AND refunded_at < $2${bySku}) AS count`,
        values,
      };
  }
}

async function timed(
  pool: Pool,
  q: { text: string; values: unknown[] },
): Promise<{ ms: number[]; rows: number }> {
  const ms: number[] = [];
  let rows = 0;
  // One warm-up: the first run reads the pages into the cache; the runs after it are what a repeated report costs.
  for (let run = 0; run <= RUNS; run++) {
    const started = performance.now();
    // As the API runs a report: its own transaction with the reports' settings (work_mem, timeout).
    const result = await withTransaction(pool, async (client) => {
      for (const setting of REPORT_TRANSACTION_SETTINGS) await client.query(setting);
      return client.query({ text: q.text, values: q.values, types: readModelTypes });
    });
    if (run > 0) ms.push(performance.now() - started);
    rows = result.rowCount ?? 0;
  }
  return { ms: ms.sort((a, b) => a - b), rows };
}

async function main(): Promise<void> {
  const benchStarted = performance.now();
  await admin(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
  await admin(`CREATE DATABASE ${DATABASE}`);
  const pool = new Pool({ connectionString: databaseUrl(), max: 2 });
  pool.on('error', () => undefined);
  try {
    console.log(`machine: ${machine()}`);
    const { rows: version } = await pool.query<{ v: string }>(
      `SELECT current_setting('server_version') AS v`,
    );
    const { rows: settings } = await pool.query<{ b: string; w: string; p: string }>(
      `SELECT current_setting('shared_buffers') AS b, current_setting('work_mem') AS w,
              current_setting('max_parallel_workers_per_gather') AS p`,
    );
    console.log(
      `PostgreSQL ${version[0].v}; shared_buffers ${settings[0].b}, work_mem ${settings[0].w} (reports: ` +
        `${REPORT_WORK_MEM}), ${settings[0].p} parallel workers per gather`,
    );
    await migrateReadModels(pool);
    await runMigrations(pool, reportsMigrations);
    console.log(`loading ${MOVEMENTS} movements and ${LINES} order lines over ${DAYS} days, ${SKUS} SKUs`);
    const loadStarted = performance.now();
    await withoutIndexes(pool, () => load(pool));
    await pool.query('VACUUM ANALYZE sku_stock');
    await pool.query('VACUUM ANALYZE stock_movements');
    await pool.query('VACUUM ANALYZE reservations');
    const { rows: sizes } = await pool.query<{ t: string; s: string }>(
      `SELECT relname AS t, pg_size_pretty(pg_total_relation_size(oid)) AS s FROM pg_class
        WHERE relname IN ('stock_movements', 'reservations')`,
    );
    console.log(
      `  loaded in ${seconds(loadStarted)} s: ${sizes.map((r) => `${r.t} ${r.s} with indexes`).join(', ')}`,
    );

    console.log(
      `\nreports for ${WEEK.from.toISOString()} → ${WEEK.to.toISOString()}, p50 of ${RUNS} runs after a warm-up`,
    );
    console.log(
      'report                              rows     p50 ms   max ms   baseline p50 ms (rows counted)   ratio',
    );
    const slow: Case[] = [];
    for (const c of CASES) {
      const report = await timed(pool, reportQuery(c.name, c.filter));
      const base = baselineQuery(c);
      const baseline = await timed(pool, base);
      const { rows: counted } = await pool.query({ ...base, types: readModelTypes });
      const p50 = percentile(report.ms, 50);
      const b50 = percentile(baseline.ms, 50);
      console.log(
        `${c.label.padEnd(34)} ${String(report.rows).padStart(6)} ${p50.toFixed(1).padStart(10)} ${report.ms[report.ms.length - 1].toFixed(1).padStart(8)}` +
          `   ${b50.toFixed(1).padStart(8)} (${String(counted[0].count).padStart(9)} ${c.baseline})   ${(p50 / b50).toFixed(1).padStart(6)}x`,
      );
      if (p50 >= 1000) slow.push(c);
    }
    for (const c of slow) {
      const q = reportQuery(c.name, c.filter);
      const rows = await withTransaction(pool, async (client) => {
        for (const setting of REPORT_TRANSACTION_SETTINGS) await client.query(setting);
        return (await client.query({ text: `EXPLAIN (ANALYZE, BUFFERS) ${q.text}`, values: q.values })).rows;
      });
      console.log(`\nEXPLAIN ANALYZE — ${c.label} (p50 at or over 1 s):`);
      for (const r of rows) console.log(`  ${r['QUERY PLAN'] as string}`);
    }
  } finally {
    await pool.end();
    await admin(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
  }
  console.log(`\nwhole bench ${seconds(benchStarted)} s; database ${DATABASE} dropped`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
