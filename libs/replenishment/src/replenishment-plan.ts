import { demandOver, type SalesModel } from './sales-model';

/** The most days a lead time, review period or safety cover may name. */
export const MAX_PLAN_DAYS = 365;
/** The most units a safety stock may name (the domain's largest on-hand stock). */
export const MAX_SAFETY_STOCK_UNITS = 1_000_000_000_000;

export interface ReorderPolicy {
  /** Days from ordering to the units being sellable (0–365). */
  leadTimeDays: number;
  /** Days until the next look at this SKU: the order must last until then too (0–365). */
  reviewPeriodDays: number;
  /** Units to hold beyond the expected demand, whole (0–1e12). */
  safetyStockUnits: number;
}

export interface ReplenishmentPlan {
  /** Units per day (the model's level). */
  velocity: number;
  /** available / velocity; null when nothing sells (no rate to run out at). */
  daysOfCover: number | null;
  /** Expected units over lead time + review period, from the day after the history. */
  demandOverCycle: number;
  /** Whole units to order now (≥ 0). */
  reorderUnits: number;
  /** True when daysOfCover is below the lead time: stock runs out before an order placed now arrives. */
  lowCover: boolean;
}

/**
 * reorder = max(0, ⌈D(lead + review) + safety − available − onOrder⌉), D(n) the forecast units of the n days after
 * the history. A forecast total within 1e-9 of a whole number counts as that number, so 10.000000000002 (a
 * floating-point sum) orders 10, not 11.
 */
export function planReplenishment(
  model: SalesModel,
  stock: { available: number; onOrder?: number },
  policy: ReorderPolicy,
): ReplenishmentPlan {
  checkPolicy(policy);
  const available = Math.max(0, stock.available);
  const onOrder = Math.max(0, stock.onOrder ?? 0);
  const velocity = model.level;
  const demand = demandOver(model, policy.leadTimeDays + policy.reviewPeriodDays);
  const shortfall = demand + policy.safetyStockUnits - available - onOrder;
  const reorderUnits = Math.max(0, Math.ceil(shortfall - 1e-9));
  const cover = daysOfCover(available, velocity);
  return {
    velocity,
    daysOfCover: cover,
    demandOverCycle: demand,
    reorderUnits,
    lowCover: isLowCover(cover, policy.leadTimeDays),
  };
}

/**
 * Without sales there is no rate to run out at: null, whatever the stock (an SKU out of stock is LOW_STOCK's
 * business, not a forecast's).
 */
export function daysOfCover(available: number, velocity: number): number | null {
  if (!(velocity > 0)) return null;
  return Math.max(0, available) / velocity;
}

/** Cover without end (null) is never low; a lead time of 0 is never missed. */
export function isLowCover(cover: number | null, leadTimeDays: number): boolean {
  return cover !== null && cover < leadTimeDays;
}

/** Safety stock as days of velocity, rounded up to whole units: the default when a SKU names no units. */
export function safetyStockFromDays(velocity: number, days: number): number {
  if (!(days >= 0 && days <= MAX_PLAN_DAYS)) throw new RangeError(`safety days must be 0–365, got ${days}`);
  return Math.min(MAX_SAFETY_STOCK_UNITS, Math.max(0, Math.ceil(velocity * days - 1e-9)));
}

/**
 * What the low-cover alert does on one computation: raised on entering low cover, resolved on leaving it, nothing
 * otherwise, so one episode is one raise and one resolve however often it is computed.
 */
export function coverAlertChange(open: boolean, low: boolean): 'raise' | 'resolve' | null {
  if (!open && low) return 'raise';
  if (open && !low) return 'resolve';
  return null;
}

function checkPolicy(p: ReorderPolicy): void {
  for (const [name, v] of [
    ['leadTimeDays', p.leadTimeDays],
    ['reviewPeriodDays', p.reviewPeriodDays],
  ] as const)
    if (!Number.isInteger(v) || v < 0 || v > MAX_PLAN_DAYS)
      throw new RangeError(`${name} must be a whole number 0–${MAX_PLAN_DAYS}, got ${v}`);
  if (
    !Number.isInteger(p.safetyStockUnits) ||
    p.safetyStockUnits < 0 ||
    p.safetyStockUnits > MAX_SAFETY_STOCK_UNITS
  )
    throw new RangeError(
      `safetyStockUnits must be a whole number 0–${MAX_SAFETY_STOCK_UNITS}, got ${p.safetyStockUnits}`,
    );
}
