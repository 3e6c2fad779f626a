import { createHmac } from 'node:crypto';
import { type AfterSalesNotice, afterSalesSummary } from '../inbound/after-sales-notice';
import type { IgnoredNotice, OrderNotice, OrderStatus } from '../inbound/order-notice';
import { NoticeFormatError } from '../inbound/order-notice';
import { httpCall, parseJson } from '../outbound/http-call';
import { type CardKeyToDeliver, type PlatformAdapter, readAllListings } from '../outbound/platform-adapter';
import { PlatformCallError } from '../outbound/platform-errors';
import { PlatformPrices, priceAnswerOf, yuanOf } from '../outbound/platform-prices';
import type { ListingPage, PriceResult, PushItemResult, StockTarget } from '../outbound/stock-target';
import {
  list,
  obj,
  observedYuan,
  optionalTime,
  positiveInt,
  saleNotice,
  statusNamed,
  str,
} from './notice-fields';
import { type DeliveryLinks, linkForCards } from './delivery-link';
import { sortedParamString } from './sorted-params';

export interface TaobaoAdapterOptions {
  baseUrl: string;
  appKey: string;
  appSecret: string;
  timeoutMs: number;
  /** The buyer's delivery links; without them card-key orders are refused (no channel for the secret). */
  deliveryLinks?: DeliveryLinks;
}

interface TopError {
  code: number;
  msg: string;
  sub_code?: string;
  sub_msg?: string;
}

/** At most 20 SKUs per `taobao.skus.quantity.update`. */
export const TAOBAO_MAX_SKUS_PER_CALL = 20;

/**
 * Taobao through TOP. Always full-set (type=1): an incremental update would clamp an over-large decrement to 0
 * silently and drift from the truth. SKUs are addressed by outer_id (the seller's code = our SKU) under their
 * item's num_iid, learnt from the listing read; one `taobao.skus.quantity.update` per item, ≤ 20 SKUs each. A
 * selling price goes by `taobao.item.sku.price.update`, one SKU per call, only when it differs from the last one
 * Taobao answered.
 */
export class TaobaoAdapter implements PlatformAdapter {
  readonly channel = 'taobao';
  readonly maxBatchSize = TAOBAO_MAX_SKUS_PER_CALL;
  private readonly itemOfSku = new Map<string, string>();
  private readonly prices = new PlatformPrices();

  constructor(private readonly options: TaobaoAdapterOptions) {}

  /** One `taobao.skus.quantity.update` addresses one item: the push queue batches SKUs by item. */
  batchKeyOf(sku: string): string {
    return this.itemOfSku.get(sku) ?? '?';
  }

  async push(
    targets: readonly StockTarget[],
    spendExtraCall?: () => Promise<void>,
  ): Promise<PushItemResult[]> {
    if (targets.some((t) => !this.itemOfSku.has(t.sku))) await this.learnItems();
    const results: PushItemResult[] = [];
    const byItem = new Map<string, StockTarget[]>();
    for (const t of targets) {
      const item = this.itemOfSku.get(t.sku);
      if (item === undefined) {
        results.push({
          sku: t.sku,
          outcome: 'refused',
          code: 'TAOBAO.SKU_NOT_LISTED',
          message: 'no item on sale carries this outer_id',
        });
        continue;
      }
      byItem.set(item, [...(byItem.get(item) ?? []), t]);
    }
    for (const [numIid, group] of byItem) {
      for (let i = 0; i < group.length; i += TAOBAO_MAX_SKUS_PER_CALL) {
        const chunk = group.slice(i, i + TAOBAO_MAX_SKUS_PER_CALL);
        const answer = await this.call('taobao.skus.quantity.update', {
          num_iid: numIid,
          type: '1',
          outerid_quantities: chunk.map((t) => `${t.sku}:${t.quantity}`).join(';'),
        });
        const error = answer.error_response as TopError | undefined;
        if (error && /not-exist/.test(error.sub_code ?? '')) {
          this.itemOfSku.clear();
          // Relisted as another item, the SKU's price is sent to that item again.
          for (const t of chunk) this.prices.forget(t.sku);
          results.push(
            ...chunk.map((t): PushItemResult => ({
              sku: t.sku,
              outcome: 'refused',
              code: 'TAOBAO.SKU_NOT_LISTED',
              message: error.sub_msg ?? error.msg,
            })),
          );
          continue;
        }
        if (error) throw topFailure(error);
        for (const t of chunk) {
          const price = await this.pushPrice(numIid, t, spendExtraCall);
          results.push({ sku: t.sku, outcome: 'acknowledged', ...(price ? { price } : {}) });
        }
      }
    }
    return results;
  }

