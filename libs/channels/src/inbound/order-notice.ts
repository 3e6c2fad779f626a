import { uuidV5, EVENT_ID_NAMESPACE } from '@libs/command-handling';
import type { ChannelEventsTopic, OutgoingMessage } from '@libs/messaging';
import type { AfterSalesNotice } from './after-sales-notice';

export const ORDER_STATUSES = ['placed', 'paid', 'cancelled'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** A platform's order notification, read into platform-neutral terms by that platform's parser. */
export interface OrderNotice {
  channel: string;
  orderId: string;
  status: OrderStatus;
  /** `unitPrice`: the price paid per unit in fen, where the platform says. */
  lines: { sku: string; quantity: number; unitPrice?: number }[];
  /** When an unpaid order lapses on the platform; a default hold applies when the platform does not say. */
  expiresAt?: string;
  /** What the platform says about the buyer and the selling shop (see notice-fields.ts saleNotice). */
  sale?: SaleNotice;
  /** A top-up (直充) order: the account to credit. */
  topUp?: TopUpNotice;
}

export interface SaleNotice {
  province?: string;
  city?: string;
  buyerRef?: string;
  buyerLevel?: string;
  ip?: string;
  shop?: string;
}

export interface TopUpNotice {
  account: string;
  server?: string;
  region?: string;
}

/** A notification that is well-formed but not about stock (a shipment, a review…): acknowledged, not emitted. */
export interface IgnoredNotice {
  ignored: string;
}

/**
 * A signed notice that cannot be read (answered 400). `reason` is a stable code for what is wrong
 * (`IDENTIFIER.FORMAT_CHARACTER`, `QUANTITY.TOO_LARGE`, …); the message names the field.
 */
export class NoticeFormatError extends Error {
  readonly code = 'WEBHOOK.INVALID_NOTICE';
  constructor(
    message: string,
    readonly reason: string = 'NOTICE.MALFORMED',
  ) {
    super(message);
    this.name = 'NoticeFormatError';
  }
}

/** A platform's parser: an order notice, an after-sales case (AfterSalesNotice), or something to acknowledge only. */
export type NoticeParser = (body: unknown) => OrderNotice | IgnoredNotice | AfterSalesNotice;

type ChannelEvent = OutgoingMessage<typeof ChannelEventsTopic>;

/**
 * The channel events of a notice, one per SKU, each with an id derived from (platform, order id, status, SKU):
 * the same fact always gets the same id, which the inventory service uses as its command id.
 *
 * A payment notice also carries the placement of the order (same id as the placement notice would have): the
 * platforms do not promise order, and a payment that overtakes its placement must still find a reservation.
 */
export function channelEventsOf(notice: OrderNotice, nowMs: number, defaultHoldMs: number): ChannelEvent[] {
  // The time of receipt travels with the events: the inventory service decides at it, and a publish that comes
  // later (the inbox relay after a broker failure) must decide as it would have on time.
  const occurredAt = new Date(nowMs).toISOString();
  const bySku = new Map<string, number[]>();
  // A SKU on several lines at different prices is observed at the lowest: a price floor is about the cheapest sale.
  const lowestPrice = new Map<string, number>();
  for (const line of notice.lines) {
    bySku.set(line.sku, [...(bySku.get(line.sku) ?? []), line.quantity]);
    if (line.unitPrice !== undefined)
      lowestPrice.set(line.sku, Math.min(line.unitPrice, lowestPrice.get(line.sku) ?? line.unitPrice));
  }
  const saleOf = (sku: string) => {
    const unitPrice = lowestPrice.get(sku);
    const sale = { ...(unitPrice === undefined ? {} : { unitPrice }), ...notice.sale };
    return Object.keys(sale).length === 0 ? {} : { sale };
  };
  const { channel, orderId: channelOrderId } = notice;
  const id = (status: OrderStatus, sku: string) =>
    uuidV5(`${channel}:${channelOrderId}:${status}:${sku}`, EVENT_ID_NAMESPACE);
  const placed = (): ChannelEvent[] =>
    [...bySku].map(([sku, quantities]) => ({
      type: 'order.placed',
      eventId: id('placed', sku),
      occurredAt,
      payload: {
        channel,
        channelOrderId,
        sku,
        lines: quantities.map((quantity) => ({ quantity })),
        expiresAt: notice.expiresAt ?? new Date(nowMs + defaultHoldMs).toISOString(),
        ...saleOf(sku),
        ...(notice.topUp === undefined ? {} : { topUp: notice.topUp }),
      },
    }));
  switch (notice.status) {
    case 'placed':
      return placed();
    case 'paid':
      return [
        ...placed(),
        ...[...bySku.keys()].map((sku): ChannelEvent => ({
          type: 'order.paid',
          eventId: id('paid', sku),
          occurredAt,
          payload: { channel, channelOrderId, sku },
        })),
      ];
    case 'cancelled':
      return [...bySku.keys()].map((sku): ChannelEvent => ({
        type: 'order.cancelled',
        eventId: id('cancelled', sku),
        occurredAt,
        payload: { channel, channelOrderId, sku },
      }));
    default: {
      const never: never = notice.status;
      return never;
    }
  }
}
