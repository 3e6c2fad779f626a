import { SetPricing } from '../inventory-commands';
import { InventoryEvent, PricingSet } from '../inventory-events';
import { InventoryState } from '../inventory-state';
import {
  MARKUP_KINDS,
  MAX_CHANNEL_PRICE_RULES,
  MAX_MARKUP_BASIS_POINTS,
  MarkupRule,
  PriceRounding,
  PricingSettings,
  pricingOf,
  ROUNDING_MODES,
  ROUNDING_STEPS,
} from '../pricing';
import { MAX_PRICE_MINOR } from '../supply';
import { contextOf, isCount, isId, preconditionFailure, rejectCommand } from './decision-helpers';

/**
 * Sets prices and price rules. Every amount is a whole number of fen within MAX_PRICE_MINOR, a percentage within
 * MAX_MARKUP_BASIS_POINTS; anything else is refused whole (INVALID_SETTING), nothing half-applied. The same
 * settings again change nothing.
 */
export function decideSetPricing(command: SetPricing, state: InventoryState): InventoryEvent[] {
  const failure = preconditionFailure(command, state);
  if (failure !== null) return rejectCommand(command, failure);
  const pricing = pricingFrom(command, pricingOf(state));
  if (pricing === null) return rejectCommand(command, 'INVALID_SETTING');
  if (
    state.pricing !== undefined &&
    JSON.stringify(sorted(pricing)) === JSON.stringify(sorted(state.pricing))
  ) {
    return [];
  }
  const set: PricingSet = { type: 'PricingSet', data: { pricing, ...contextOf(command) } };
  return [set];
}

function pricingFrom(command: SetPricing, current: PricingSettings): PricingSettings | null {
  const d = command.data;
  const faceValue = d.faceValue === undefined ? current.faceValue : d.faceValue;
  const costPrice = d.costPrice === undefined ? current.costPrice : d.costPrice;
  const floor = d.floor === undefined ? current.floor : d.floor;
  const defaultRule = d.defaultRule === undefined ? current.defaultRule : d.defaultRule;
  const channelRules = d.channelRules === undefined ? current.channelRules : d.channelRules;
  const rounding = d.rounding === undefined ? current.rounding : d.rounding;
  if (![faceValue, costPrice, floor].every((v) => v === null || isPrice(v))) return null;
  if (defaultRule !== null && !isRule(defaultRule)) return null;
  if (!isRounding(rounding)) return null;
  if (typeof channelRules !== 'object' || channelRules === null || Array.isArray(channelRules)) return null;
  const entries = Object.entries(channelRules);
  if (entries.length > MAX_CHANNEL_PRICE_RULES) return null;
  const rules: Record<string, MarkupRule> = {};
  for (const [channel, rule] of entries) {
    if (!isId(channel) || !isRule(rule)) return null;
    Object.defineProperty(rules, channel, {
      value: { kind: rule.kind, value: rule.value },
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return {
    faceValue,
    costPrice,
    defaultRule: defaultRule === null ? null : { kind: defaultRule.kind, value: defaultRule.value },
    channelRules: rules,
    rounding: { step: rounding.step, mode: rounding.mode },
    floor,
  };
}

function isPrice(value: unknown): value is number {
  return isCount(value) && value <= MAX_PRICE_MINOR;
}

function isRule(rule: unknown): rule is MarkupRule {
  if (typeof rule !== 'object' || rule === null) return false;
  const { kind, value } = rule as Partial<MarkupRule>;
  if (!MARKUP_KINDS.includes(kind as MarkupRule['kind'])) return false;
  return kind === 'percent' ? isCount(value) && value <= MAX_MARKUP_BASIS_POINTS : isPrice(value);
}

function isRounding(rounding: unknown): rounding is PriceRounding {
  if (typeof rounding !== 'object' || rounding === null) return false;
  const { step, mode } = rounding as Partial<PriceRounding>;
  return (
    (ROUNDING_STEPS as readonly number[]).includes(step as number) &&
    ROUNDING_MODES.includes(mode as PriceRounding['mode'])
  );
}

/** The settings with channel rules in name order, so two equal settings compare equal whatever their order. */
function sorted(pricing: PricingSettings): PricingSettings {
  const channelRules = Object.fromEntries(
    Object.entries(pricing.channelRules).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
  return { ...pricing, channelRules };
}
