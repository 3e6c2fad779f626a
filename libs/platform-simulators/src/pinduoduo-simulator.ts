import { createHash } from 'node:crypto';
import {
  priceOutsideLimits,
  readForm,
  type SimAnswer,
  SimulatedPlatform,
  type SimRequest,
  type SimResponse,
} from './simulated-platform';

/** PDD open platform signature: upper-case MD5 of secret + sorted key+value pairs + secret, `sign` excluded. */
export function pddSign(params: Record<string, string>, secret: string): string {
  const text = Object.keys(params)
    .filter((k) => k !== 'sign')
    .sort()
    .map((k) => `${k}${params[k]}`)
    .join('');
  return createHash('md5').update(`${secret}${text}${secret}`).digest('hex').toUpperCase();
}

/** 拼单价须低于单买价: a group price the platform refuses. The numeric code is this simulator's choice. */
export const PDD_PRICE_REFUSED = { code: 40_012, message: '拼单价需低于单买价' } as const;

/** 在资源位上的商品不能减少库存: the promotion-slot refusal. The numeric code is this simulator's choice. */
export const PDD_PROMOTION_SLOT_ERROR = {
  code: 70_031_001,
  message: '在资源位上的商品不能减少库存',
} as const;

/**
 * Pinduoduo open platform router: POST /api/router, form-encoded, `type` names the API, `client_id` + `sign`.
 *
 * - `pdd.goods.quantity.update`: goods_id + sku_id or outer_id, quantity, update_type 1 full (default) or 2
 *   incremental. One SKU per call. An item in a promotion slot (资源位) refuses any decrease.
 * - `pdd.goods.list.get`: page / page_size over goods with their SKUs (outer_id = our SKU code).
 * Errors are `error_response` with `error_code`, `error_msg`, `sub_msg`; throttling has its own code
 * (the numeric codes here are the simulator's, the real list is not public).
 */
export class PinduoduoSimulator extends SimulatedPlatform {
  readonly name = 'pinduoduo';

  /**
   * A new after-sales order as Pinduoduo's message service pushes it (pdd_refund_RefundCreated: the order number
   * as `tid`, the after-sales id as `refund_id`, the fee in fen), for sending with `sendNotification`.
   */
  static refundCreatedMessage(input: {
    orderSn: string;
    refundId: string;
    refundFee?: number;
  }): Record<string, unknown> {
    return {
      type: 'pdd_refund_RefundCreated',
      tid: input.orderSn,
      refund_id: input.refundId,
      refund_fee: input.refundFee,
    };
  }

  constructor(
    private readonly clientId = 'stocksync-test',
    private readonly clientSecret = 'pdd-client-secret',
  ) {
    super();
  }

  protected isStockApi(api: string): boolean {
    return api === 'pdd.goods.quantity.update';
  }

  protected throttledAnswer(retryAfterSeconds: number): SimResponse {
    return error(70_031, '调用过于频繁，请稍后再试', `retry after ${retryAfterSeconds} s`);
  }

  protected async handle(request: SimRequest): Promise<SimAnswer> {
    if (request.method !== 'POST' || request.url.pathname !== '/api/router')
      return { status: 404, json: { error: 'not found' } };
    const params = readForm(request.body);
    if (params.client_id !== this.clientId || params.sign !== pddSign(params, this.clientSecret)) {
      return error(10_019, '签名错误', 'invalid client_id or sign');
    }
    switch (params.type) {
      case 'pdd.goods.quantity.update':
        return this.quantityUpdate(params);
      case 'pdd.goods.sku.price.update':
        return this.skuPriceUpdate(params);
      case 'pdd.goods.list.get':
        return this.listGet(params);
      case 'pdd.logistics.online.send':
        return this.deliveryFault() ?? this.onlineSend(params);
      default:
        return error(10_001, '接口不存在', params.type);
    }
  }

  /** Shipped with the no-logistics company; the buyer's delivery link rides in `delivery_note`. */
  private onlineSend(p: Record<string, string>): SimAnswer {
    const result =
      p.order_sn && p.logistics_id !== undefined && p.tracking_number
        ? this.deliverLink(p.order_sn, p.delivery_note ?? '')
        : undefined;
    if (!result)
      return error(10_002, '参数错误', 'order_sn, logistics_id, tracking_number and a delivery link');
    return { status: 200, json: { logistics_online_send_response: { is_success: true }, ...result } };
  }

