import {
  priceOutsideLimits,
  readJson,
  type SimAnswer,
  SimulatedPlatform,
  type SimRequest,
  type SimResponse,
} from './simulated-platform';

export const WECHAT_THROTTLED = { errcode: 300_000, errmsg: 'Frequence limit overflow' } as const;
/** A full update with stock_num 0. The platform documents that it needs stock_num > 0; the code is the simulator's. */
export const WECHAT_FULL_ZERO_REFUSED = {
  errcode: 9_401_020,
  errmsg: 'stock_num must be greater than 0 for a full update',
} as const;

/**
 * WeChat mini-shop (小商店 / 交易组件) product API, JSON with `?access_token=`; errors are HTTP 200 with errcode.
 *
 * - POST /product/stock/update {out_product_id, out_sku_id, type 1 full | 2 incremental, stock_num}: a full
 *   update refuses stock_num 0 (delist instead, or use an incremental update); one SKU per call.
 * - POST /product/delisting, /product/listing {out_product_id}: take a product off sale / put it back
 *   (listing needs stock > 0).
 * - POST /product/get_list {page, page_size}: products with their SKUs; status 5 on sale, 11 delisted.
 * Throttled by default at 800 calls per 30 s with errcode 300000 "Frequence limit overflow".
 */
export class MiniprogramSimulator extends SimulatedPlatform {
  readonly name = 'miniprogram';

  constructor(private readonly accessToken = 'wechat-access-token') {
    super();
    this.faults.rateLimit = { calls: 800, windowMs: 30_000 };
  }

  protected isStockApi(api: string): boolean {
    return api === 'product/stock/update' || api === 'product/delisting' || api === 'product/listing';
  }

  /** Each of our SKUs is its own product here (out_product_id = out_sku_id = SKU code). */
  protected override defaultItemId(sku: string): string {
    return sku;
  }

  protected throttledAnswer(): SimResponse {
    return { status: 200, json: { ...WECHAT_THROTTLED } };
  }

  protected async handle(request: SimRequest): Promise<SimAnswer> {
    const path = request.url.pathname;
    if (request.url.searchParams.get('access_token') !== this.accessToken) {
      return {
        status: 200,
        json: { errcode: 40_001, errmsg: 'invalid credential, access_token is invalid or not latest' },
      };
    }
    const body = readJson(request.body);
    switch (`${request.method} ${path}`) {
      case 'POST /product/stock/update':
        return this.stockUpdate(body);
      case 'POST /product/sku/update_price':
        return this.updatePrice(body);
      case 'POST /product/delisting':
        return this.setListed('product/delisting', body, false);
      case 'POST /product/listing':
        return this.setListed('product/listing', body, true);
      case 'POST /product/get_list':
        return this.getList(body);
      case 'POST /shop/delivery/send':
        return this.deliveryFault() ?? this.deliverySend(body);
      default:
        return { status: 404, json: { errcode: 404, errmsg: 'not found' } };
    }
  }

  private stockUpdate(body: Record<string, unknown>): SimAnswer {
    const api = 'product/stock/update';
    const listing = this.listings.get(String(body.out_sku_id ?? ''));
    const fault = this.fault(api, listing ? [listing.sku] : []);
    if (fault) return fault;
    if (!listing || listing.itemId !== body.out_product_id)
      return this.answer(api, [], { errcode: 9_401_006, errmsg: 'product not exist' });
    const type = Number(body.type ?? 1);
    const stock = Number(body.stock_num);
    if (!Number.isInteger(stock) || (type !== 1 && type !== 2))
      return this.answer(api, [listing.sku], { errcode: 47_001, errmsg: 'data format error' });
    if (type === 1 && stock <= 0) return this.answer(api, [listing.sku], { ...WECHAT_FULL_ZERO_REFUSED });
    const next = type === 1 ? stock : listing.quantity + stock;
    if (next < 0) return this.answer(api, [listing.sku], { errcode: 9_401_021, errmsg: 'stock not enough' });
    listing.quantity = next;
    return this.answer(api, [listing.sku], { errcode: 0, errmsg: 'ok' });
  }

