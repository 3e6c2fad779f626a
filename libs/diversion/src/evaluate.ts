import { type DiversionRule, floorOf, type RuleType } from './rules';

/** One SKU of an order as the channel reported it (an order.placed notice and its sale observations). */
export interface ObservedOrder {
  /** The notice's event id: the same placement always has the same one. */
  eventId: string;
  channel: string;
  orderId: string;
  sku: string;
  quantity: number;
  /** When the connector received the notice. */
  at: Date;
  /** Fen per unit (the lowest, when the SKU is on several lines). */
  unitPrice?: number;
  province?: string;
  city?: string;
  buyerRef?: string;
  ip?: string;
  shop?: string;
}

/** Who a violation is about: the alert goes out once per rule, subject and window. */
export type SubjectKind = 'buyer' | 'ip' | 'shop' | 'channel';

export interface Violation {
  ruleId: string;
  ruleVersion: number;
  ruleName: string;
  type: RuleType;
  subjectKind: SubjectKind;
  subject: string;
  windowStart: Date;
  windowEnd: Date;
  /** price-floor: the floor in fen the price fell under. */
  floorFen?: number;
  /** region: what the rule allows, as `province` or `province/city` entries. */
  allowed?: string[];
  /** volume: the count in the window including this order, against the rule's maximum. */
  count?: number;
  max?: number;
  measure?: 'units' | 'orders';
}

/** A volume rule's share of one order: `amount` added to (rule, subject)'s windowed count. */
export interface VolumeContribution {
  ruleId: string;
  subject: string;
  windowMs: number;
  amount: number;
}

const MINUTE_MS = 60_000;

/** Does the rule look at this order at all (SKU, prefix, channel, shop)? */
export function inScope(rule: DiversionRule, order: ObservedOrder): boolean {
  const { sku, skuPrefix, channels, shops } = rule.scope;
  if (sku !== undefined && order.sku !== sku) return false;
  if (skuPrefix !== undefined && !order.sku.startsWith(skuPrefix)) return false;
  if (channels && channels.length > 0 && !channels.includes(order.channel)) return false;
  // A shop-scoped rule cannot judge an order whose shop the platform did not say.
  if (shops && shops.length > 0 && (order.shop === undefined || !shops.includes(order.shop))) return false;
  return true;
}

/** The epoch-aligned window of `at` for a rule: the same on every instance, and after a restart. */
export function windowOf(rule: Pick<DiversionRule, 'windowMinutes'>, at: Date): { start: Date; end: Date } {
  const ms = rule.windowMinutes * MINUTE_MS;
  const start = Math.floor(at.getTime() / ms) * ms;
  return { start: new Date(start), end: new Date(start + ms) };
}

function volumeSubject(rule: DiversionRule, order: ObservedOrder): string | undefined {
  if (rule.check.type !== 'volume') return undefined;
  switch (rule.check.per) {
    case 'buyer':
      return order.buyerRef;
    case 'ip':
      return order.ip;
    case 'shop':
      return order.shop;
    default: {
      const never: never = rule.check.per;
      return never;
    }
  }
}

/**
 * What this order adds to the windowed counts of the volume rules that look at it. An order without the subject
 * (no buyer reference, IP or shop) counts for nobody: it cannot be attributed.
 */
export function volumeContributions(
  order: ObservedOrder,
  rules: readonly DiversionRule[],
): VolumeContribution[] {
  const out: VolumeContribution[] = [];
  for (const rule of rules) {
    if (rule.check.type !== 'volume' || !inScope(rule, order)) continue;
    const subject = volumeSubject(rule, order);
    if (subject === undefined) continue;
    out.push({
      ruleId: rule.id,
      subject,
      windowMs: rule.windowMinutes * MINUTE_MS,
      amount: rule.check.measure === 'units' ? order.quantity : 1,
    });
  }
  return out;
}

/** `ruleId` and subject as one map key. */
export function volumeKey(ruleId: string, subject: string): string {
  return `${ruleId}\u0000${subject}`;
}

/**
 * The violations of one order. `windowedCount(ruleId, subject)` answers a volume rule's count over its window
 * ending at this order, this order included (the engine reads it from PostgreSQL); `channelPriceFen` is the
 * selling price the SKU's pricing sets for the order's channel, for a percentage floor without a reference of its
 * own. An observation the platform did not send (no price, no province), or a channel with no price set, never
 * violates: the rule cannot tell.
 */
export function evaluateOrder(
  order: ObservedOrder,
  rules: readonly DiversionRule[],
  windowedCount: (ruleId: string, subject: string) => number = () => 0,
  channelPriceFen?: number,
): Violation[] {
  const out: Violation[] = [];
  // Price and region alerts are about who sold: the shop (分站) when the platform names it, else the channel.
  const seller =
    order.shop !== undefined
      ? { kind: 'shop' as const, id: order.shop }
      : { kind: 'channel' as const, id: order.channel };
  for (const rule of rules) {
    if (!inScope(rule, order)) continue;
    const { start, end } = windowOf(rule, order.at);
    const base = {
      ruleId: rule.id,
      ruleVersion: rule.version,
      ruleName: rule.name,
      windowStart: start,
      windowEnd: end,
    };
    const check = rule.check;
    switch (check.type) {
      case 'price-floor': {
        const floor = floorOf(check, channelPriceFen);
        if (floor !== undefined && order.unitPrice !== undefined && order.unitPrice < floor)
          out.push({
            ...base,
            type: check.type,
            subjectKind: seller.kind,
            subject: seller.id,
            floorFen: floor,
          });
        break;
      }
      case 'region': {
        if (order.province === undefined) break;
        const region = check.allowed.find((r) => r.province === order.province);
        const allowed =
          region !== undefined &&
          (region.cities === undefined ||
            region.cities.length === 0 ||
            (order.city !== undefined && region.cities.includes(order.city)));
        if (!allowed)
          out.push({
            ...base,
            type: check.type,
            subjectKind: seller.kind,
            subject: seller.id,
            allowed: check.allowed.flatMap((r) =>
              r.cities && r.cities.length > 0 ? r.cities.map((c) => `${r.province}/${c}`) : [r.province],
            ),
          });
        break;
      }
      case 'volume': {
        const subject = volumeSubject(rule, order);
        if (subject === undefined) break;
        const count = windowedCount(rule.id, subject);
        if (count > check.max)
          out.push({
            ...base,
            type: check.type,
            subjectKind: check.per,
            subject,
            count,
            max: check.max,
            measure: check.measure,
          });
        break;
      }
      default: {
        const never: never = check;
        return never;
      }
    }
  }
  return out;
}

/** The alert key of a violation: rule, subject and window. At most one alert per key, ever. */
export function alertKeyOf(v: Pick<Violation, 'ruleId' | 'subjectKind' | 'subject' | 'windowStart'>): string {
  return `${v.ruleId}:${v.subjectKind}=${v.subject}:${v.windowStart.toISOString()}`;
}