  /**
   * `pdd.goods.sku.price.update`: goods_id and sku_price_list, a JSON array of {sku_id, group_price?,
   * single_price?} in fen. All of the list or none: one SKU outside its limits refuses the call.
   */
  private skuPriceUpdate(p: Record<string, string>): SimAnswer {
    const api = 'pdd.goods.sku.price.update';
    let list: { sku_id?: unknown; group_price?: unknown; single_price?: unknown }[];
    try {
      list = JSON.parse(p.sku_price_list ?? '');
    } catch {
      return this.refuse(api, [], error(10_000, '参数错误', 'sku_price_list'));
    }
    if (!Array.isArray(list) || list.length === 0)
      return this.refuse(api, [], error(10_000, '参数错误', 'sku_price_list'));
    const listings = list.map((e) => this.findListing(p.goods_id ?? '', { skuId: String(e.sku_id) }));
    const fault = this.fault(
      api,
      listings.flatMap((l) => (l ? [l.sku] : [])),
    );
    if (fault) return fault;
    if (listings.some((l) => !l))
      return this.refuse(api, [], error(50_001, '商品不存在', 'goods or sku not found'));
    const skus = listings.map((l) => l!.sku);
    const prices = list.map((e) => e.group_price);
    if (prices.some((fen) => !Number.isSafeInteger(fen) || (fen as number) <= 0))
      return this.refuse(api, skus, error(10_000, '参数错误', 'group_price'));
    const outside = listings.map((l, i) => priceOutsideLimits(l!, prices[i] as number)).find(Boolean);
    if (outside)
      return this.refuse(
        api,
        skus,
        error(PDD_PRICE_REFUSED.code, '业务服务错误', `${PDD_PRICE_REFUSED.message}（${outside}）`),
      );
    listings.forEach((l, i) => (l!.price = prices[i] as number));
    this.record(api, skus, 'ok');
    return { status: 200, json: { goods_sku_price_update_response: { is_success: true } } };
  }

  private quantityUpdate(p: Record<string, string>): SimAnswer {
    const api = 'pdd.goods.quantity.update';
    const listing = this.findListing(
      p.goods_id ?? '',
      p.sku_id !== undefined ? { skuId: p.sku_id } : { outerId: p.outer_id },
    );
    const fault = this.fault(api, listing ? [listing.sku] : []);
    if (fault) return fault;
    if (!listing) return this.refuse(api, [], error(50_001, '商品不存在', 'goods or sku not found'));
    const updateType = p.update_type ?? '1';
    const quantity = Number(p.quantity);
    if (
      !Number.isInteger(quantity) ||
      (updateType === '1' && quantity < 0) ||
      !['1', '2'].includes(updateType)
    ) {
      return this.refuse(api, [listing.sku], error(10_000, '参数错误', 'quantity'));
    }
    const next = updateType === '1' ? quantity : listing.quantity + quantity;
    if (next < 0)
      return this.refuse(api, [listing.sku], error(50_002, '库存不足', 'quantity would be negative'));
    if (listing.promotionSlot && next < listing.quantity) {
      return this.refuse(
        api,
        [listing.sku],
        error(PDD_PROMOTION_SLOT_ERROR.code, '业务服务错误', PDD_PROMOTION_SLOT_ERROR.message),
      );
    }
    listing.quantity = next;
    this.record(api, [listing.sku], 'ok');
    return { status: 200, json: { goods_quantity_update_response: { is_success: true } } };
  }

  private listGet(p: Record<string, string>): SimAnswer {
    const { itemIds: ids, skusOfItem: goods } = this.catalogue();
    const pageSize = Math.min(100, Math.max(1, Number(p.page_size ?? 100)));
    const page = Math.max(1, Number(p.page ?? 1));
    this.record('pdd.goods.list.get', [], 'ok');
    return {
      status: 200,
      json: {
        goods_list_get_response: {
          total_count: ids.length,
          goods_list: ids.slice((page - 1) * pageSize, page * pageSize).map((id) => {
            const skus = goods.get(id)!;
            return {
              goods_id: id,
              is_onsale: skus.some((s) => s.listed) ? 1 : 0,
              goods_quantity: skus.reduce((n, s) => n + s.quantity, 0),
              sku_list: skus.map((s) => ({
                sku_id: s.skuId,
                outer_id: s.sku,
                sku_quantity: s.quantity,
                is_sku_onsale: s.listed ? 1 : 0,
              })),
            };
          }),
        },
      },
    };
  }

  private refuse(api: string, skus: string[], answer: SimResponse): SimResponse {
    this.record(
      api,
      skus,
      String((answer.json as { error_response: { error_code: number } }).error_response.error_code),
    );
    return answer;
  }
}

function error(errorCode: number, errorMsg: string, subMsg: string): SimResponse {
  return {
    status: 200,
    json: {
      error_response: {
        error_code: errorCode,
        error_msg: errorMsg,
        sub_msg: subMsg,
        request_id: Math.random().toString(36).slice(2),
      },
    },
  };
}
