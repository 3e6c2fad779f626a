import { createHmac } from 'node:crypto';
import {
  priceOutsideLimits,
  readForm,
  type SimAnswer,
  SimulatedPlatform,
  type SimRequest,
  type SimResponse,
} from './simulated-platform';

export const TAOBAO_MAX_SKUS_PER_CALL = 20;

/** TOP `sign_method=hmac-sha256`: upper-case hex HMAC of the sorted key+value pairs, `sign` excluded. */
export function topSign(params: Record<string, string>, secret: string): string {
  const text = Object.keys(params)
    .filter((k) => k !== 'sign')
    .sort()
    .map((k) => `${k}${params[k]}`)
    .join('');
  return createHmac('sha256', secret).update(text).digest('hex').toUpperCase();
}

/**
 * Taobao Open Platform (TOP) router: POST /router/rest, form-encoded, `method` names the API.
 *
 * - `taobao.item.quantity.update`: num_iid + sku_id or outer_id (sku_id wins), quantity, type 1 full (default)
 *   or 2 incremental; a full quantity must be ≥ 0; an incremental change may not take the SKU below 0.
 * - `taobao.skus.quantity.update`: num_iid + skuid_quantities or outerid_quantities ("id:qty;…"), at most 20
 *   SKUs; an incremental decrement larger than the stock silently sets the SKU to 0.
 * - `taobao.items.onsale.get`: page_no / page_size over items, with their SKUs (outer_id = our SKU code).
 *   (The real API returns SKUs through `taobao.item.seller.get`; folded into one call here.)
 * Errors are HTTP 200 with `error_response`; throttling is code 7 "App Call Limited".
 */
export class TaobaoSimulator extends SimulatedPlatform {
  readonly name = 'taobao';

  /**
   * A buyer's refund request as Taobao's message service pushes it (taobao_refund_RefundCreated: the order `tid`,
   * the `refund_id`; no reason in the message), for sending to the connector's webhook with `sendNotification`.
   */
  static refundCreatedMessage(input: {
    tid: string;
    refundId: string;
    refundFee?: string;
  }): Record<string, unknown> {
    return {
      topic: 'taobao_refund_RefundCreated',
      content: {
        tid: input.tid,
        refund_id: input.refundId,
        refund_fee: input.refundFee,
        refund_phase: 'aftersale',
      },
    };
  }

  constructor(
    private readonly appKey = 'stocksync-test',
    private readonly appSecret = 'taobao-app-secret',
    private readonly skusPerItem = 10,
  ) {
    super();
  }

  protected isStockApi(api: string): boolean {
    return api === 'taobao.item.quantity.update' || api === 'taobao.skus.quantity.update';
  }

  protected override defaultItemId(): string {
    return String(600000 + Math.floor(this.listings.size / this.skusPerItem));
  }

  protected throttledAnswer(retryAfterSeconds: number): SimResponse {
    return error(
      7,
      'App Call Limited',
      'accesscontrol.limited-by-app-access-count',
      `This ban will last for ${retryAfterSeconds} more seconds`,
    );
  }

  protected async handle(request: SimRequest): Promise<SimAnswer> {
    if (request.method !== 'POST' || request.url.pathname !== '/router/rest')
      return { status: 404, json: { error: 'not found' } };
    const params = readForm(request.body);
    if (params.app_key !== this.appKey) return error(29, 'Invalid app Key', 'isv.appkey-not-exists');
    if (params.sign !== topSign(params, this.appSecret)) return error(25, 'Invalid signature');
    switch (params.method) {
      case 'taobao.item.quantity.update':
        return this.itemQuantityUpdate(params);
      case 'taobao.skus.quantity.update':
        return this.skusQuantityUpdate(params);
      case 'taobao.item.sku.price.update':
        return this.skuPriceUpdate(params);
      case 'taobao.items.onsale.get':
        return this.onsaleGet(params);
      case 'taobao.logistics.dummy.send':
        return this.deliveryFault() ?? this.dummySend(params);
      default:
        return error(22, 'Invalid method', 'isv.invalid-method');
    }
  }

  private itemQuantityUpdate(p: Record<string, string>): SimAnswer {
    const api = 'taobao.item.quantity.update';
    const listing = this.find(p.num_iid, p.sku_id, p.outer_id);
    const fault = this.fault(api, listing ? [listing.sku] : []);
    if (fault) return fault;
    if (!listing)
      return this.recorded(
        api,
        [],
        error(15, 'Remote service error', 'isv.item-not-exist', 'item or sku not found'),
      );
    const type = p.type ?? '1';
    const quantity = Number(p.quantity);
    if (!Number.isInteger(quantity) || (type === '1' && quantity < 0) || (type !== '1' && type !== '2')) {
      return this.recorded(
        api,
        [listing.sku],
        error(41, 'Invalid arguments:quantity', 'isv.invalid-parameter'),
      );
    }
    if (type === '2' && listing.quantity + quantity < 0) {
      return this.recorded(
        api,
        [listing.sku],
        error(15, 'Remote service error', 'isv.item-quantity-not-enough'),
      );
    }
    listing.quantity = type === '1' ? quantity : listing.quantity + quantity;
    this.record(api, [listing.sku], 'ok');
    return ok('item_quantity_update_response', {
      item: { num_iid: listing.itemId, num: listing.quantity, modified: new Date().toISOString() },
    });
  }

