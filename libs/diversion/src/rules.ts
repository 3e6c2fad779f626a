/*
 * 串货 (diversion) rules: what a seller allows a shop to do with a SKU, and what the rule engine watches for. A rule
 * is a scope (which orders it looks at) and one check. Pure data: the api stores it as JSON, the engine evaluates it.
 */

/** Bounds of a rule: the api refuses more, the engine never sees more. */
export const DIVERSION_LIMITS = {
  /** Rules in force at once (the engine evaluates every one against each order). */
  maxRules: 1_000,
  maxNameLength: 100,
  maxIdentifierLength: 128,
  /** Channels or shops one rule names. */
  maxScopeEntries: 50,
  /** Allowed provinces of a region rule, and cities per province. */
  maxRegions: 50,
  maxCitiesPerRegion: 100,
  maxRegionNameLength: 32,
  /** The longest window: a week. Volume counts older than that are never needed. */
  maxWindowMinutes: 7 * 24 * 60,
  maxThreshold: 1_000_000,
  /** ¥1,000,000 in fen: far above any card or top-up sold, and small enough that a typo of extra zeros is refused. */
  maxPriceFen: 100_000_000,
} as const;

export const VOLUME_SUBJECTS = ['buyer', 'ip', 'shop'] as const;
export type VolumeSubject = (typeof VOLUME_SUBJECTS)[number];

export const VOLUME_MEASURES = ['units', 'orders'] as const;
export type VolumeMeasure = (typeof VOLUME_MEASURES)[number];

export const RULE_TYPES = ['price-floor', 'region', 'volume'] as const;
export type RuleType = (typeof RULE_TYPES)[number];

/**
 * Which orders a rule looks at. `sku` or `skuPrefix` (SKUs carry no category; a prefix such as `steam-` is how
 * sellers group them), neither for every SKU. `channels` / `shops` absent or empty: any.
 */
export interface RuleScope {
  sku?: string;
  skuPrefix?: string;
  channels?: string[];
  shops?: string[];
}

/**
 * Below the floor alerts. The floor is `floorFen`, or a reference price less `maxDiscountPercent` per cent (rounded
 * up to the fen, so a price at exactly the discount limit is allowed and one fen under is not). The reference is
 * `referenceFen` when the rule gives it, else the selling price the SKU's pricing sets for the order's channel
 * (channel_stock.price): a rule then follows the operator's price changes, and says nothing where none is set.
 */
export interface PriceFloorCheck {
  type: 'price-floor';
  floorFen?: number;
  referenceFen?: number;
  maxDiscountPercent?: number;
}

/** A province allowed, and when `cities` is given, only those cities of it. */
export interface AllowedRegion {
  province: string;
  cities?: string[];
}

/** An order shipped to (or bought from) a province or city not listed alerts. */
export interface RegionCheck {
  type: 'region';
  allowed: AllowedRegion[];
}

/** More than `max` units (or orders) per buyer, IP or shop within the rule's window alerts. */
export interface VolumeCheck {
  type: 'volume';
  per: VolumeSubject;
  measure: VolumeMeasure;
  max: number;
}

export type RuleCheck = PriceFloorCheck | RegionCheck | VolumeCheck;

export interface DiversionRule {
  /** Stable across versions (the api's rule id). */
  id: string;
  version: number;
  name: string;
  scope: RuleScope;
  check: RuleCheck;
  /**
   * Minutes of the violation window: a rule alerts at most once per subject per window (windows are aligned to
   * the epoch, so every instance agrees on them), and a volume rule counts over the last this many minutes.
   */
  windowMinutes: number;
}

/**
 * The floor of a price-floor check in fen: `floorFen`, or the reference less the discount, the reference being the
 * rule's own or else `channelPriceFen`. Undefined when there is no reference to take it from.
 */
export function floorOf(check: PriceFloorCheck, channelPriceFen?: number): number | undefined {
  if (check.floorFen !== undefined) return check.floorFen;
  const reference = check.referenceFen ?? channelPriceFen;
  if (reference === undefined || check.maxDiscountPercent === undefined) return undefined;
  // Integer arithmetic on fen × per cent: no float rounding at the limit.
  return Math.ceil((reference * (100 - check.maxDiscountPercent)) / 100);
}

