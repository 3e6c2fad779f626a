import { EVENT_ID_NAMESPACE, uuidV5 } from '@libs/command-handling';
import {
  AFTER_SALES_REASON,
  AfterSalesTopic,
  encodeMessage,
  MAX_AFTER_SALES_TEXT,
  type MessageBus,
  type OutgoingMessage,
} from '@libs/messaging';
import type { Pool } from 'pg';
import { NoticeFormatError } from './order-notice';

/**
 * A platform's after-sales case on an order (a refund request, a complaint that the key does not work), read into
 * platform-neutral terms by that platform's parser. Not about stock: it becomes a ticket for an operator.
 */
export interface AfterSalesNotice {
  afterSales: {
    orderId: string;
    /** The platform's id of the case; one ticket per (channel, case id). */
    caseId: string;
    sku?: string;
    /** Upper-case code (AFTER_SALES_REASON). */
    reasonCode: string;
    summary: string;
  };
}

/** A reason the platform sends, as an upper-case code: `invalid key` and `invalid-key` become `INVALID_KEY`. */
export function afterSalesReason(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new NoticeFormatError(`${field} must be a reason code`);
  const code = value
    .trim()
    .toUpperCase()
    .replace(/[\s-]+/g, '_');
  if (!AFTER_SALES_REASON.test(code))
    throw new NoticeFormatError(
      `${field} must be a reason code of letters, digits and _ (at most 64)`,
      'NOTICE.INVALID_REASON',
    );
  return code;
}

/** The buyer's words, kept to the bound the topic and the ticket share (cut, not refused: it is only shown). */
export function afterSalesSummary(value: unknown): string {
  const text = typeof value === 'string' ? value : '';
  return text.length > MAX_AFTER_SALES_TEXT ? `${text.slice(0, MAX_AFTER_SALES_TEXT - 1)}…` : text;
}

type AfterSalesMessage = OutgoingMessage<typeof AfterSalesTopic>;

/**
 * The message of a case: its id derives from (channel, case id), so every copy of the notice is the same message.
 */
export function afterSalesMessageOf(
  channel: string,
  notice: AfterSalesNotice,
  nowMs: number,
): AfterSalesMessage {
  const { orderId, caseId, sku, reasonCode, summary } = notice.afterSales;
  return {
    type: 'after-sales.requested',
    eventId: uuidV5(`${channel}:after-sales:${caseId}`, EVENT_ID_NAMESPACE),
    occurredAt: new Date(nowMs).toISOString(),
    payload: { channel, channelOrderId: orderId, platformCaseId: caseId, sku, reasonCode, summary },
  };
}

/**
 * Dedupe of after-sales cases in channel_notifications, as status `after-sales:<case id>` and SKU `-`. Unlike an
 * order notice the row is written only after the publish succeeded, already `emitted`: a case is never left
 * pending, so the order inbox's relay (which publishes pending rows on stock.channel-events) never sees one. A
 * failed publish answers 503 and the platform sends the case again; two copies racing may both publish, which the
 * API absorbs (one ticket per channel and case id).
 */
export class AfterSalesInbox {
  constructor(
    private readonly pool: Pool,
    private readonly bus: MessageBus,
    private readonly channel: string,
  ) {}

  /** Throws MESSAGING.INVALID_MESSAGE for a case the topic would refuse, before anything is recorded. */
  check(message: AfterSalesMessage): void {
    encodeMessage(AfterSalesTopic, message, `connector-${this.channel}`);
  }

  async accept(message: AfterSalesMessage): Promise<'emitted' | 'duplicate'> {
    const { channelOrderId, platformCaseId } = message.payload as {
      channelOrderId: string;
      platformCaseId: string;
    };
    const status = `after-sales:${platformCaseId}`;
    const known = await this.pool.query(
      `SELECT 1 FROM channel_notifications WHERE channel = $1 AND order_id = $2 AND status = $3 AND sku = '-'`,
      [this.channel, channelOrderId, status],
    );
    if (known.rowCount) return 'duplicate';
    await this.bus.publish(AfterSalesTopic, [message]);
    const recorded = await this.pool.query(
      `INSERT INTO channel_notifications (channel, order_id, status, sku, state, emitted_at)
       VALUES ($1, $2, $3, '-', 'emitted', now())
       ON CONFLICT DO NOTHING`,
      [this.channel, channelOrderId, status],
    );
    return recorded.rowCount ? 'emitted' : 'duplicate';
  }
}
