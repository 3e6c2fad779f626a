import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { defineTopic } from './define-topic';
import { IsChannel, IsIdentifier } from './fields';

/*
 * stock.after-sales: a platform's after-sales (refund, return, complaint) case on an order, and the seller's answer.
 * The connector of the channel writes `after-sales.requested` from a verified notice and the API opens a ticket on
 * it; when that ticket is closed the API writes `after-sales.answered` and the same connector, the only caller of
 * its platform, sends the answer. Keyed by channel:channelOrderId so a case and its answer stay in order.
 */

/** Longest summary or answer note a message carries; the ticket keeps the same bound. */
export const MAX_AFTER_SALES_TEXT = 2000;

/** A case's reason: one upper-case word (no dots: it is the ticket's reason code as it is). */
export const AFTER_SALES_REASON = /^[A-Z][A-Z0-9_]{0,63}$/;

export const AFTER_SALES_ANSWERS = ['accepted', 'refused'] as const;
export type AfterSalesAnswer = (typeof AFTER_SALES_ANSWERS)[number];

export class AfterSalesRequested {
  @IsChannel()
  channel!: string;

  @IsIdentifier()
  channelOrderId!: string;

  /** The platform's own id of the case (Taobao refund_id, PDD after_sales_id, the shop's caseId). */
  @IsIdentifier()
  platformCaseId!: string;

  @IsOptional()
  @IsIdentifier()
  sku?: string;

  /** Upper-case code: REFUND_REQUESTED, INVALID_KEY, NOT_RECEIVED, RETURN_REQUESTED, ... */
  @Matches(AFTER_SALES_REASON, {
    message: '$property must be an upper-case code like INVALID_KEY, at most 64 characters',
  })
  reasonCode!: string;

  @IsString()
  @MaxLength(MAX_AFTER_SALES_TEXT)
  summary!: string;
}

export class AfterSalesAnswered {
  @IsChannel()
  channel!: string;

  @IsIdentifier()
  channelOrderId!: string;

  @IsIdentifier()
  platformCaseId!: string;

  /** The ticket that decided it, for the connector's logs. */
  @IsIdentifier()
  ticketId!: string;

  /** `accepted` when the ticket was resolved, `refused` when it was rejected. */
  @IsIn(AFTER_SALES_ANSWERS)
  answer!: AfterSalesAnswer;

  @IsString()
  @MaxLength(MAX_AFTER_SALES_TEXT)
  note!: string;

  /** Who closed the ticket (an API key's name). */
  @IsString()
  @MaxLength(200)
  actor!: string;
}

export const AfterSalesTopic = defineTopic({
  id: 'afterSales',
  name: 'stock.after-sales',
  description:
    "A platform's after-sales case on an order (from its connector) and the seller's answer (from the API).",
  defaultPartitions: 3,
  cleanupPolicy: 'delete',
  keyDescription: 'channel:channelOrderId',
  key: (payload) => `${payload.channel}:${payload.channelOrderId}`,
  messages: {
    'after-sales.requested': { schemaVersion: 1, payload: AfterSalesRequested },
    'after-sales.answered': { schemaVersion: 1, payload: AfterSalesAnswered },
  },
});