  /**
   * `taobao.item.sku.price.update` for one SKU whose target carries a price Taobao has not answered: one call per
   * SKU (the API takes one), in yuan with two decimals, after the quantity is acknowledged.
   */
  private pushPrice(numIid: string, target: StockTarget, spendExtraCall?: () => Promise<void>) {
    return this.prices.send(target, spendExtraCall, async (fen): Promise<PriceResult> => {
      const answer = await this.call('taobao.item.sku.price.update', {
        num_iid: numIid,
        outer_id: target.sku,
        price: yuanOf(fen),
      });
      const error = answer.error_response as TopError | undefined;
      return error ? priceAnswerOf(topFailure(error)) : { outcome: 'acknowledged' };
    });
  }

  async readListings(cursor: string | undefined, pageSize: number): Promise<ListingPage> {
    const pageNo = Number(cursor ?? '1');
    const answer = await this.call('taobao.items.onsale.get', {
      page_no: String(pageNo),
      page_size: String(pageSize),
    });
    if (answer.error_response) throw topFailure(answer.error_response as TopError);
    const body = answer.items_onsale_get_response as {
      total_results: number;
      items: {
        item: {
          num_iid: string;
          approve_status: string;
          skus: { sku: { outer_id: string; quantity: number }[] };
        }[];
      };
    };
    const items = body.items.item.flatMap((item) =>
      item.skus.sku.map((s) => {
        this.itemOfSku.set(s.outer_id, String(item.num_iid));
        return { sku: s.outer_id, quantity: s.quantity, listed: item.approve_status === 'onsale' };
      }),
    );
    return { items, nextCursor: pageNo * pageSize < body.total_results ? String(pageNo + 1) : undefined };
  }

  /**
   * Marks the trade shipped without logistics (`taobao.logistics.dummy.send`, 无需物流发货, TOP-signed like the
   * stock calls) and hands the buyer a signed link to StockSync's delivery page in `delivery_note`. The secret
   * never leaves: TOP has no sanctioned field for it. A trade already shipped answers
   * `isv.logistics-*-already-send`-style errors, which count as done (idempotent on (order, unit)).
   */
  async deliverCardKeys(
    channelOrderId: string,
    sku: string,
    cards: readonly CardKeyToDeliver[],
  ): Promise<void> {
    const link = linkForCards(this.options.deliveryLinks, this.channel, channelOrderId, sku, cards);
    const answer = await this.call('taobao.logistics.dummy.send', {
      tid: channelOrderId,
      delivery_note: link,
    });
    const error = answer.error_response as TopError | undefined;
    if (error && !/already/i.test(error.sub_code ?? '')) throw topFailure(error);
  }

  /** Reading the listings records each SKU's item (readListings keeps them). */
  private async learnItems(): Promise<void> {
    for await (const _page of readAllListings(this)) continue;
  }

  private async call(method: string, params: Record<string, string>): Promise<Record<string, unknown>> {
    const all: Record<string, string> = {
      ...params,
      method,
      app_key: this.options.appKey,
      timestamp: new Date().toISOString().replace('T', ' ').slice(0, 19),
      format: 'json',
      v: '2.0',
      sign_method: 'hmac-sha256',
    };
    all.sign = topSign(all, this.options.appSecret);
    const r = await httpCall(`${this.options.baseUrl}/router/rest`, {
      headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' },
      body: new URLSearchParams(all).toString(),
      timeoutMs: this.options.timeoutMs,
    });
    return parseJson(r.text, method) as Record<string, unknown>;
  }
}

