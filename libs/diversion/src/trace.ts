import type { Violation } from './evaluate';

/** One order of an alert's trace (diversion_alerts.orders, and the alert's summary). */
export interface TraceOrder {
  channel: string;
  orderId: string;
  sku: string;
  quantity: number;
  /** ISO 8601. */
  at: string;
  unitPrice?: number;
  shop?: string;
  province?: string;
  city?: string;
  ip?: string;
  buyerRef?: string;
}

function yuan(fen: number): string {
  return `¥${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
}

function place(o: TraceOrder): string {
  return [o.province, o.city].filter((x) => x !== undefined).join('/') || 'unknown region';
}

/** One line per order for a person: ids, price, region, IP and buyer reference (opaque), never a name. */
function orderLine(o: TraceOrder): string {
  return [
    `${o.channel}:${o.orderId}`,
    `${o.sku} x${o.quantity}`,
    o.unitPrice !== undefined ? `at ${yuan(o.unitPrice)}` : 'price not given',
    o.shop !== undefined ? `shop ${o.shop}` : undefined,
    place(o),
    o.ip !== undefined ? `IP ${o.ip}` : undefined,
    o.buyerRef !== undefined ? `buyer ${o.buyerRef}` : undefined,
  ]
    .filter((x) => x !== undefined)
    .join(', ');
}

/**
 * The alert's summary: what the rule found, against what, and the trace (newest orders last). The notifier cuts it
 * at 1,000 characters; the whole trace stays in diversion_alerts (GET /v1/diversion/alerts).
 */
export function describeViolation(v: Violation, orders: readonly TraceOrder[]): string {
  const who = `${v.subjectKind} ${v.subject}`;
  const last = orders[orders.length - 1];
  let what: string;
  switch (v.type) {
    case 'price-floor':
      what = `sold below the floor of ${yuan(v.floorFen ?? 0)}${last?.unitPrice !== undefined ? ` at ${yuan(last.unitPrice)}` : ''}`;
      break;
    case 'region':
      what = `sold outside the allowed regions (${(v.allowed ?? []).slice(0, 10).join(', ')}) to ${last ? place(last) : 'unknown'}`;
      break;
    case 'volume':
      what = `${v.count} ${v.measure} within ${Math.round((v.windowEnd.getTime() - v.windowStart.getTime()) / 60_000)} minutes, above the limit of ${v.max}`;
      break;
    default: {
      const never: never = v.type;
      what = never;
    }
  }
  const lines = orders.slice(-5).map(orderLine);
  return `串货 rule ${v.ruleId} "${v.ruleName}" (v${v.ruleVersion}): ${who} ${what}. Orders: ${lines.join('; ')}.`;
}

/** Labels for routing and for a receiver that shows fields: the rule, the subject and the triggering order. */
export function traceLabels(v: Violation, order: TraceOrder): Record<string, string> {
  const labels: Record<string, string> = {
    rule_id: v.ruleId,
    rule_type: v.type,
    subject_kind: v.subjectKind,
    subject: v.subject,
    window_start: v.windowStart.toISOString(),
    channel: order.channel,
    order_id: order.orderId,
    sku: order.sku,
    quantity: String(order.quantity),
  };
  if (order.unitPrice !== undefined) labels.unit_price_fen = String(order.unitPrice);
  if (v.floorFen !== undefined) labels.floor_fen = String(v.floorFen);
  if (order.shop !== undefined) labels.shop = order.shop;
  if (order.province !== undefined) labels.province = order.province;
  if (order.city !== undefined) labels.city = order.city;
  if (order.ip !== undefined) labels.ip = order.ip;
  if (order.buyerRef !== undefined) labels.buyer_ref = order.buyerRef;
  // At most 16 labels (stock.alerts): the ones above are 16 when all are present.
  return Object.fromEntries(Object.entries(labels).map(([k, val]) => [k, val.slice(0, 200)]));
}
