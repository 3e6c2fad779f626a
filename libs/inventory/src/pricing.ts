import type { InventoryState } from './inventory-state';
import { MAX_PRICE_MINOR, supplyOf } from './supply';

/*
 * Prices (面值, 拿货价, 售价), always integers in minor units (fen): a float never holds a price. A SKU's selling
 * price per channel is worked out from its cost by a markup rule, rounded, and held at a floor.
 */

/**
 * - `percent`: `value` basis points over cost (1500 = 15 %).
 * - `fixed`: `value` fen over cost.
 * - `price`: the selling price itself, `value` fen, whatever the cost.
 */
export const MARKUP_KINDS = ['percent', 'fixed', 'price'] as const;
export type MarkupKind = (typeof MARKUP_KINDS)[number];

export interface MarkupRule {
  readonly kind: MarkupKind;
  readonly value: number;
}

export const ROUNDING_MODES = ['up', 'down', 'nearest'] as const;
export type RoundingMode = (typeof ROUNDING_MODES)[number];

/** Prices are rounded to a multiple of `step` fen (1: to the fen, 10: to the jiao, 100: to the yuan). */
export interface PriceRounding {
  readonly step: number;
  readonly mode: RoundingMode;
}

export interface PricingSettings {
  /**
   * What one unit is worth to the buyer (面值), fen; never used to compute a price. A top-up SKU credits it per unit
   * (the amount forwarded to the supplier).
   */
  readonly faceValue: number | null;
  /** What a unit costs us, fen, for SKUs we stock ourselves; a supplier-backed SKU's cost is its supplier's price. */
  readonly costPrice: number | null;
  /** The rule of every channel without one of its own; null: no price is set where no channel rule says one. */
  readonly defaultRule: MarkupRule | null;
  readonly channelRules: Readonly<Record<string, MarkupRule>>;
  readonly rounding: PriceRounding;
  /** The lowest price ever set (a price floor), fen; null: none. */
  readonly floor: number | null;
}

/** The most basis points a percentage rule may add (100 × the cost). */
export const MAX_MARKUP_BASIS_POINTS = 1_000_000;
/** Channels one SKU may name a rule for. */
export const MAX_CHANNEL_PRICE_RULES = 64;
export const ROUNDING_STEPS = [1, 10, 100] as const;

export const DEFAULT_PRICING: PricingSettings = {
  faceValue: null,
  costPrice: null,
  defaultRule: null,
  channelRules: {},
  rounding: { step: 1, mode: 'nearest' },
  floor: null,
};

export function pricingOf(state: InventoryState): PricingSettings {
  return state.pricing ?? DEFAULT_PRICING;
}

/**
 * What a unit costs us now: for a supplier-backed SKU the supply price of the first supplier on sale that reported
 * one (the supplier forwarding tries first), otherwise the SKU's own cost price. Null when unknown.
 */
export function unitCost(state: InventoryState): number | null {
  if (state.kind === 'supplier') {
    const first = supplyOf(state).suppliers.find((link) => link.onSale && link.supplyPrice !== null);
    return first?.supplyPrice ?? null;
  }
  return pricingOf(state).costPrice;
}

/**
 * The selling price on `channel`, or null when no rule names one (or the rule needs a cost nobody knows). Steps, in
 * this order: the rule over the cost (integer arithmetic: a percentage is rounded up to the fen before the rounding
 * step, so 15 % over 101 fen is 117), the rounding step, the floor, never above MAX_PRICE_MINOR.
 */
export function channelPrice(state: InventoryState, channel: string): number | null {
  const pricing = pricingOf(state);
  const rule = Object.prototype.hasOwnProperty.call(pricing.channelRules, channel)
    ? (pricing.channelRules[channel] as MarkupRule)
    : pricing.defaultRule;
  if (rule === null) return null;
  let price: number;
  if (rule.kind === 'price') {
    price = rule.value;
  } else {
    const cost = unitCost(state);
    if (cost === null) return null;
    price = rule.kind === 'fixed' ? cost + rule.value : cost + percentOf(cost, rule.value);
  }
  price = roundTo(price, pricing.rounding);
  if (pricing.floor !== null) price = Math.max(price, pricing.floor);
  return Math.min(price, MAX_PRICE_MINOR);
}

/** The price of every channel with a stock policy (the channels the SKU is listed on). */
export function channelPrices(state: InventoryState): Record<string, number | null> {
  const prices: Record<string, number | null> = {};
  for (const channel of Object.keys(state.channelPolicies)) {
    Object.defineProperty(prices, channel, {
      value: channelPrice(state, channel),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return prices;
}

/** `basisPoints` of `cost`, rounded up to the fen; in BigInt, as cost × basis points can pass 2^53. */
function percentOf(cost: number, basisPoints: number): number {
  const scale = BigInt(10_000);
  return Number((BigInt(cost) * BigInt(basisPoints) + scale - BigInt(1)) / scale);
}

function roundTo(price: number, rounding: PriceRounding): number {
  const { step, mode } = rounding;
  if (step <= 1) return price;
  const down = Math.floor(price / step) * step;
  if (mode === 'down' || down === price) return down;
  if (mode === 'up') return down + step;
  return price - down >= step / 2 ? down + step : down;
}