export function topSign(params: Record<string, string>, secret: string): string {
  return createHmac('sha256', secret).update(sortedParamString(params)).digest('hex').toUpperCase();
}

function topFailure(error: TopError): PlatformCallError {
  if (error.code === 7) {
    // "This ban will last for N more seconds": the platform says when it reopens.
    const seconds = /(\d+)\s+more\s+seconds/.exec(error.sub_msg ?? '');
    return new PlatformCallError(
      'TAOBAO.APP_CALL_LIMITED',
      error.msg,
      true,
      seconds ? Number(seconds[1]) * 1000 : undefined,
    );
  }
  // isp.* sub codes and code 15 without an isv cause are the platform's own trouble: worth retrying.
  const cause = error.sub_code ?? '';
  const retryable = cause.startsWith('isp.') || (error.code === 15 && !cause.startsWith('isv.'));
  return new PlatformCallError(
    `TAOBAO.${error.sub_code ?? error.code}`,
    error.sub_msg ?? error.msg,
    retryable,
  );
}

const TAOBAO_STATUS = new Map<string, OrderStatus>([
  ['WAIT_BUYER_PAY', 'placed'],
  ['WAIT_SELLER_SEND_GOODS', 'paid'],
  ['TRADE_CLOSED', 'cancelled'],
  ['TRADE_CLOSED_BY_TAOBAO', 'cancelled'],
]);

/** Taobao's message service topic for a buyer's refund request (退款创建). */
export const TAOBAO_REFUND_CREATED = 'taobao_refund_RefundCreated';

/**
 * A trade message as Taobao's message service (TMC) carries it: `{topic, content: {tid, status, orders:
 * [{outer_sku_id, num}], pay_deadline?}}`. Statuses after payment (shipped, signed, …) are not stock facts.
 * A refund request, `{topic: taobao_refund_RefundCreated, content: {tid, refund_id, oid?, refund_fee?,
 * refund_phase?}}`, is an after-sales case; the message carries no reason (that takes a refund query), so its
 * reason is REFUND_REQUESTED.
 */
export function parseTaobaoNotice(body: unknown): OrderNotice | IgnoredNotice | AfterSalesNotice {
  const b = obj(body, 'body');
  const content = obj(b.content, 'content');
  if (b.topic === TAOBAO_REFUND_CREATED)
    return {
      afterSales: {
        orderId: str(content.tid, 'content.tid'),
        caseId: str(content.refund_id, 'content.refund_id'),
        reasonCode: 'REFUND_REQUESTED',
        summary: afterSalesSummary(
          `Taobao refund ${String(content.refund_id)} requested` +
            (content.refund_fee !== undefined ? `, refund_fee ${String(content.refund_fee)}` : '') +
            (typeof content.refund_phase === 'string' ? ` (${content.refund_phase})` : ''),
        ),
      },
    };
  if (typeof content.status !== 'string')
    throw new NoticeFormatError('content.status must be a trade status');
  const status = statusNamed(TAOBAO_STATUS, content.status, 'content.status');
  if (!status) return { ignored: `status ${content.status}` };
  // Trade fields as taobao.trade.fullinfo.get names them: receiver_state/receiver_city, buyer_open_uid (the
  // buyer's opaque id), seller_nick (the shop), orders[].price in yuan. Taobao gives no buyer IP.
  const sale = saleNotice({
    province: content.receiver_state,
    city: content.receiver_city,
    buyerRef: content.buyer_open_uid,
    shop: content.seller_nick,
  });
  return {
    channel: 'taobao',
    orderId: str(content.tid, 'content.tid'),
    status,
    lines: list(content.orders, 'content.orders').map((o, i) => {
      const line = obj(o, `content.orders[${i}]`);
      const unitPrice = observedYuan(line.price);
      return {
        sku: str(line.outer_sku_id, `content.orders[${i}].outer_sku_id`),
        quantity: positiveInt(line.num, `content.orders[${i}].num`),
        ...(unitPrice === undefined ? {} : { unitPrice }),
      };
    }),
    expiresAt: optionalTime(content.pay_deadline, 'content.pay_deadline'),
    ...(sale === undefined ? {} : { sale }),
  };
}
