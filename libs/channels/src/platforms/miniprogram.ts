import type { IgnoredNotice, OrderNotice, OrderStatus } from '../inbound/order-notice';
import { NoticeFormatError } from '../inbound/order-notice';
import { httpCall, parseJson } from '../outbound/http-call';
import type { CardKeyToDeliver, PlatformAdapter } from '../outbound/platform-adapter';
import { PlatformCallError } from '../outbound/platform-errors';
import { PlatformPrices, priceAnswerOf } from '../outbound/platform-prices';
import type { ListingPage, PriceResult, PushItemResult, StockTarget } from '../outbound/stock-target';
import {
  list,
  obj,
  observedFen,
  optionalTime,
  positiveInt,
  saleNotice,
  statusNamed,
  str,
} from './notice-fields';
import { type DeliveryLinks, linkForCards } from './delivery-link';

export interface MiniprogramAdapterOptions {
  baseUrl: string;
  accessToken: string;
  timeoutMs: number;
  /** The buyer's delivery links; without them card-key orders are refused (no channel for the secret). */
  deliveryLinks?: DeliveryLinks;
}

interface WechatAnswer {
  errcode: number;
  errmsg: string;
}

const FREQUENCE_LIMIT = 300_000;
/** WeChat's window is about 800 calls per 30 s: wait for a good part of it before trying again. */
const THROTTLE_PAUSE_MS = 5_000;

/**
 * WeChat mini-shop stock. A full update cannot set 0, so a target of 0 delists the product instead (and a later
 * positive target writes the stock first, then lists it again). Never an incremental update: it would need the
 * current value, and reading it first races the buyers. One SKU per call; errcode 300000 is throttling.
 */
export class MiniprogramAdapter implements PlatformAdapter {
  readonly channel = 'miniprogram';
  readonly maxBatchSize = 1;
  /** Products this process knows to be on sale; unknown ones are listed again after a positive update. */
  private readonly onSale = new Set<string>();
  private readonly prices = new PlatformPrices();

  constructor(private readonly options: MiniprogramAdapterOptions) {}

  async push(
    targets: readonly StockTarget[],
    spendExtraCall?: () => Promise<void>,
  ): Promise<PushItemResult[]> {
    const results: PushItemResult[] = [];
    for (const t of targets) {
      const product = t.sku;
      if (t.quantity === 0) {
        const answer = await this.call('/product/delisting', { out_product_id: product });
        if (answer.errcode !== 0) throw wechatFailure(answer);
        this.onSale.delete(product);
      } else {
        const answer = await this.call('/product/stock/update', {
          out_product_id: product,
          out_sku_id: t.sku,
          type: 1,
          stock_num: t.quantity,
        });
        if (answer.errcode !== 0) throw wechatFailure(answer);
        if (!this.onSale.has(product)) {
          // Listing again is a second call against the same ~800 per 30 s budget.
          await spendExtraCall?.();
          const listed = await this.call('/product/listing', { out_product_id: product });
          if (listed.errcode !== 0) throw wechatFailure(listed);
          this.onSale.add(product);
        }
      }
      // A delisted product (target 0) keeps its price for when it is listed again.
      const price = t.quantity === 0 ? undefined : await this.pushPrice(t, spendExtraCall);
      results.push({ sku: t.sku, outcome: 'acknowledged', ...(price ? { price } : {}) });
    }
    return results;
  }

  /**
   * `/product/sku/update_price` when the target carries a price WeChat has not answered. WeChat requires a market
   * (list) price with the sale price; StockSync keeps none, so the sale price is sent as both (no crossed-out price).
   */
  private pushPrice(target: StockTarget, spendExtraCall?: () => Promise<void>) {
    return this.prices.send(target, spendExtraCall, async (fen): Promise<PriceResult> => {
      const answer = await this.call('/product/sku/update_price', {
        out_product_id: target.sku,
        out_sku_id: target.sku,
        sale_price: fen,
        market_price: fen,
      });
      return answer.errcode === 0 ? { outcome: 'acknowledged' } : priceAnswerOf(wechatFailure(answer));
    });
  }

