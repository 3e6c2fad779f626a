import {
  DAYS_PER_WEEK,
  type ForecastOptions,
  demandOver,
  fitUpTo,
  forecastOptions,
  type SalesHistory,
} from './sales-model';

export interface BacktestOptions extends ForecastOptions {
  /** Days of history before the first forecast (≥ 7: the naive baseline needs last week). */
  warmupDays: number;
  /** Days each forecast covers, compared as one total (1: next day; 7: next week). 1–28. */
  horizonDays: number;
}

export const DEFAULT_BACKTEST = Object.freeze({ warmupDays: 28, horizonDays: 1 });

/**
 * Error sums of one forecaster, kept as sums so the results of many SKUs add up (combineErrors) before the
 * ratios are taken.
 */
export interface ErrorSums {
  /** Forecasts made (origins). */
  points: number;
  /** Origins whose actual total was above 0: the only ones MAPE can divide by. */
  nonZeroPoints: number;
  /** Σ |actual − forecast| / actual over the non-zero origins. */
  apeSum: number;
  /** Σ |actual − forecast| over every origin. */
  absErrorSum: number;
  /** Σ actual over every origin. */
  actualSum: number;
}

export interface ErrorSummary extends ErrorSums {
  /** Mean absolute percentage error over the origins with actual > 0, as a fraction (0.25 = 25 %); null if none. */
  mape: number | null;
  /** Σ|actual − forecast| / Σ actual over every origin (zero-sale days included), a fraction; null if Σ actual = 0. */
  wape: number | null;
}

export interface BacktestResult {
  method: ErrorSummary;
  /** Same weekday last week: the forecast of day t is the sales of day t − 7. */
  naive: ErrorSummary;
}

/**
 * Walk forward: at every origin t from warmupDays to n − horizonDays, fit on days [0, t) only, forecast the total
 * of days [t, t + horizonDays), and compare with what was sold; the naive baseline forecasts each of those days as
 * the same weekday of the week before t (day t − 7 + (j mod 7) for the j-th day).
 */
export function backtest(history: SalesHistory, options: Partial<BacktestOptions> = {}): BacktestResult {
  const model = forecastOptions(options);
  const warmupDays = options.warmupDays ?? DEFAULT_BACKTEST.warmupDays;
  const horizonDays = options.horizonDays ?? DEFAULT_BACKTEST.horizonDays;
  if (!Number.isInteger(warmupDays) || warmupDays < DAYS_PER_WEEK)
    throw new RangeError(`warmupDays must be a whole number ≥ 7, got ${warmupDays}`);
  if (!Number.isInteger(horizonDays) || horizonDays < 1 || horizonDays > 28)
    throw new RangeError(`horizonDays must be a whole number 1–28, got ${horizonDays}`);
  const { units, firstWeekday } = history;
  const method = emptySums();
  const naive = emptySums();
  for (let t = warmupDays; t + horizonDays <= units.length; t++) {
    const forecast = demandOver(fitUpTo(units, firstWeekday, t, model), horizonDays);
    let actual = 0;
    let lastWeek = 0;
    for (let j = 0; j < horizonDays; j++) {
      actual += units[t + j]!;
      lastWeek += units[t - DAYS_PER_WEEK + (j % DAYS_PER_WEEK)]!;
    }
    add(method, actual, forecast);
    add(naive, actual, lastWeek);
  }
  return { method: summarize(method), naive: summarize(naive) };
}

export function emptySums(): ErrorSums {
  return { points: 0, nonZeroPoints: 0, apeSum: 0, absErrorSum: 0, actualSum: 0 };
}

function add(sums: ErrorSums, actual: number, forecast: number): void {
  const error = Math.abs(actual - forecast);
  sums.points += 1;
  sums.absErrorSum += error;
  sums.actualSum += actual;
  if (actual > 0) {
    sums.nonZeroPoints += 1;
    sums.apeSum += error / actual;
  }
}

export function summarize(sums: ErrorSums): ErrorSummary {
  return {
    ...sums,
    mape: sums.nonZeroPoints > 0 ? sums.apeSum / sums.nonZeroPoints : null,
    wape: sums.actualSum > 0 ? sums.absErrorSum / sums.actualSum : null,
  };
}

/** The errors of many backtests (SKUs) as one: sums added, then MAPE and WAPE over all their origins. */
export function combineErrors(parts: readonly ErrorSums[]): ErrorSummary {
  const total = emptySums();
  for (const p of parts) {
    total.points += p.points;
    total.nonZeroPoints += p.nonZeroPoints;
    total.apeSum += p.apeSum;
    total.absErrorSum += p.absErrorSum;
    total.actualSum += p.actualSum;
  }
  return summarize(total);
}
