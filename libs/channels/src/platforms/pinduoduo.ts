import { createHash } from 'node:crypto';
import { type AfterSalesNotice, afterSalesSummary } from '../inbound/after-sales-notice';
import type { IgnoredNotice, OrderNotice, OrderStatus } from '../inbound/order-notice';
import { NoticeFormatError } from '../inbound/order-notice';
import { httpCall, parseJson } from '../outbound/http-call';
import { type CardKeyToDeliver, type PlatformAdapter, readAllListings } from '../outbound/platform-adapter';
import { PlatformCallError } from '../outbound/platform-errors';
import { PlatformPrices, priceAnswerOf } from '../outbound/platform-prices';
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
import { type DeliveryLinks, linkForCards, trackingNumberOf } from './delivery-link';
import { sortedParamString } from './sorted-params';

export interface PinduoduoAdapterOptions {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
  /** The buyer's delivery links; without them card-key orders are refused (no channel for the secret). */
  deliveryLinks?: DeliveryLinks;
}

interface PddError {
  error_code: number;
  error_msg: string;
  sub_msg?: string;
}

/** The refusal code recorded in channel_push_state and counted in stocksync_channel_push_errors_total. */
export const PDD_PROMOTION_SLOT_REFUSAL = 'PDD.PROMOTION_SLOT_DECREASE';
const PROMOTION_SLOT_TEXT = '在资源位上的商品不能减少库存';
/** Throttling as the platform reports it (the simulator's code; the public list of codes is incomplete). */
const PDD_THROTTLED = 70_031;
/** The logistics company id PDD uses for goods shipped without logistics (virtual goods). */
export const PDD_NO_LOGISTICS_ID = '0';

/**
 * Pinduoduo `pdd.goods.quantity.update`, full-set (update_type=1), one SKU per call, addressed by goods_id +
 * outer_id. An item placed in a promotion slot (资源位) refuses any decrease: that SKU is reported as refused
 * (recorded, counted, logged) and left for reconciliation to retry once the promotion ends; other SKUs go on.
 */
export class PinduoduoAdapter implements PlatformAdapter {
  readonly channel = 'pinduoduo';
  readonly maxBatchSize = 1;
  private readonly goodsOfSku = new Map<string, string>();
  /** PDD's own sku_id per outer_id, which the price call addresses (the stock call takes the outer_id). */
  private readonly skuIdOf = new Map<string, string | number>();
  private readonly prices = new PlatformPrices();

  constructor(private readonly options: PinduoduoAdapterOptions) {}

  async push(
    targets: readonly StockTarget[],
    spendExtraCall?: () => Promise<void>,
  ): Promise<PushItemResult[]> {
    if (targets.some((t) => !this.goodsOfSku.has(t.sku))) await this.learnGoods();
    const results: PushItemResult[] = [];
    for (const t of targets) {
      const goodsId = this.goodsOfSku.get(t.sku);
      if (goodsId === undefined) {
        results.push({
          sku: t.sku,
          outcome: 'refused',
          code: 'PDD.SKU_NOT_LISTED',
          message: 'no goods carry this outer_id',
        });
        continue;
      }
      const answer = await this.call('pdd.goods.quantity.update', {
        goods_id: goodsId,
        outer_id: t.sku,
        quantity: String(t.quantity),
        update_type: '1',
      });
      const error = answer.error_response as PddError | undefined;
      if (!error) {
        const price = await this.pushPrice(goodsId, t, spendExtraCall);
        results.push({ sku: t.sku, outcome: 'acknowledged', ...(price ? { price } : {}) });
      } else if ((error.sub_msg ?? '').includes(PROMOTION_SLOT_TEXT)) {
        results.push({
          sku: t.sku,
          outcome: 'refused',
          code: PDD_PROMOTION_SLOT_REFUSAL,
          message: error.sub_msg!,
        });
      } else {
        throw pddFailure(error);
      }
    }
    return results;
  }

  /**
   * `pdd.goods.sku.price.update` with the SKU's group price (拼单价, what a PDD buyer pays) in fen, when the target
   * carries a price PDD has not answered. The single-purchase price (单买价) is left as the seller set it: PDD
   * refuses a group price that is not below it, and that refusal is this SKU's answer.
   */
  private async pushPrice(
    goodsId: string,
    target: StockTarget,
    spendExtraCall?: () => Promise<void>,
  ): Promise<PriceResult | undefined> {
    const skuId = this.skuIdOf.get(target.sku);
    return this.prices.send(target, spendExtraCall, async (fen): Promise<PriceResult> => {
      if (skuId === undefined)
        return {
          outcome: 'refused',
          code: 'PDD.SKU_ID_UNKNOWN',
          message: 'the listing read gave no sku_id for this outer_id',
        };
      const answer = await this.call('pdd.goods.sku.price.update', {
        goods_id: goodsId,
        // The sku_id goes back as the listing read gave it (an int64 may not fit a double).
        sku_price_list: JSON.stringify([{ sku_id: skuId, group_price: fen }]),
      });
      const error = answer.error_response as PddError | undefined;
      return error ? priceAnswerOf(pddFailure(error)) : { outcome: 'acknowledged' };
    });
  }

