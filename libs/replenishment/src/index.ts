// Pure (no framework, database or clock): the api app and the benchmark use it alike.
export {
  DAYS_PER_WEEK,
  DEFAULT_FORECAST_OPTIONS,
  demandOver,
  fitSalesModel,
  forecastDays,
  forecastOptions,
  weekdayAt,
  type ForecastOptions,
  type SalesHistory,
  type SalesModel,
  type Weekday,
} from './sales-model';
export {
  coverAlertChange,
  daysOfCover,
  isLowCover,
  MAX_PLAN_DAYS,
  MAX_SAFETY_STOCK_UNITS,
  planReplenishment,
  safetyStockFromDays,
  type ReorderPolicy,
  type ReplenishmentPlan,
} from './replenishment-plan';
export {
  backtest,
  combineErrors,
  DEFAULT_BACKTEST,
  emptySums,
  type BacktestOptions,
  type BacktestResult,
  type ErrorSums,
  type ErrorSummary,
} from './backtest';
export { addDays, dailyHistory, dayNumber, dayOf, weekdayOf } from './daily-history';
