/**
 * History checker: judges a finished run (fault suite, seeded simulation) by what it left behind, never by how it
 * got there. Pure and synchronous so that a failing run can be replayed and re-judged offline.
 *
 * Every rule is a property the business cares about (no oversell, one decision per order line, one buyer per card
 * key, every paid order answered, listings converge), so a violation names a defect, not an implementation detail.
 */

export type StockKindName = 'quantity' | 'cardKey' | 'unlimited';
export type DecisionKind = 'reserved' | 'rejected' | 'confirmed' | 'released' | 'expired' | 'cancelled';

export interface ObservedHistory {
  /** Per SKU: the stock kind and the units that ever entered stock (receipts, adjustments, imported keys), from the event store. */
  skus: { sku: string; kind: StockKindName; stockIn: number }[];
  /** Every order decision the event store holds, in stream order. orderKey = channel + order id (as the domain builds it). */
  decisions: {
    sku: string;
    orderKey: string;
    kind: DecisionKind;
    quantity: number;
    eventId: string;
    /** A reservation's part taken from counted stock (the rest is served by loop keys); default: quantity. */
    counted?: number;
    /**
     * Stock in at this point of the stream net of write-offs, when the collector knows it: what is held or sold
     * after this decision must not exceed it (a tighter bound than the lifetime stockIn).
     */
    stockSoFar?: number;
  }[];
  /** Card-key units allocated to orders (from the event store). count > 1 only for loop keys. */
  allocations: { sku: string; orderKey: string; unitId: string; count: number; loop: boolean }[];
  /** Outcomes seen on stock.order-outcomes (deduplicated by event id): which command/event id each answers. */
  outcomes: { orderKey: string; sku: string; type: string; answersType?: string }[];
  /** Paid orders the platforms sent (the traffic generator's own log), i.e. what must each get an outcome. */
  paidOrdersSent: { channel: string; orderId: string; orderKey: string; sku: string; quantity: number }[];
  /** Deliveries the platforms received (simulator delivery logs). */
  deliveries: { channel: string; orderId: string; orderKey: string; unitId: string }[];
  /** Final listing per channel and SKU next to the expected value (the channel policy applied to the truth). */
  listings: { channel: string; sku: string; listed: number; expected: number }[];
}

export type ViolationRule =
  | 'OVERSOLD'
  | 'DECIDED_TWICE'
  | 'KEY_TWO_ORDERS'
  | 'KEY_DELIVERED_TWICE'
  | 'PAID_WITHOUT_OUTCOME'
  | 'LISTING_DIFFERS';

export interface Violation {
  rule: ViolationRule;
  detail: string;
}

export function checkHistory(h: ObservedHistory): Violation[] {
  return [
    ...checkOversold(h),
    ...checkDecidedTwice(h),
    ...checkKeyTwoOrders(h),
    ...checkKeyDeliveredTwice(h),
    ...checkPaidWithoutOutcome(h),
    ...checkListings(h),
  ];
}

/** One line per violation, for test failure messages and the simulation's replay output. */
export function formatViolations(violations: readonly Violation[]): string {
  return violations.map((v) => `${v.rule}: ${v.detail}`).join('\n');
}

const lineKey = (orderKey: string, sku: string): string => `${orderKey}\u0000${sku}`;

/**
 * Walks each SKU's decisions in stream order and tracks what every order line holds (reserved, then possibly
 * confirmed). Stock that entered later in the stream is counted from the start: the bound is the total ever
 * received, which can only hide an oversell, never invent one.
 */
function checkOversold(h: ObservedHistory): Violation[] {
  const bounded = new Map(h.skus.filter((s) => s.kind !== 'unlimited').map((s) => [s.sku, s.stockIn]));
  const held = new Map<string, Map<string, number>>();
  const total = new Map<string, number>();
  const reported = new Set<string>();
  const out: Violation[] = [];
  for (const d of h.decisions) {
    const stockIn = bounded.get(d.sku);
    if (stockIn === undefined) continue;
    const lines = held.get(d.sku) ?? new Map<string, number>();
    held.set(d.sku, lines);
    const current = lines.get(d.orderKey) ?? 0;
    let next = current;
    if (d.kind === 'reserved') next = current + (d.counted ?? d.quantity);
    else if (d.kind === 'released' || d.kind === 'expired' || d.kind === 'cancelled') {
      // A release without a quantity gives back the whole line; never more than the line holds.
      next = d.quantity > 0 ? Math.max(0, current - d.quantity) : 0;
    }
    lines.set(d.orderKey, next);
    const sum = (total.get(d.sku) ?? 0) + next - current;
    total.set(d.sku, sum);
    const bound = Math.min(stockIn, d.stockSoFar ?? stockIn);
    if (sum > bound && !reported.has(d.sku)) {
      reported.add(d.sku);
      out.push({
        rule: 'OVERSOLD',
        detail:
          `${d.sku}: ${sum} held or confirmed after event ${d.eventId} (${d.kind} for ${d.orderKey}), ` +
          (bound < stockIn ? `only ${bound} in stock at that point` : `only ${stockIn} ever entered stock`),
      });
    }
  }
  return out;
}

