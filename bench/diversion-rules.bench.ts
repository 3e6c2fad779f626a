/**
 * 串货 rule evaluation at the decision stage's rate: order notices per second through the diversion engine's
 * per-batch path (apps/notifier/src/diversion/diversion-engine.ts: one PostgreSQL transaction per batch of 100 with
 * the event-id dedupe, the volume observations and windowed counts, the alert rows, then the publish of new alerts
 * to a sink that drops them) with 100 rules loaded, against the same stream with no rule (the dedupe and the commit
 * alone). Runs alternate (none, rules, none, rules, …) so both see the same machine load; each run's notices are new
 * (fresh event ids). Also prints the pure evaluation alone (libs/diversion, no database) per order.
 *
 * The 100 rules: 40 price floors, 30 region rules and 30 volume rules (10 per buyer, 10 per IP, 10 per shop), each
 * scoped to one of 10 SKU prefixes (a third also to a channel or shops), with limits most orders keep; about 2% of
 * the stream breaks a floor or a region. Loopback PostgreSQL only (DATABASE_URL); no broker.
 *
 * Run: npm run bench -- bench/diversion-rules.bench.ts [orders per run] [rounds]
 * (DIVERSION_BENCH_CLEAN=1: the same stream with no floor or region breach, to see what the alerts cost)
 */
import { runMigrations } from '@libs/database';
import {
  type DiversionRule,
  diversionMigrations,
  evaluateOrder,
  type ObservedOrder,
  volumeContributions,
} from '@libs/diversion';
import { NO_ALERTS } from '@libs/messaging';
import { createTestDatabase } from '@libs/testing';
import { cpus, loadavg, totalmem } from 'node:os';
import { DiversionEngine } from '../apps/notifier/src/diversion/diversion-engine';

const ORDERS = Number(process.argv[2] ?? 10_000);
const ROUNDS = Number(process.argv[3] ?? 3);
const BATCH = 100;
// DIVERSION_BENCH_CLEAN=1: no order breaks a floor or a region (what the alerts cost, by difference).
const CLEAN = process.env.DIVERSION_BENCH_CLEAN === '1';
const PREFIXES = Array.from({ length: 10 }, (_, i) => `cat${i}-`);
const PROVINCES = ['浙江', '江苏', '上海', '广东', '北京', '四川'];
const CHANNELS = ['shop', 'taobao', 'pinduoduo', 'miniprogram'];

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hundredRules(): DiversionRule[] {
  const rules: DiversionRule[] = [];
  const add = (r: Omit<DiversionRule, 'id' | 'version' | 'name'>) =>
    rules.push({ ...r, id: String(rules.length + 1), version: 1, name: `rule ${rules.length + 1}` });
  for (let i = 0; i < 40; i++)
    add({
      scope: { skuPrefix: PREFIXES[i % 10], ...(i % 3 === 0 ? { channels: [CHANNELS[i % 4]!] } : {}) },
      check:
        i % 2 === 0
          ? { type: 'price-floor', floorFen: 5_000 }
          : { type: 'price-floor', referenceFen: 10_000, maxDiscountPercent: 50 },
      windowMinutes: 60,
    });
  for (let i = 0; i < 30; i++)
    add({
      scope: {
        skuPrefix: PREFIXES[i % 10],
        ...(i % 3 === 0 ? { shops: [`shop-${i % 20}`, `shop-${(i + 1) % 20}`] } : {}),
      },
      check: { type: 'region', allowed: PROVINCES.slice(0, 5).map((province) => ({ province })) },
      windowMinutes: 60,
    });
  for (let i = 0; i < 30; i++)
    add({
      scope: { skuPrefix: PREFIXES[i % 10] },
      check: {
        type: 'volume',
        per: (['buyer', 'ip', 'shop'] as const)[i % 3]!,
        measure: i % 2 === 0 ? 'units' : 'orders',
        max: i % 3 === 2 ? 100_000 : 50,
      },
      windowMinutes: 30,
    });
  return rules;
}

