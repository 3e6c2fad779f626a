import { isCount } from './decisions/decision-helpers';
import type { SaleObservation } from './sale';
import type { StockKind } from './stock-kind';
import { MAX_PRICE_MINOR } from './supply';

/**
 * Order rules (订单自动化): conditions on the order (product, channel, amount, quantity, buyer reference or level)
 * and what to do with a matching one — hold it for an operator's review, give it a priority, send it to a given
 * supplier first, or refuse it with the rule's own code. The rules in force travel with the placement into the
 * SKU's decision (ReserveStock.orderRules), so a rule is applied by the SKU's single writer, in the same decision
 * as the stock: it can only keep an order from stock (refuse) or change what happens after payment, never add
 * stock or reserve twice.
 */

export const ORDER_RULE_ACTIONS = ['hold', 'priority', 'route', 'refuse'] as const;
export type OrderRuleActionType = (typeof ORDER_RULE_ACTIONS)[number];

export type OrderRuleAction =
  | { readonly type: 'hold' }
  /** Higher first: the manual queue and forwarding list higher priorities first. 1–100. */
  | { readonly type: 'priority'; readonly priority: number }
  /** Try this supplier first (a supplier-backed SKU that links it); the others follow in their order. */
  | { readonly type: 'route'; readonly supplierId: string }
  /** Refuse the order; `code` (A–Z, 0–9, _ and .) is the operator's reason, shown with ORDER_RULE_REFUSED. */
  | { readonly type: 'refuse'; readonly code: string };

/** Every field present must match (AND); a list matches any of its values; an absent field matches anything. */
export interface OrderRuleCondition {
  readonly skus?: readonly string[];
  readonly skuPrefix?: string;
  readonly kinds?: readonly StockKind[];
  readonly channels?: readonly string[];
  /** The order's amount on this SKU, fen: unit price paid × quantity. An order with no price never matches. */
  readonly minAmount?: number;
  readonly maxAmount?: number;
  readonly minQuantity?: number;
  readonly maxQuantity?: number;
  readonly buyerRefs?: readonly string[];
  readonly buyerLevels?: readonly string[];
}

export interface OrderRule {
  readonly ruleId: string;
  /** Each change to a rule is a new version; the ruling records the version applied. */
  readonly version: number;
  /** Lower first: among matching rules of one action, the first decides (a second `route` is ignored). */
  readonly position: number;
  readonly when: OrderRuleCondition;
  readonly then: OrderRuleAction;
}

export interface RuleRef {
  readonly ruleId: string;
  readonly version: number;
}

/**
 * What the rules decided for one order: at most one of each action, from the first matching rule of that action.
 * A refusal makes the others moot.
 */
export interface OrderRuling {
  readonly refuse?: RuleRef & { readonly code: string };
  readonly hold?: RuleRef;
  readonly priority?: RuleRef & { readonly priority: number };
  readonly route?: RuleRef & { readonly supplierId: string };
}

export interface OrderFacts {
  readonly sku: string;
  readonly kind: StockKind | null;
  readonly channel: string;
  readonly quantity: number;
  readonly sale?: SaleObservation;
}

export const MAX_ORDER_RULES = 500;
export const MAX_RULE_LIST_LENGTH = 100;
export const MAX_PRIORITY = 100;
const MAX_RULE_TEXT_LENGTH = 128;
const REFUSAL_CODE = /^[A-Z][A-Z0-9_.]{0,63}$/;
const STOCK_KINDS: readonly string[] = ['quantity', 'cardKey', 'unlimited', 'supplier'];

function isText(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_RULE_TEXT_LENGTH;
}

function isTextList(value: unknown): value is readonly string[] {
  return (
    Array.isArray(value) && value.length > 0 && value.length <= MAX_RULE_LIST_LENGTH && value.every(isText)
  );
}

function isBound(value: unknown, max: number): value is number {
  return isCount(value) && value <= max;
}

/**
 * Why a rule cannot be used, or null. The API refuses such a rule with the problem; the decision skips one that
 * reached it anyway (a rule is an operator's setting, and a broken one must not stop orders).
 */