  /** `taobao.item.sku.price.update`: one SKU (num_iid + outer_id or sku_id), price in yuan with two decimals. */
  private skuPriceUpdate(p: Record<string, string>): SimAnswer {
    const api = 'taobao.item.sku.price.update';
    const listing = this.find(p.num_iid, p.sku_id, p.outer_id);
    const fault = this.fault(api, listing ? [listing.sku] : []);
    if (fault) return fault;
    if (!listing) return this.recorded(api, [], error(15, 'Remote service error', 'isv.sku-not-exist'));
    const yuan = /^(\d{1,8})(?:\.(\d{1,2}))?$/.exec(p.price ?? '');
    const fen = yuan ? Number(yuan[1]) * 100 + Number((yuan[2] ?? '0').padEnd(2, '0')) : NaN;
    if (!(fen > 0))
      return this.recorded(api, [listing.sku], error(41, 'Invalid arguments:price', 'isv.invalid-parameter'));
    const outside = priceOutsideLimits(listing, fen);
    if (outside)
      return this.recorded(
        api,
        [listing.sku],
        error(
          15,
          'Remote service error',
          'isv.item-sku-price-invalid',
          `sku price out of the item's range (${outside})`,
        ),
      );
    listing.price = fen;
    this.record(api, [listing.sku], 'ok');
    return ok('item_sku_price_update_response', {
      sku: { num_iid: listing.itemId, modified: new Date().toISOString() },
    });
  }

  private skusQuantityUpdate(p: Record<string, string>): SimAnswer {
    const api = 'taobao.skus.quantity.update';
    const byOuter = p.outerid_quantities !== undefined;
    const pairs = (p.skuid_quantities ?? p.outerid_quantities ?? '')
      .split(';')
      .filter(Boolean)
      .map((pair) => pair.split(':'));
    const listings = pairs.map(([id]) =>
      this.find(p.num_iid, byOuter ? undefined : id, byOuter ? id : undefined),
    );
    const fault = this.fault(
      api,
      listings.flatMap((l) => (l ? [l.sku] : [])),
    );
    if (fault) return fault;
    if (pairs.length === 0 || pairs.length > TAOBAO_MAX_SKUS_PER_CALL) {
      return this.recorded(
        api,
        [],
        error(
          41,
          'Invalid arguments:skuid_quantities',
          'isv.invalid-parameter',
          `1 to ${TAOBAO_MAX_SKUS_PER_CALL} SKUs per call`,
        ),
      );
    }
    if (listings.some((l) => !l))
      return this.recorded(api, [], error(15, 'Remote service error', 'isv.sku-not-exist'));
    const type = p.type ?? '1';
    const values = pairs.map(([, q]) => Number(q));
    if (values.some((q) => !Number.isInteger(q) || (type === '1' && q < 0))) {
      return this.recorded(api, [], error(41, 'Invalid arguments:quantity', 'isv.invalid-parameter'));
    }
    listings.forEach((l, i) => {
      // Incremental: an over-large decrement clamps to 0 without any error (the platform's documented behaviour).
      l!.quantity = type === '1' ? values[i] : Math.max(0, l!.quantity + values[i]);
    });
    this.record(
      api,
      listings.map((l) => l!.sku),
      'ok',
    );
    return ok('skus_quantity_update_response', {
      item: {
        num_iid: p.num_iid,
        modified: new Date().toISOString(),
        skus: { sku: listings.map((l) => ({ sku_id: l!.skuId, quantity: l!.quantity })) },
      },
    });
  }

  private onsaleGet(p: Record<string, string>): SimAnswer {
    const { itemIds: ids, skusOfItem: items } = this.catalogue();
    const pageSize = Math.min(200, Math.max(1, Number(p.page_size ?? 40)));
    const pageNo = Math.max(1, Number(p.page_no ?? 1));
    const page = ids.slice((pageNo - 1) * pageSize, pageNo * pageSize);
    this.record('taobao.items.onsale.get', [], 'ok');
    return ok('items_onsale_get_response', {
      total_results: ids.length,
      items: {
        item: page.map((id) => {
          const skus = items.get(id)!;
          return {
            num_iid: id,
            approve_status: skus.some((s) => s.listed) ? 'onsale' : 'instock',
            num: skus.reduce((n, s) => n + s.quantity, 0),
            skus: { sku: skus.map((s) => ({ sku_id: s.skuId, outer_id: s.sku, quantity: s.quantity })) },
          };
        }),
      },
    });
  }

  /** 无需物流发货: the trade is shipped; the buyer's delivery link rides in `delivery_note`. */
  private dummySend(p: Record<string, string>): SimResponse {
    const result = p.tid ? this.deliverLink(p.tid, p.delivery_note ?? '') : undefined;
    if (!result)
      return error(40, 'Missing required arguments', 'isv.invalid-parameter', 'tid and a delivery link');
    return {
      status: 200,
      json: { logistics_dummy_send_response: { shipping: { is_success: true } }, ...result },
    };
  }

  private find(numIid: string | undefined, skuId: string | undefined, outerId: string | undefined) {
    return this.findListing(numIid, skuId !== undefined ? { skuId } : { outerId });
  }

  private recorded(api: string, skus: string[], answer: SimResponse): SimResponse {
    const body = (answer.json as { error_response: { sub_code?: string; code: number } }).error_response;
    this.record(api, skus, body.sub_code ?? String(body.code));
    return answer;
  }
}

function ok(root: string, value: unknown): SimResponse {
  return { status: 200, json: { [root]: value } };
}

function error(code: number, msg: string, subCode?: string, subMsg?: string): SimResponse {
  return {
    status: 200,
    json: {
      error_response: {
        code,
        msg,
        sub_code: subCode,
        sub_msg: subMsg,
        request_id: Math.random().toString(36).slice(2),
      },
    },
  };
}