/** A stream of order notices one second apart in simulated time: 2,000 buyers, 500 IPs, 20 shops, 200 SKUs. */
function stream(run: number, count: number): ObservedOrder[] {
  const r = rng(20261201 + run);
  const start = Date.parse('2026-12-01T00:00:00Z') + run * count * 1_000;
  return Array.from({ length: count }, (_, i) => ({
    eventId: `run${run}-${i}`,
    channel: CHANNELS[Math.floor(r() * 4)]!,
    orderId: `o-${run}-${i}`,
    sku: `${PREFIXES[Math.floor(r() * 10)]}${Math.floor(r() * 20)}`,
    quantity: 1 + Math.floor(r() * 3),
    at: new Date(start + i * 1_000),
    // About 1% under the floor of 5,000 fen.
    unitPrice: r() < 0.01 && !CLEAN ? 4_000 : 6_000 + Math.floor(r() * 4_000),
    // About 1% outside the five allowed provinces.
    province: r() < 0.01 && !CLEAN ? '四川' : PROVINCES[Math.floor(r() * 5)]!,
    city: 'c',
    buyerRef: `b-${Math.floor(r() * 2_000)}`,
    ip: `10.0.${Math.floor(r() * 2)}.${Math.floor(r() * 250)}`,
    shop: `shop-${Math.floor(r() * 20)}`,
  }));
}

async function main(): Promise<void> {
  process.env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';
  const db = await createTestDatabase('bench_diversion', 4);
  try {
    await runMigrations(db.pool, diversionMigrations);
    const engine = new DiversionEngine(db.pool);
    const rules = hundredRules();
    console.log(
      `machine: ${cpus().length} cores (${cpus()[0]?.model.trim()}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; load ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
    console.log(
      `${ORDERS} order notices per run, batches of ${BATCH}, ${ROUNDS} rounds of (none, 100 rules)`,
    );

    // Pure evaluation, no database: the CPU cost of 100 rules per order.
    const pure = stream(999, 20_000);
    let sink = 0;
    const t0 = process.hrtime.bigint();
    for (const o of pure) {
      sink += volumeContributions(o, rules).length;
      sink += evaluateOrder(o, rules, () => 1).length;
    }
    const pureUs = Number(process.hrtime.bigint() - t0) / 1_000 / pure.length;
    console.log(
      `pure evaluation of 100 rules: ${pureUs.toFixed(2)} µs per order (${Math.round(1e6 / pureUs)} orders/s on one core) [${sink}]`,
    );

    // Warm-up: the first batches of a process pay for JIT, plans and cold caches.
    await runStream(engine, stream(0, 2_000), rules);
    await runStream(engine, stream(1, 2_000), []);

    const results: { label: string; rate: number; alerts: number; volumeRows: number }[] = [];
    let run = 2;
    for (let round = 0; round < ROUNDS; round++) {
      for (const [label, loaded] of [
        ['none', []],
        ['100 rules', rules],
      ] as const) {
        const before = await counts(db.pool);
        const orders = stream(run++, ORDERS);
        const started = process.hrtime.bigint();
        await runStream(engine, orders, loaded);
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const after = await counts(db.pool);
        results.push({
          label,
          rate: ORDERS / seconds,
          alerts: after.alerts - before.alerts,
          volumeRows: after.volume - before.volume,
        });
        console.log(
          `round ${round + 1} ${label.padEnd(9)}: ${Math.round(ORDERS / seconds)} orders/s (${seconds.toFixed(1)} s; alerts opened ${after.alerts - before.alerts}, volume rows ${after.volume - before.volume})`,
        );
      }
    }
    const median = (label: string) => {
      const rates = results
        .filter((r) => r.label === label)
        .map((r) => r.rate)
        .sort((a, b) => a - b);
      return rates[Math.floor(rates.length / 2)]!;
    };
    const baseline = median('none');
    const loaded = median('100 rules');
    console.log(
      `baseline (no rule: dedupe + commit): ${Math.round(baseline)} orders/s (median of ${ROUNDS})`,
    );
    console.log(
      `100 rules: ${Math.round(loaded)} orders/s (median of ${ROUNDS}), ${(loaded / baseline).toFixed(2)}× the baseline`,
    );
  } finally {
    await db.drop();
  }
}

async function runStream(
  engine: DiversionEngine,
  orders: ObservedOrder[],
  rules: readonly DiversionRule[],
): Promise<void> {
  for (let i = 0; i < orders.length; i += BATCH) {
    await engine.processBatch(orders.slice(i, i + BATCH), rules);
    await engine.publishPending(NO_ALERTS);
  }
}

async function counts(pool: import('pg').Pool): Promise<{ alerts: number; volume: number }> {
  const { rows } = await pool.query<{ a: string; v: string }>(
    'SELECT (SELECT count(*) FROM diversion_alerts)::text AS a, (SELECT count(*) FROM diversion_volume)::text AS v',
  );
  return { alerts: Number(rows[0]!.a), volume: Number(rows[0]!.v) };
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