  async readListings(cursor: string | undefined, pageSize: number): Promise<ListingPage> {
    const page = Number(cursor ?? '1');
    const answer = (await this.call('/product/get_list', { page, page_size: pageSize })) as WechatAnswer & {
      total_num: number;
      spus: { out_product_id: string; status: number; skus: { out_sku_id: string; stock_num: number }[] }[];
    };
    if (answer.errcode !== 0) throw wechatFailure(answer);
    const items = answer.spus.flatMap((spu) => {
      if (spu.status === 5) this.onSale.add(spu.out_product_id);
      else this.onSale.delete(spu.out_product_id);
      // A delisted product sells nothing, whatever stock it still carries.
      return spu.skus.map((s) => ({
        sku: s.out_sku_id,
        quantity: spu.status === 5 ? s.stock_num : 0,
        listed: spu.status === 5,
      }));
    });
    return { items, nextCursor: page * pageSize < answer.total_num ? String(page + 1) : undefined };
  }

  /**
   * Marks the order delivered through `/shop/delivery/send` with no `delivery_list` (无需物流: no logistics
   * information) and the buyer's signed delivery link in `delivery_note`; authenticated by the access token like
   * the stock calls. The secret never leaves.
   */
  async deliverCardKeys(
    channelOrderId: string,
    sku: string,
    cards: readonly CardKeyToDeliver[],
  ): Promise<void> {
    const link = linkForCards(this.options.deliveryLinks, this.channel, channelOrderId, sku, cards);
    const answer = await this.call('/shop/delivery/send', {
      out_order_id: channelOrderId,
      finish_all_delivery: 1,
      delivery_note: link,
    });
    if (answer.errcode !== 0) throw wechatFailure(answer);
  }

  private async call(path: string, body: Record<string, unknown>): Promise<WechatAnswer> {
    const r = await httpCall(
      `${this.options.baseUrl}${path}?access_token=${encodeURIComponent(this.options.accessToken)}`,
      {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        timeoutMs: this.options.timeoutMs,
      },
    );
    return parseJson(r.text, path) as WechatAnswer;
  }
}

function wechatFailure(answer: WechatAnswer): PlatformCallError {
  if (answer.errcode === FREQUENCE_LIMIT)
    return new PlatformCallError('WECHAT.300000', answer.errmsg, true, THROTTLE_PAUSE_MS);
  // -1 is WeChat's "system busy".
  return new PlatformCallError(`WECHAT.${answer.errcode}`, answer.errmsg, answer.errcode === -1);
}

const WECHAT_EVENTS = new Map<string, OrderStatus>([
  ['open_product_order_new', 'placed'],
  ['open_product_order_pay', 'paid'],
  ['open_product_order_cancel', 'cancelled'],
]);

/** `{Event: open_product_order_*, order_info: {order_id, product_infos: [{out_sku_id, sku_cnt}], pay_deadline?}}` */
export function parseMiniprogramNotice(body: unknown): OrderNotice | IgnoredNotice {
  const b = obj(body, 'body');
  if (typeof b.Event !== 'string') throw new NoticeFormatError('Event must be an event name');
  const status = statusNamed(WECHAT_EVENTS, b.Event, 'Event');
  if (!status) return { ignored: `event ${b.Event}` };
  const info = obj(b.order_info, 'order_info');
  // The order's openid (the buyer's id for this mini-program), address_info's province_name/city_name, and
  // product_infos[].sale_price in fen. WeChat gives no buyer IP to the merchant.
  const address =
    typeof info.address_info === 'object' && info.address_info !== null
      ? (info.address_info as Record<string, unknown>)
      : {};
  const sale = saleNotice({
    province: address.province_name,
    city: address.city_name,
    buyerRef: info.openid,
  });
  return {
    channel: 'miniprogram',
    orderId: str(info.order_id, 'order_info.order_id'),
    status,
    lines: list(info.product_infos, 'order_info.product_infos').map((o, i) => {
      const line = obj(o, `order_info.product_infos[${i}]`);
      const unitPrice = observedFen(line.sale_price);
      return {
        sku: str(line.out_sku_id, `order_info.product_infos[${i}].out_sku_id`),
        quantity: positiveInt(line.sku_cnt, `order_info.product_infos[${i}].sku_cnt`),
        ...(unitPrice === undefined ? {} : { unitPrice }),
      };
    }),
    expiresAt: optionalTime(info.pay_deadline, 'order_info.pay_deadline'),
    ...(sale === undefined ? {} : { sale }),
  };
}
