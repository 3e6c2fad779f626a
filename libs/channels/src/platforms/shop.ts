import { type AfterSalesNotice, afterSalesReason, afterSalesSummary } from '../inbound/after-sales-notice';
import type { IgnoredNotice, OrderNotice, OrderStatus } from '../inbound/order-notice';
import { NoticeFormatError } from '../inbound/order-notice';
import { signedHeaders } from '../inbound/webhook-signature';
import { httpCall, parseJson } from '../outbound/http-call';
import type { AfterSalesAnswerCall, CardKeyToDeliver, PlatformAdapter } from '../outbound/platform-adapter';
import { PlatformCallError } from '../outbound/platform-errors';
import type { ListingPage, PushItemResult, StockTarget } from '../outbound/stock-target';
import {
  list,
  obj,
  observedFen,
  optionalTime,
  positiveInt,
  saleNotice,
  statusNamed,
  str,
  topUpNotice,
} from './notice-fields';

export interface ShopAdapterOptions {
  /** The shop's base URL; the contract's paths start with /v1. */
  baseUrl: string;
  /** Shared secret: our requests are signed with it exactly as the shop signs its webhooks to us. */
  apiSecret: string;
  timeoutMs: number;
}

export const SHOP_MAX_ITEMS_PER_CALL = 100;

/**
 * The in-house shop / 分站 contract v1 (apps/connector-shop/openapi.yaml): full-set quantities with the SKU
 * version, so the shop itself can drop a stale push; ≤ 100 SKUs per call; idempotent card-key delivery.
 */
export class ShopAdapter implements PlatformAdapter {
  readonly channel: string;
  readonly maxBatchSize = SHOP_MAX_ITEMS_PER_CALL;

  constructor(
    private readonly options: ShopAdapterOptions,
    channel = 'shop',
  ) {
    this.channel = channel;
  }

  async push(targets: readonly StockTarget[]): Promise<PushItemResult[]> {
    const r = await this.request('PUT', '/v1/stock', {
      // The shop contract takes a price (fen) with the quantity; it keeps its own price where none is sent.
      items: targets.map((t) => ({
        sku: t.sku,
        quantity: t.quantity,
        ...(t.price === undefined ? {} : { price: t.price }),
        version: t.skuVersion,
      })),
    });
    const body = parseJson(r.text, 'PUT /v1/stock') as {
      results?: { sku: string; status: string }[];
      code?: string;
      message?: string;
    };
    if (r.status !== 200 || !body.results) throw shopFailure(r.status, body);
    // `stale`: the shop already holds a newer version, which is as good as an acknowledgement of this one.
    return body.results.map((x): PushItemResult => ({ sku: x.sku, outcome: 'acknowledged' }));
  }

  async readListings(cursor: string | undefined, pageSize: number): Promise<ListingPage> {
    const query = new URLSearchParams({ limit: String(pageSize), ...(cursor ? { cursor } : {}) });
    const r = await this.request('GET', `/v1/stock?${query}`);
    const body = parseJson(r.text, 'GET /v1/stock') as {
      items?: { sku: string; quantity: number; listed: boolean }[];
      nextCursor?: string | null;
      code?: string;
      message?: string;
    };
    if (r.status !== 200 || !body.items) throw shopFailure(r.status, body);
    return {
      items: body.items.map(({ sku, quantity, listed }) => ({ sku, quantity, listed })),
      nextCursor: body.nextCursor ?? undefined,
    };
  }

  async deliverCardKeys(
    channelOrderId: string,
    sku: string,
    cards: readonly CardKeyToDeliver[],
  ): Promise<void> {
    const r = await this.request('POST', `/v1/orders/${encodeURIComponent(channelOrderId)}/card-keys`, {
      sku,
      cards,
    });
    if (r.status !== 200)
      throw shopFailure(r.status, parseJson(r.text, 'card-keys') as { code?: string; message?: string });
  }