export function orderRuleProblem(rule: unknown): string | null {
  if (typeof rule !== 'object' || rule === null) return 'a rule must be an object';
  const r = rule as Partial<OrderRule>;
  if (!isText(r.ruleId)) return 'ruleId must be text of 1 to 128 characters';
  if (!isCount(r.version) || r.version < 1) return 'version must be a positive whole number';
  if (!isBound(r.position, 1_000_000)) return 'position must be a whole number from 0 to 1000000';
  const when = r.when as Record<string, unknown> | undefined;
  if (typeof when !== 'object' || when === null || Array.isArray(when)) return 'when must be an object';
  for (const list of ['skus', 'channels', 'buyerRefs', 'buyerLevels'] as const) {
    if (when[list] !== undefined && !isTextList(when[list])) return `when.${list} must list 1 to 100 texts`;
  }
  if (when.skuPrefix !== undefined && !isText(when.skuPrefix)) return 'when.skuPrefix must be text';
  if (
    when.kinds !== undefined &&
    !(isTextList(when.kinds) && (when.kinds as string[]).every((k) => STOCK_KINDS.includes(k)))
  )
    return `when.kinds must list stock kinds (${STOCK_KINDS.join(', ')})`;
  for (const bound of ['minAmount', 'maxAmount'] as const) {
    if (when[bound] !== undefined && !isBound(when[bound], MAX_PRICE_MINOR))
      return `when.${bound} must be whole fen from 0 to ${MAX_PRICE_MINOR}`;
  }
  for (const bound of ['minQuantity', 'maxQuantity'] as const) {
    if (when[bound] !== undefined && !isBound(when[bound], 1_000_000))
      return `when.${bound} must be a whole number from 0 to 1000000`;
  }
  const action = r.then as Record<string, unknown> | undefined;
  if (typeof action !== 'object' || action === null) return 'then must be an action';
  switch (action.type) {
    case 'hold':
      return null;
    case 'priority':
      return isBound(action.priority, MAX_PRIORITY) && (action.priority as number) >= 1
        ? null
        : `then.priority must be a whole number from 1 to ${MAX_PRIORITY}`;
    case 'route':
      return isText(action.supplierId) ? null : 'then.supplierId must name a supplier';
    case 'refuse':
      return typeof action.code === 'string' && REFUSAL_CODE.test(action.code)
        ? null
        : 'then.code must be an upper-case code (A-Z, 0-9, _ and .; at most 64)';
    default:
      return `then.type must be one of ${ORDER_RULE_ACTIONS.join(', ')}`;
  }
}

/** True when the order satisfies every condition the rule sets. */
export function ruleMatches(when: OrderRuleCondition, facts: OrderFacts): boolean {
  if (when.skus !== undefined && !when.skus.includes(facts.sku)) return false;
  if (when.skuPrefix !== undefined && !facts.sku.startsWith(when.skuPrefix)) return false;
  if (when.kinds !== undefined && (facts.kind === null || !when.kinds.includes(facts.kind))) return false;
  if (when.channels !== undefined && !when.channels.includes(facts.channel)) return false;
  if (when.minQuantity !== undefined && facts.quantity < when.minQuantity) return false;
  if (when.maxQuantity !== undefined && facts.quantity > when.maxQuantity) return false;
  if (when.minAmount !== undefined || when.maxAmount !== undefined) {
    const unitPrice = facts.sale?.unitPrice;
    if (unitPrice === undefined) return false;
    const amount = unitPrice * facts.quantity;
    if (when.minAmount !== undefined && amount < when.minAmount) return false;
    if (when.maxAmount !== undefined && amount > when.maxAmount) return false;
  }
  if (when.buyerRefs !== undefined) {
    const ref = facts.sale?.buyerRef;
    if (ref === undefined || !when.buyerRefs.includes(ref)) return false;
  }
  if (when.buyerLevels !== undefined) {
    const level = facts.sale?.buyerLevel;
    if (level === undefined || !when.buyerLevels.includes(level)) return false;
  }
  return true;
}

/**
 * The usable rules of a set, in the order they decide. Checked and sorted once per set: the owner hands the same
 * array to every placement until its next read, and doing this per order made a ruling over 100 rules cost ~90 µs
 * (bench/order-rules.bench.ts). Keyed by the array itself, so the answer is the one computing it each time gives.
 */
const prepared = new WeakMap<readonly unknown[], readonly OrderRule[]>();

function usableRules(rules: readonly unknown[]): readonly OrderRule[] {
  const known = prepared.get(rules);
  if (known !== undefined) return known;
  const usable = rules
    .slice(0, MAX_ORDER_RULES)
    .filter((rule): rule is OrderRule => orderRuleProblem(rule) === null)
    .sort((a, b) => a.position - b.position || (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0));
  prepared.set(rules, usable);
  return usable;
}

/**
 * The ruling of `rules` on an order: for each action, the first matching usable rule by position (then rule id,
 * so the order the rules arrive in never matters). Undefined when no rule matches.
 */
export function orderRuling(
  rules: readonly unknown[] | undefined,
  facts: OrderFacts,
): OrderRuling | undefined {
  if (!Array.isArray(rules) || rules.length === 0) return undefined;
  const usable = usableRules(rules);
  const ruling: { -readonly [K in keyof OrderRuling]: OrderRuling[K] } = {};
  for (const rule of usable) {
    const action = rule.then;
    // An action already decided by an earlier rule: this one cannot change it, so it is not even matched.
    if (ruling[action.type] !== undefined || !ruleMatches(rule.when, facts)) continue;
    const ref = { ruleId: rule.ruleId, version: rule.version };
    // A refusal makes every other action moot.
    if (action.type === 'refuse') return { refuse: { ...ref, code: action.code } };
    if (action.type === 'hold') ruling.hold = ref;
    if (action.type === 'priority') ruling.priority = { ...ref, priority: action.priority };
    if (action.type === 'route') ruling.route = { ...ref, supplierId: action.supplierId };
  }
  return Object.keys(ruling).length === 0 ? undefined : ruling;
}
