/**
 * Sales velocity by simple exponential smoothing of deseasonalised daily sales, with multiplicative weekday
 * factors. Pure: no framework, clock or I/O; days are indexes, the caller says which weekday the first one is.
 * The formulas are in libs/replenishment/README.md (Method).
 */

export const DAYS_PER_WEEK = 7;

/** The weekday of a day: 0 Monday … 6 Sunday (ISO order). */
export type Weekday = 0 | 1 | 2 | 3 | 4 | 5 | 6;

/** Units sold on consecutive days, oldest first. A day without sales is a 0, never left out. */
export interface SalesHistory {
  /** Weekday of `units[0]`. */
  firstWeekday: Weekday;
  /** Units sold each day, each a finite number ≥ 0. */
  units: readonly number[];
}

export interface ForecastOptions {
  /** Weight of the newest day in the level, 0 < α ≤ 1. Higher follows changes faster and noise more. */
  alpha: number;
  /** Weeks of the most recent history the weekday factors are estimated from (1–52). */
  seasonalityWeeks: number;
  /**
   * How strongly each weekday factor is pulled towards 1, counted as that many imaginary days with an average
   * sale (> 0). Keeps a factor from being set by one or two days (a promotion, a single big order).
   */
  seasonalityPrior: number;
  /** Days of the most recent history the level reads (7–730); older days weigh (1 − α)^windowDays at most. */
  windowDays: number;
}

/**
 * Chosen with bench/replenishment-backtest.bench.ts (README: Figures): on the simulated year, α 0.05–0.3, prior 1–7
 * and 4–13 weeks are all within 3 points of WAPE of each other. A lower α won there because the simulated trends are
 * slow; 0.1 (a half-life of about 6.6 days) still follows a real change within two weeks.
 */
export const DEFAULT_FORECAST_OPTIONS: Readonly<ForecastOptions> = Object.freeze({
  alpha: 0.1,
  seasonalityWeeks: 8,
  seasonalityPrior: 3,
  windowDays: 120,
});

/** What the history says about the days after it. */
export interface SalesModel {
  /** Deseasonalised units per day: the sales velocity. ≥ 0. */
  level: number;
  /** One multiplicative factor per weekday (index = Weekday), each > 0, averaging exactly 1 up to rounding. */
  factors: readonly number[];
  /** Weekday of the first day after the history (the first forecast day). */
  nextWeekday: Weekday;
  /** Days of history the model was fitted on (0: no history, level 0). */
  days: number;
}

/** Options completed with the defaults and checked; a value out of bounds throws a RangeError naming it. */
export function forecastOptions(partial: Partial<ForecastOptions> = {}): ForecastOptions {
  const o = { ...DEFAULT_FORECAST_OPTIONS, ...partial };
  if (!(o.alpha > 0 && o.alpha <= 1)) throw new RangeError(`alpha must be in (0, 1], got ${o.alpha}`);
  if (!Number.isInteger(o.seasonalityWeeks) || o.seasonalityWeeks < 1 || o.seasonalityWeeks > 52)
    throw new RangeError(`seasonalityWeeks must be a whole number 1–52, got ${o.seasonalityWeeks}`);
  if (!(o.seasonalityPrior > 0 && o.seasonalityPrior <= 1000))
    throw new RangeError(`seasonalityPrior must be in (0, 1000], got ${o.seasonalityPrior}`);
  if (!Number.isInteger(o.windowDays) || o.windowDays < DAYS_PER_WEEK || o.windowDays > 730)
    throw new RangeError(`windowDays must be a whole number 7–730, got ${o.windowDays}`);
  return o;
}

export function weekdayAt(firstWeekday: Weekday, dayIndex: number): Weekday {
  return ((((firstWeekday + dayIndex) % DAYS_PER_WEEK) + DAYS_PER_WEEK) % DAYS_PER_WEEK) as Weekday;
}

/** Fits the model on the whole history. */
export function fitSalesModel(history: SalesHistory, options: Partial<ForecastOptions> = {}): SalesModel {
  checkHistory(history);
  return fitUpTo(history.units, history.firstWeekday, history.units.length, forecastOptions(options));
}