  /** `/product/sku/update_price` {out_product_id, out_sku_id, sale_price, market_price}, both prices in fen. */
  private updatePrice(body: Record<string, unknown>): SimAnswer {
    const api = 'product/sku/update_price';
    const listing = this.listings.get(String(body.out_sku_id ?? ''));
    const fault = this.fault(api, listing ? [listing.sku] : []);
    if (fault) return fault;
    if (!listing || listing.itemId !== body.out_product_id)
      return this.answer(api, [], { errcode: 9_401_006, errmsg: 'sku not exist' });
    const sale = body.sale_price;
    const market = body.market_price;
    if (!Number.isSafeInteger(sale) || (sale as number) <= 0 || !Number.isSafeInteger(market))
      return this.answer(api, [listing.sku], { errcode: 9_401_020, errmsg: 'invalid parameter' });
    if (priceOutsideLimits(listing, sale as number))
      return this.answer(api, [listing.sku], { errcode: 9_401_025, errmsg: 'sku not allowed to edit' });
    listing.price = sale as number;
    return this.answer(api, [listing.sku], { errcode: 0, errmsg: 'ok' });
  }

  private setListed(api: string, body: Record<string, unknown>, listed: boolean): SimAnswer {
    const skus = this.catalogue().skusOfItem.get(String(body.out_product_id ?? '')) ?? [];
    const fault = this.fault(
      api,
      skus.map((l) => l.sku),
    );
    if (fault) return fault;
    if (skus.length === 0) return this.answer(api, [], { errcode: 9_401_006, errmsg: 'product not exist' });
    if (listed && skus.every((l) => l.quantity <= 0))
      return this.answer(api, [], { errcode: 9_401_022, errmsg: 'stock is 0, cannot list' });
    for (const l of skus) l.listed = listed;
    return this.answer(
      api,
      skus.map((l) => l.sku),
      { errcode: 0, errmsg: 'ok' },
    );
  }

  /**
   * 无需物流 delivery: no `delivery_list`; the buyer's delivery link rides in `delivery_note`. A delivery_list
   * with logistics is not what a card-key order sends, so it is refused here.
   */
  private deliverySend(body: Record<string, unknown>): SimAnswer {
    const orderId = typeof body.out_order_id === 'string' ? body.out_order_id : '';
    const link = typeof body.delivery_note === 'string' ? body.delivery_note : '';
    const result = orderId && body.delivery_list === undefined ? this.deliverLink(orderId, link) : undefined;
    if (!result) return { status: 200, json: { errcode: 47_001, errmsg: 'data format error' } };
    return { status: 200, json: { errcode: 0, errmsg: 'ok', ...result } };
  }

  private getList(body: Record<string, unknown>): SimAnswer {
    const { itemIds: products, skusOfItem } = this.catalogue();
    const pageSize = Math.min(100, Math.max(1, Number(body.page_size ?? 100)));
    const page = Math.max(1, Number(body.page ?? 1));
    this.record('product/get_list', [], 'ok');
    return {
      status: 200,
      json: {
        errcode: 0,
        errmsg: 'ok',
        total_num: products.length,
        spus: products.slice((page - 1) * pageSize, page * pageSize).map((id) => {
          const skus = skusOfItem.get(id)!;
          return {
            out_product_id: id,
            status: skus.some((s) => s.listed) ? 5 : 11,
            skus: skus.map((s) => ({ out_sku_id: s.sku, stock_num: s.quantity })),
          };
        }),
      },
    };
  }

  private answer(api: string, skus: string[], json: { errcode: number; errmsg: string }): SimResponse {
    this.record(api, skus, json.errcode === 0 ? 'ok' : String(json.errcode));
    return { status: 200, json };
  }
}
