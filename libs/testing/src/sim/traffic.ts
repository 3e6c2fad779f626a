import { orderKey } from '@libs/inventory';
import type { ChannelEventsTopic, OutgoingMessage } from '@libs/messaging';
import type { ObservedHistory } from '../history/oracle';
import type { Prng, VirtualClock } from './prng';

export const CHANNELS = ['taobao', 'pinduoduo', 'shop', 'miniprogram'] as const;

export type SkuKind = 'quantity' | 'cardKey' | 'unlimited';
export type ChannelMessage = OutgoingMessage<typeof ChannelEventsTopic>;

export interface TrafficIntensity {
  /** A notice sent twice with the same event id. */
  duplicate: number;
  /** A notice re-sent by the platform under a new event id. */
  duplicateNewId: number;
  /** The payment or cancellation overtakes the placement. */
  reorder: number;
}

interface Notice {
  order: SimOrder;
  message: ChannelMessage;
}

interface SimOrder {
  channel: string;
  orderId: string;
  sku: string;
  quantity: number;
  /** How long the platform holds an unpaid order, from the moment the placement is sent. */
  holdMs: number;
  notices: Notice[];
  paidSent: boolean;
}

/**
 * What the platforms and the stock room send, as channel events: SKUs and their stock, orders with their fates
 * (paid, cancelled, refunded after payment, abandoned), stock counts; with the duplicates and reorderings a
 * platform produces. It keeps the log of paid orders the oracle holds the system to.
 */
export class PlatformTraffic {
  private readonly skus: { sku: string; kind: SkuKind }[] = [];
  private readonly orders: SimOrder[] = [];
  private stockMessages = 0;

  constructor(
    private readonly prng: Prng,
    private readonly clock: VirtualClock,
    private readonly intensity: TrafficIntensity,
  ) {}

  createSkus(): readonly { sku: string; kind: SkuKind }[] {
    const count = this.prng.int(1, 3);
    for (let i = 0; i < count; i++) {
      const roll = this.prng.next();
      this.skus.push({
        sku: `sku-${i}`,
        kind: roll < 0.5 ? 'quantity' : roll < 0.9 ? 'cardKey' : 'unlimited',
      });
    }
    return this.skus;
  }

  createOrders(): void {
    const count = this.prng.int(4, 20);
    for (let i = 0; i < count; i++) this.orders.push(this.order(i));
  }

  hasUnsent(): boolean {
    return this.orders.some((o) => o.notices.length > 0);
  }

  /** The next notices of random orders; a notice may go twice (same id, or a platform retry with a new id). */
  nextNotices(count: number): ChannelMessage[] {
    const p = this.prng;
    const batch: ChannelMessage[] = [];
    for (let i = 0; i < count; i++) {
      const open = this.orders.filter((o) => o.notices.length > 0);
      if (open.length === 0) break;
      const notice = this.stamp(p.pick(open).notices.shift()!);
      batch.push(notice.message);
      if (notice.message.type === 'order.paid') notice.order.paidSent = true;
      if (p.chance(this.intensity.duplicate)) batch.push(notice.message);
      if (p.chance(this.intensity.duplicateNewId))
        batch.push({ ...notice.message, eventId: `${notice.message.eventId}-resent` });
    }
    return batch;
  }

  /** A notice happens when it is sent: its time, and a placement's deadline, come from the virtual clock. */
  private stamp(notice: Notice): Notice {
    const now = this.clock.now();
    const message = { ...notice.message, occurredAt: new Date(now).toISOString() } as ChannelMessage;
    if (message.type === 'order.placed') {
      message.payload = { ...message.payload, expiresAt: new Date(now + notice.order.holdMs).toISOString() };
    }
    return { order: notice.order, message };
  }