/** Whether a rule's floor is taken from the channel's selling price (a percentage with no reference of its own). */
export function usesChannelPrice(rule: Pick<DiversionRule, 'check'>): boolean {
  const check = rule.check;
  return (
    check.type === 'price-floor' &&
    check.floorFen === undefined &&
    check.referenceFen === undefined &&
    check.maxDiscountPercent !== undefined
  );
}

const IDENTIFIER = /^[^\s\p{Cc}\p{Cf}]+$/u;

/**
 * What is wrong with a rule definition, as `field: problem` lines; empty when it is valid. The api's DTOs check the
 * shape and bounds first; this checks what spans fields (one floor form, sku or prefix) and is also what the engine
 * trusts when it loads a stored rule.
 */
export function ruleProblems(rule: Omit<DiversionRule, 'id' | 'version'>): string[] {
  const problems: string[] = [];
  const L = DIVERSION_LIMITS;
  const ident = (field: string, v: unknown, max: number = L.maxIdentifierLength) => {
    if (typeof v !== 'string' || v.length === 0 || v.length > max || !IDENTIFIER.test(v))
      problems.push(`${field}: must be 1 to ${max} characters without whitespace`);
  };
  const list = (field: string, v: unknown, max: number, each: (x: unknown, f: string) => void) => {
    if (v === undefined) return;
    if (!Array.isArray(v) || v.length > max) {
      problems.push(`${field}: must be a list of at most ${max}`);
      return;
    }
    v.forEach((x, i) => each(x, `${field}[${i}]`));
  };
  const int = (field: string, v: unknown, min: number, max: number) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
      problems.push(`${field}: must be an integer from ${min} to ${max}`);
  };
  if (typeof rule.name !== 'string' || rule.name.trim().length === 0 || rule.name.length > L.maxNameLength)
    problems.push(`name: must be 1 to ${L.maxNameLength} characters`);
  int('windowMinutes', rule.windowMinutes, 1, L.maxWindowMinutes);
  const scope = rule.scope ?? {};
  if (scope.sku !== undefined && scope.skuPrefix !== undefined)
    problems.push('scope: give sku or skuPrefix, not both');
  if (scope.sku !== undefined) ident('scope.sku', scope.sku);
  if (scope.skuPrefix !== undefined) ident('scope.skuPrefix', scope.skuPrefix);
  list('scope.channels', scope.channels, L.maxScopeEntries, (x, f) => ident(f, x));
  list('scope.shops', scope.shops, L.maxScopeEntries, (x, f) => ident(f, x));
  const check = rule.check;
  switch (check?.type) {
    case 'price-floor': {
      const absolute = check.floorFen !== undefined;
      const relative = check.referenceFen !== undefined || check.maxDiscountPercent !== undefined;
      if (absolute === relative)
        problems.push(
          "check: give floorFen, or maxDiscountPercent (under referenceFen, or under the channel's price)",
        );
      if (absolute) int('check.floorFen', check.floorFen, 1, L.maxPriceFen);
      if (relative) {
        if (check.referenceFen !== undefined) int('check.referenceFen', check.referenceFen, 1, L.maxPriceFen);
        int('check.maxDiscountPercent', check.maxDiscountPercent, 0, 99);
      }
      break;
    }
    case 'region':
      if (!Array.isArray(check.allowed) || check.allowed.length === 0)
        problems.push('check.allowed: must list at least one province');
      list('check.allowed', check.allowed, L.maxRegions, (x, f) => {
        const r = x as AllowedRegion;
        ident(`${f}.province`, r?.province, L.maxRegionNameLength);
        list(`${f}.cities`, r?.cities, L.maxCitiesPerRegion, (c, cf) => ident(cf, c, L.maxRegionNameLength));
      });
      break;
    case 'volume':
      if (!VOLUME_SUBJECTS.includes(check.per))
        problems.push(`check.per: must be one of ${VOLUME_SUBJECTS.join(', ')}`);
      if (!VOLUME_MEASURES.includes(check.measure))
        problems.push(`check.measure: must be one of ${VOLUME_MEASURES.join(', ')}`);
      int('check.max', check.max, 1, L.maxThreshold);
      break;
    default:
      problems.push(`check.type: must be one of ${RULE_TYPES.join(', ')}`);
  }
  return problems;
}