function checkDecidedTwice(h: ObservedHistory): Violation[] {
  const firsts = new Map<string, number>();
  const confirms = new Map<string, number>();
  const out: Violation[] = [];
  for (const d of h.decisions) {
    const key = lineKey(d.orderKey, d.sku);
    if (d.kind === 'reserved' || d.kind === 'rejected') {
      const n = (firsts.get(key) ?? 0) + 1;
      firsts.set(key, n);
      if (n === 2)
        out.push({
          rule: 'DECIDED_TWICE',
          detail: `${d.orderKey} ${d.sku}: a second reserve/reject decision (event ${d.eventId}, ${d.kind})`,
        });
    } else if (d.kind === 'confirmed') {
      const n = (confirms.get(key) ?? 0) + 1;
      confirms.set(key, n);
      if (n === 2)
        out.push({
          rule: 'DECIDED_TWICE',
          detail: `${d.orderKey} ${d.sku}: confirmed twice (event ${d.eventId})`,
        });
    }
  }
  return out;
}

function loopUnits(h: ObservedHistory): Set<string> {
  return new Set(h.allocations.filter((a) => a.loop).map((a) => a.unitId));
}

function checkKeyTwoOrders(h: ObservedHistory): Violation[] {
  const loops = loopUnits(h);
  const owners = new Map<string, Set<string>>();
  const note = (unitId: string, orderKey: string): void => {
    if (loops.has(unitId)) return;
    const set = owners.get(unitId) ?? new Set<string>();
    set.add(orderKey);
    owners.set(unitId, set);
  };
  for (const a of h.allocations) if (!a.loop) note(a.unitId, a.orderKey);
  for (const d of h.deliveries) note(d.unitId, d.orderKey);
  const out: Violation[] = [];
  for (const [unitId, orders] of owners) {
    if (orders.size > 1) {
      out.push({
        rule: 'KEY_TWO_ORDERS',
        detail: `unit ${unitId} went to ${orders.size} orders: ${[...orders].sort().join(', ')}`,
      });
    }
  }
  return out;
}

function checkKeyDeliveredTwice(h: ObservedHistory): Violation[] {
  const loops = loopUnits(h);
  const allocated = new Map<string, number>();
  for (const a of h.allocations) {
    if (!a.loop) continue;
    const key = lineKey(a.orderKey, a.unitId);
    allocated.set(key, (allocated.get(key) ?? 0) + a.count);
  }
  const delivered = new Map<string, number>();
  for (const d of h.deliveries) {
    const key = lineKey(d.orderKey, d.unitId);
    delivered.set(key, (delivered.get(key) ?? 0) + 1);
  }
  const out: Violation[] = [];
  for (const [key, n] of delivered) {
    const [orderKey, unitId] = key.split('\u0000') as [string, string];
    const allowed = loops.has(unitId) ? (allocated.get(key) ?? 0) : 1;
    if (n > allowed) {
      out.push({
        rule: 'KEY_DELIVERED_TWICE',
        detail: `unit ${unitId} delivered ${n} times to ${orderKey}${loops.has(unitId) ? ` (loop key, ${allowed} allocated)` : ''}`,
      });
    }
  }
  return out;
}

function checkPaidWithoutOutcome(h: ObservedHistory): Violation[] {
  // An outcome that says which event it answers must answer the payment; one that does not say counts as any.
  const answered = new Set(
    h.outcomes
      .filter((o) => o.answersType === undefined || o.answersType === 'order.paid')
      .map((o) => lineKey(o.orderKey, o.sku)),
  );
  const seen = new Set<string>();
  const out: Violation[] = [];
  for (const p of h.paidOrdersSent) {
    const key = lineKey(p.orderKey, p.sku);
    if (answered.has(key) || seen.has(key)) continue;
    seen.add(key);
    out.push({
      rule: 'PAID_WITHOUT_OUTCOME',
      detail: `${p.channel} order ${p.orderId} (${p.sku} x${p.quantity}) was paid and never answered`,
    });
  }
  return out;
}

function checkListings(h: ObservedHistory): Violation[] {
  return h.listings
    .filter((l) => l.listed !== l.expected)
    .map((l) => ({
      rule: 'LISTING_DIFFERS' as const,
      detail: `${l.channel} ${l.sku}: listed ${l.listed}, expected ${l.expected}`,
    }));
}