  restock(sku: string, kind: 'quantity' | 'cardKey' | 'unlimited'): ChannelMessage {
    const batchId = `batch-${++this.stockMessages}`;
    const p = this.prng;
    if (kind === 'quantity') {
      return {
        type: 'stock.restocked',
        eventId: `restock-${batchId}`,
        payload: { sku, batchId, quantity: p.int(1, 6) },
      };
    }
    const units = Array.from({ length: p.int(1, 5) }, (_, i) => ({
      unitId: `${sku}-${batchId}-k${i}`,
      fingerprint: `fp-${sku}-${batchId}-${i}`,
    }));
    if (p.chance(0.2)) {
      const unitId = `${sku}-${batchId}-loop`;
      units.push({ unitId, fingerprint: `fp-${unitId}`, loop: true } as (typeof units)[number]);
    }
    return { type: 'stock.restocked', eventId: `restock-${batchId}`, payload: { sku, batchId, units } };
  }

  /** A restock of a random SKU that has counted stock (none for an unlimited one). */
  someRestock(): ChannelMessage[] {
    const { sku, kind } = this.prng.pick(this.skus);
    return kind === 'unlimited' ? [] : [this.restock(sku, kind)];
  }

  /** A stock count: more or fewer than the books say (a write-off below what is held must be refused). */
  someStockCount(): ChannelMessage[] {
    const counted = this.skus.filter((s) => s.kind === 'quantity');
    return counted.length === 0 ? [] : [this.adjustment(this.prng.pick(counted).sku)];
  }

  paidOrdersSent(): ObservedHistory['paidOrdersSent'] {
    return this.orders
      .filter((o) => o.paidSent)
      .map((o) => ({
        channel: o.channel,
        orderId: o.orderId,
        orderKey: orderKey(o.channel, o.orderId),
        sku: o.sku,
        quantity: o.quantity,
      }));
  }

  /** An order's notices as its platform would send them: placed, then paid or cancelled or nothing. */
  private order(i: number): SimOrder {
    const p = this.prng;
    const channel = p.pick(CHANNELS);
    const { sku } = p.pick(this.skus);
    const order: SimOrder = {
      channel,
      orderId: `o${i}`,
      sku,
      quantity: p.int(1, 3),
      holdMs: p.int(5, 120) * 1_000,
      notices: [],
      paidSent: false,
    };
    const base = { channel, channelOrderId: order.orderId, sku };
    const id = (type: string) => `${channel}-${order.orderId}-${type}`;
    const placed: ChannelMessage = {
      type: 'order.placed',
      eventId: id('placed'),
      payload: { ...base, lines: this.lines(order.quantity), expiresAt: '' },
    };
    const fate = p.next();
    const notices: ChannelMessage[] = [placed];
    if (fate < 0.6) notices.push({ type: 'order.paid', eventId: id('paid'), payload: base });
    // Refunded after payment: the cancellation comes too late and must be refused, the sale stands.
    if (fate >= 0.55 && fate < 0.6)
      notices.push({ type: 'order.cancelled', eventId: id('cancelled'), payload: base });
    else if (fate >= 0.6 && fate < 0.8)
      notices.push({ type: 'order.cancelled', eventId: id('cancelled'), payload: base });
    // The platform's own reordering: the payment (or cancellation) notice overtakes the placement.
    if (notices.length >= 2 && p.chance(this.intensity.reorder)) notices.push(notices.shift()!);
    order.notices = notices.map((message) => ({ order, message }));
    return order;
  }

  /** One line, or the quantity split over two lines of the same SKU. */
  private lines(quantity: number): { quantity: number }[] {
    if (quantity < 2 || !this.prng.chance(0.2)) return [{ quantity }];
    const first = this.prng.int(1, quantity - 1);
    return [{ quantity: first }, { quantity: quantity - first }];
  }

  private adjustment(sku: string): ChannelMessage {
    const adjustmentId = `adj-${++this.stockMessages}`;
    const delta = this.prng.chance(0.5) ? this.prng.int(1, 3) : -this.prng.int(1, 3);
    return {
      type: 'stock.adjusted',
      eventId: `adjust-${adjustmentId}`,
      payload: { sku, adjustmentId, delta, reason: 'count-correction' },
    };
  }
}