  /** POST /v1/after-sales/{caseId}/answer: idempotent per case (the same answer again is acknowledged). */
  async answerAfterSales(call: AfterSalesAnswerCall): Promise<void> {
    const r = await this.request(
      'POST',
      `/v1/after-sales/${encodeURIComponent(call.platformCaseId)}/answer`,
      {
        orderId: call.channelOrderId,
        answer: call.answer,
        note: call.note,
      },
    );
    if (r.status !== 200) {
      // 429 and 5xx were thrown as retryable by httpCall; any other answer is the shop refusing this one for good.
      const body = parseJson(r.text, 'after-sales answer') as { code?: string; message?: string };
      throw new PlatformCallError(
        body.code ?? `HTTP_${r.status}`,
        body.message ?? `shop answered ${r.status}`,
        false,
      );
    }
  }

  private request(method: string, path: string, body?: unknown) {
    const text = body === undefined ? '' : JSON.stringify(body);
    return httpCall(`${this.options.baseUrl}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        ...signedHeaders(this.options.apiSecret, method, path, text),
      },
      body: body === undefined ? undefined : text,
      timeoutMs: this.options.timeoutMs,
    });
  }
}

function shopFailure(status: number, body: { code?: string; message?: string }): PlatformCallError {
  return new PlatformCallError(
    body.code ?? `HTTP_${status}`,
    body.message ?? `shop answered ${status}`,
    status === 409,
  );
}

const SHOP_TYPES = new Map<string, OrderStatus>([
  ['order.placed', 'placed'],
  ['order.paid', 'paid'],
  ['order.cancelled', 'cancelled'],
]);

/**
 * Contract v1 webhook body: `{type: order.placed|order.paid|order.cancelled, orderId, lines: [{sku, quantity,
 * unitPrice?}], expiresAt?, buyer?: {ref?, level?, province?, city?, ip?}, shop?, topUp?: {account, server?,
 * region?}}` (prices in fen), or an after-sales case `{type: after-sales.requested, orderId, caseId, sku?, reason,
 * description?}`.
 */
export function parseShopNotice(body: unknown): OrderNotice | IgnoredNotice | AfterSalesNotice {
  const b = obj(body, 'body');
  if (typeof b.type !== 'string') throw new NoticeFormatError('type must be an event type');
  if (b.type === 'after-sales.requested')
    return {
      afterSales: {
        orderId: str(b.orderId, 'orderId'),
        caseId: str(b.caseId, 'caseId'),
        sku: b.sku === undefined || b.sku === null ? undefined : str(b.sku, 'sku'),
        reasonCode: afterSalesReason(b.reason, 'reason'),
        summary: afterSalesSummary(b.description),
      },
    };
  const status = statusNamed(SHOP_TYPES, b.type, 'type');
  if (!status) return { ignored: `type ${b.type}` };
  const buyer = typeof b.buyer === 'object' && b.buyer !== null ? (b.buyer as Record<string, unknown>) : {};
  const sale = saleNotice({
    province: buyer.province,
    city: buyer.city,
    buyerRef: buyer.ref,
    buyerLevel: buyer.level,
    ip: buyer.ip,
    shop: b.shop,
  });
  const topUp = topUpNotice(b.topUp, 'topUp');
  return {
    channel: 'shop',
    orderId: str(b.orderId, 'orderId'),
    status,
    lines: list(b.lines, 'lines').map((o, i) => {
      const line = obj(o, `lines[${i}]`);
      const unitPrice = observedFen(line.unitPrice);
      return {
        sku: str(line.sku, `lines[${i}].sku`),
        quantity: positiveInt(line.quantity, `lines[${i}].quantity`),
        ...(unitPrice === undefined ? {} : { unitPrice }),
      };
    }),
    expiresAt: optionalTime(b.expiresAt, 'expiresAt'),
    ...(sale === undefined ? {} : { sale }),
    ...(topUp === undefined ? {} : { topUp }),
  };
}