  async readListings(cursor: string | undefined, pageSize: number): Promise<ListingPage> {
    const page = Number(cursor ?? '1');
    const answer = await this.call('pdd.goods.list.get', { page: String(page), page_size: String(pageSize) });
    if (answer.error_response) throw pddFailure(answer.error_response as PddError);
    const body = answer.goods_list_get_response as {
      total_count: number;
      goods_list: {
        goods_id: string;
        sku_list: {
          sku_id?: string | number;
          outer_id: string;
          sku_quantity: number;
          is_sku_onsale: number;
        }[];
      }[];
    };
    const items = body.goods_list.flatMap((g) =>
      g.sku_list.map((s) => {
        this.goodsOfSku.set(s.outer_id, String(g.goods_id));
        if (s.sku_id !== undefined) this.skuIdOf.set(s.outer_id, s.sku_id);
        return { sku: s.outer_id, quantity: s.sku_quantity, listed: s.is_sku_onsale === 1 };
      }),
    );
    return { items, nextCursor: page * pageSize < body.total_count ? String(page + 1) : undefined };
  }

  /**
   * Marks the order shipped through `pdd.logistics.online.send` with the no-logistics company
   * (PDD_NO_LOGISTICS_ID) and the buyer's signed delivery link in `delivery_note`, signed like the stock calls.
   * The tracking number is the link's non-secret id. The secret never leaves.
   */
  async deliverCardKeys(
    channelOrderId: string,
    sku: string,
    cards: readonly CardKeyToDeliver[],
  ): Promise<void> {
    const link = linkForCards(this.options.deliveryLinks, this.channel, channelOrderId, sku, cards);
    const answer = await this.call('pdd.logistics.online.send', {
      order_sn: channelOrderId,
      logistics_id: PDD_NO_LOGISTICS_ID,
      tracking_number: trackingNumberOf(link),
      delivery_note: link,
    });
    const error = answer.error_response as PddError | undefined;
    if (error && !/已发货|already/i.test(`${error.error_msg} ${error.sub_msg ?? ''}`))
      throw pddFailure(error);
  }

  /** Reading the listings records each SKU's goods id (readListings keeps them). */
  private async learnGoods(): Promise<void> {
    for await (const _page of readAllListings(this)) continue;
  }

  private async call(type: string, params: Record<string, string>): Promise<Record<string, unknown>> {
    const all: Record<string, string> = {
      ...params,
      type,
      client_id: this.options.clientId,
      timestamp: String(Math.floor(Date.now() / 1000)),
      data_type: 'JSON',
    };
    all.sign = pddSign(all, this.options.clientSecret);
    const r = await httpCall(`${this.options.baseUrl}/api/router`, {
      headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' },
      body: new URLSearchParams(all).toString(),
      timeoutMs: this.options.timeoutMs,
    });
    return parseJson(r.text, type) as Record<string, unknown>;
  }
}

export function pddSign(params: Record<string, string>, secret: string): string {
  return createHash('md5')
    .update(`${secret}${sortedParamString(params)}${secret}`)
    .digest('hex')
    .toUpperCase();
}

function pddFailure(error: PddError): PlatformCallError {
  const retryable = error.error_code === PDD_THROTTLED || error.error_code >= 50_000;
  return new PlatformCallError(
    `PDD.${error.error_code}`,
    error.sub_msg ?? error.error_msg,
    retryable,
    error.error_code === PDD_THROTTLED ? 1000 : undefined,
  );
}

const PDD_EVENTS = new Map<string, OrderStatus>([
  ['pdd_trade_TradeCreate', 'placed'],
  ['pdd_trade_TradeBuyerPay', 'paid'],
  ['pdd_trade_TradeClose', 'cancelled'],
]);

/** Pinduoduo's message type for a new after-sales order (售后单, 退款创建). */
export const PDD_REFUND_CREATED = 'pdd_refund_RefundCreated';

/**
 * `{type: pdd_trade_*, order_sn, item_list: [{outer_id, goods_count}], pay_deadline?}`; an after-sales order is
 * `{type: pdd_refund_RefundCreated, tid, refund_id, refund_fee?}` (the message's own fields: `tid` is the order
 * number, `refund_id` the after-sales id, the fee in fen). The reason is not in the message: REFUND_REQUESTED.
 */
export function parsePinduoduoNotice(body: unknown): OrderNotice | IgnoredNotice | AfterSalesNotice {
  const b = obj(body, 'body');
  if (typeof b.type !== 'string') throw new NoticeFormatError('type must be a message type');
  if (b.type === PDD_REFUND_CREATED)
    return {
      afterSales: {
        orderId: str(b.tid, 'tid'),
        caseId: str(b.refund_id, 'refund_id'),
        reasonCode: 'REFUND_REQUESTED',
        summary: afterSalesSummary(
          `Pinduoduo after-sales ${String(b.refund_id)} created` +
            (b.refund_fee !== undefined ? `, refund_fee ${String(b.refund_fee)} fen` : ''),
        ),
      },
    };
  const status = statusNamed(PDD_EVENTS, b.type, 'type');
  if (!status) return { ignored: `type ${b.type}` };
  // Order fields as pdd.order.information.get names them: province, city, item_list[].goods_price in yuan.
  // Pinduoduo gives neither a buyer id nor an IP to the merchant.
  const sale = saleNotice({ province: b.province, city: b.city });
  return {
    channel: 'pinduoduo',
    orderId: str(b.order_sn, 'order_sn'),
    status,
    lines: list(b.item_list, 'item_list').map((o, i) => {
      const line = obj(o, `item_list[${i}]`);
      const unitPrice = observedYuan(line.goods_price);
      return {
        sku: str(line.outer_id, `item_list[${i}].outer_id`),
        quantity: positiveInt(line.goods_count, `item_list[${i}].goods_count`),
        ...(unitPrice === undefined ? {} : { unitPrice }),
      };
    }),
    expiresAt: optionalTime(b.pay_deadline, 'pay_deadline'),
    ...(sale === undefined ? {} : { sale }),
  };
}
