/**
 * The replenishment forecast (libs/replenishment) against the naive "same weekday last week" forecast, on a year of
 * simulated daily sales per SKU: a base rate, a trend over the year, a weekday pattern, a few promotions and
 * over-dispersed count noise. Seeded, so every run simulates the same sales.
 *
 * Walk-forward backtest per SKU (28 days warm-up, every later day an origin): the next day, and the next 7 days as
 * one total. Prints MAPE (over origins that sold something) and WAPE (every origin) for both and their ratio, and the
 * CPU time per SKU of the method's backtest (a refit at every origin).
 *
 * Run: npm run bench -- bench/replenishment-backtest.bench.ts [skus] [seed]
 */
import {
  backtest,
  combineErrors,
  DEFAULT_FORECAST_OPTIONS,
  emptySums,
  type ErrorSummary,
  type ErrorSums,
  type ForecastOptions,
  type SalesHistory,
  type Weekday,
} from '@libs/replenishment';

const SKUS = Number(process.argv[2] ?? 1_000);
const SEED = Number(process.argv[3] ?? 20261201);
const DAYS = 365;
const WARMUP_DAYS = 28;

/** mulberry32: small, fast, and the same sequence on every machine. */
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

function normal(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/** Gamma(shape, 1) by Marsaglia–Tsang (shape ≥ 1; smaller shapes boosted). */
function gamma(r: () => number, shape: number): number {
  if (shape < 1) return gamma(r, shape + 1) * Math.pow(r(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal(r);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = r();
    if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

function poisson(r: () => number, mean: number): number {
  if (mean <= 0) return 0;
  if (mean > 50) return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal(r)));
  const limit = Math.exp(-mean);
  let k = 0;
  let p = r();
  while (p > limit) {
    k += 1;
    p *= r();
  }
  return k;
}

interface SimulatedSku {
  history: SalesHistory;
  /** The expected units of each day (before the noise): what a forecaster that knew the truth would say. */
  rates: number[];
  profile: string;
}

/** One SKU's year: rate(t) = base · trend(t) · weekday(w) · promotion(t); units ~ Poisson(rate · Gamma noise). */
function simulateSku(r: () => number): SimulatedSku {
  // Base rates from about 0.3 to 300 units a day (log-uniform): card-key shops have a long tail of slow SKUs.
  const base = Math.exp(Math.log(0.3) + r() * Math.log(1000));
  const trend = -0.5 + r() * 1.5; // −50 % … +100 % over the year
  const weekendLift = r() < 0.6 ? 1.2 + r() * 0.8 : 0.7 + r() * 0.3; // games up at weekends; office SKUs down
  const weekday = [1, 1, 1, 1, 1.05, weekendLift, weekendLift].map((f) => f * (0.9 + 0.2 * r()));
  const promotions: { from: number; days: number; lift: number }[] = [];
  const promoCount = Math.floor(r() * 7); // 0–6 a year
  for (let i = 0; i < promoCount; i++)
    promotions.push({ from: Math.floor(r() * DAYS), days: 1 + Math.floor(r() * 3), lift: 2 + r() * 3 });
  const shape = 2 + r() * 8; // Gamma noise: coefficient of variation 1/√shape, 0.32 … 0.71 beyond Poisson
  const firstWeekday = Math.floor(r() * 7) as Weekday;
  const units: number[] = [];
  const rates: number[] = [];
  for (let t = 0; t < DAYS; t++) {
    let rate = base * (1 + (trend * t) / DAYS) * weekday[(firstWeekday + t) % 7]!;
    for (const p of promotions) if (t >= p.from && t < p.from + p.days) rate *= p.lift;
    rates.push(rate);
    units.push(poisson(r, (rate * gamma(r, shape)) / shape));
  }
  const speed = base < 2 ? 'slow' : base < 30 ? 'medium' : 'fast';
  return { history: { firstWeekday, units }, rates, profile: speed };
}

function pct(x: number | null): string {
  return x === null ? '—' : `${(x * 100).toFixed(1)} %`;
}

function ratio(a: number | null, b: number | null): string {
  return a === null || b === null || b === 0 ? '—' : `${(a / b).toFixed(2)}×`;
}

/** The error floor the noise leaves: the true expected units as the forecast (no forecaster can know them). */
function oracle(skus: SimulatedSku[], horizonDays: number): ErrorSummary {
  const sums = emptySums();
  for (const { history, rates } of skus)
    for (let t = WARMUP_DAYS; t + horizonDays <= DAYS; t++) {
      let actual = 0;
      let expected = 0;
      for (let j = 0; j < horizonDays; j++) {
        actual += history.units[t + j]!;
        expected += rates[t + j]!;
      }
      const error = Math.abs(actual - expected);
      sums.points += 1;
      sums.absErrorSum += error;
      sums.actualSum += actual;
      if (actual > 0) {
        sums.nonZeroPoints += 1;
        sums.apeSum += error / actual;
      }
    }
  return combineErrors([sums]);
}

function run(skus: SimulatedSku[], horizonDays: number, options: ForecastOptions) {
  const method: ErrorSums[] = [];
  const naive: ErrorSums[] = [];
  const byProfile = new Map<string, { method: ErrorSums[]; naive: ErrorSums[] }>();
  const cpu = process.cpuUsage();
  const wall = process.hrtime.bigint();
  for (const sku of skus) {
    const result = backtest(sku.history, { ...options, horizonDays, warmupDays: WARMUP_DAYS });
    method.push(result.method);
    naive.push(result.naive);
    const p = byProfile.get(sku.profile) ?? { method: [], naive: [] };
    p.method.push(result.method);
    p.naive.push(result.naive);
    byProfile.set(sku.profile, p);
  }
  const wallMs = Number(process.hrtime.bigint() - wall) / 1e6;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  return { method: combineErrors(method), naive: combineErrors(naive), byProfile, wallMs, cpuMs };
}

function main(): void {
  const r = rng(SEED);
  const skus = Array.from({ length: SKUS }, () => simulateSku(r));
  const units = skus.reduce((sum, s) => sum + s.history.units.reduce((a, b) => a + b, 0), 0);
  const zeroDays = skus.reduce((sum, s) => sum + s.history.units.filter((u) => u === 0).length, 0);
  console.log(
    `${SKUS} SKUs × ${DAYS} days (seed ${SEED}): ${units.toLocaleString('en')} units sold, ` +
      `${((100 * zeroDays) / (SKUS * DAYS)).toFixed(1)} % of SKU-days without a sale`,
  );
  console.log(
    `method: ${JSON.stringify(DEFAULT_FORECAST_OPTIONS)}, warm-up 28 days, an origin every later day\n`,
  );
  for (const horizon of [1, 7]) {
    const res = run(skus, horizon, DEFAULT_FORECAST_OPTIONS);
    const label = horizon === 1 ? 'next day' : 'next 7 days (one total)';
    console.log(`## ${label}: ${res.method.points.toLocaleString('en')} forecasts`);
    console.log('| forecaster | MAPE (origins with sales) | WAPE (all origins) |');
    console.log('| --- | --- | --- |');
    console.log(`| method | ${pct(res.method.mape)} | ${pct(res.method.wape)} |`);
    console.log(`| naive: same weekday last week | ${pct(res.naive.mape)} | ${pct(res.naive.wape)} |`);
    const floor = oracle(skus, horizon);
    console.log(`| (floor: the true expected units) | ${pct(floor.mape)} | ${pct(floor.wape)} |`);
    console.log(
      `| method / naive | ${ratio(res.method.mape, res.naive.mape)} | ${ratio(res.method.wape, res.naive.wape)} |`,
    );
    for (const [profile, p] of [...res.byProfile].sort()) {
      const m = combineErrors(p.method);
      const n = combineErrors(p.naive);
      console.log(
        `| ${profile} (${p.method.length} SKUs) | ${pct(m.mape)} vs ${pct(n.mape)} (${ratio(m.mape, n.mape)}) | ` +
          `${pct(m.wape)} vs ${pct(n.wape)} (${ratio(m.wape, n.wape)}) |`,
      );
    }
    console.log(
      `time: ${res.wallMs.toFixed(0)} ms wall, ${res.cpuMs.toFixed(0)} ms CPU for ${SKUS} SKUs = ` +
        `${(res.cpuMs / SKUS).toFixed(2)} ms CPU per SKU (${res.method.points / SKUS} refits each; ` +
        `the naive baseline rides along in the same loop)\n`,
    );
  }
  if (process.env.REPLENISHMENT_BENCH_SWEEP === '1') {
    console.log('## sweep (next day, WAPE / MAPE)');
    for (const alpha of [0.05, 0.1, 0.15, 0.2, 0.3])
      for (const seasonalityPrior of [1, 3, 7])
        for (const seasonalityWeeks of [4, 8, 13]) {
          const res = run(skus, 1, {
            ...DEFAULT_FORECAST_OPTIONS,
            alpha,
            seasonalityPrior,
            seasonalityWeeks,
          });
          console.log(
            `alpha ${alpha} prior ${seasonalityPrior} weeks ${seasonalityWeeks}: WAPE ${pct(res.method.wape)}, MAPE ${pct(res.method.mape)}`,
          );
        }
  }
}

main();