/**
 * Fits on `units[0 .. end)` only, without copying: the backtest refits at every origin. Options must already be
 * checked (forecastOptions).
 */
export function fitUpTo(
  units: readonly number[],
  firstWeekday: Weekday,
  end: number,
  options: ForecastOptions,
): SalesModel {
  const nextWeekday = weekdayAt(firstWeekday, end);
  // Days before the first sale are not history: the SKU was not on sale yet (or not yet sold through StockSync).
  // Counting them as zero-sale days would start a new SKU's velocity near 0 and take weeks to climb.
  let first = Math.max(0, end - Math.max(options.windowDays, options.seasonalityWeeks * DAYS_PER_WEEK));
  while (first < end && units[first] === 0) first++;
  if (first >= end) return { level: 0, factors: ones(), nextWeekday, days: end };
  const factors = weekdayFactors(units, firstWeekday, first, end, options);
  const start = Math.max(first, end - options.windowDays);
  // The level starts at the mean of the window's first week (deseasonalised), then is smoothed over the rest.
  const seed = Math.min(end, start + DAYS_PER_WEEK);
  let level = 0;
  for (let t = start; t < seed; t++) level += units[t]! / factors[weekdayAt(firstWeekday, t)]!;
  level /= seed - start;
  for (let t = seed; t < end; t++) {
    const deseasonalised = units[t]! / factors[weekdayAt(firstWeekday, t)]!;
    level = options.alpha * deseasonalised + (1 - options.alpha) * level;
  }
  return { level: Math.max(0, level), factors, nextWeekday, days: end };
}

/**
 * f_w = (n_w · r_w + k) / (n_w + k), r_w = mean of weekday w / mean of all days, over the last seasonalityWeeks
 * weeks; then scaled so that the seven average 1. Without any sale in the window every factor is 1.
 */
function weekdayFactors(
  units: readonly number[],
  firstWeekday: Weekday,
  first: number,
  end: number,
  options: ForecastOptions,
): number[] {
  const start = Math.max(first, end - options.seasonalityWeeks * DAYS_PER_WEEK);
  const sums = new Array<number>(DAYS_PER_WEEK).fill(0);
  const counts = new Array<number>(DAYS_PER_WEEK).fill(0);
  let total = 0;
  for (let t = start; t < end; t++) {
    const w = weekdayAt(firstWeekday, t);
    sums[w]! += units[t]!;
    counts[w]! += 1;
    total += units[t]!;
  }
  const mean = total / (end - start);
  if (!(mean > 0)) return ones();
  const k = options.seasonalityPrior;
  const raw = sums.map((sum, w) => {
    const n = counts[w]!;
    const ratio = n === 0 ? 1 : sum / n / mean;
    return (n * ratio + k) / (n + k);
  });
  const average = raw.reduce((a, b) => a + b, 0) / DAYS_PER_WEEK;
  return raw.map((f) => f / average);
}

/** Expected units on each of the `days` days after the history: level · f(weekday). */
export function forecastDays(model: SalesModel, days: number): number[] {
  const out: number[] = [];
  for (let h = 0; h < days; h++) out.push(model.level * model.factors[weekdayAt(model.nextWeekday, h)]!);
  return out;
}

/** Expected units over the `days` days after the history. */
export function demandOver(model: SalesModel, days: number): number {
  let sum = 0;
  for (let h = 0; h < days; h++) sum += model.level * model.factors[weekdayAt(model.nextWeekday, h)]!;
  return sum;
}

function ones(): number[] {
  return new Array<number>(DAYS_PER_WEEK).fill(1);
}

function checkHistory(history: SalesHistory): void {
  if (!Number.isInteger(history.firstWeekday) || history.firstWeekday < 0 || history.firstWeekday > 6)
    throw new RangeError(`firstWeekday must be 0 (Monday) … 6 (Sunday), got ${history.firstWeekday}`);
  for (const u of history.units)
    if (!(Number.isFinite(u) && u >= 0))
      throw new RangeError(`daily units must be finite numbers ≥ 0, got ${u}`);
}
