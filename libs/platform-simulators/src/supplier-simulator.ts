import { createHash } from 'node:crypto';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyRequest } from '@libs/channels';
import {
  APP_ID_HEADER,
  MAX_CATALOGUE_PAGE_SIZE,
  parsePlaceOrderRequest,
  type PlaceOrderRequest,
  type ProductKind,
  type ProductStatus,
  type StockNotice,
  SUPPLIER_ERROR_STATUS,
  SupplierFormatError,
  type SupplierErrorCode,
  type TopUpReceipt,
  type TopUpTarget,
  type WireOrder,
} from '@libs/suppliers';
import {
  type SendOptions,
  type SendResult,
  sendNotification,
  type WebhookTarget,
} from './notification-sender';
import {
  readJson,
  type SimAnswer,
  SimulatedPlatform,
  type SimRequest,
  type SimResponse,
} from './simulated-platform';

/** A product as a test seeds it. */
export interface SupplierProductSeed {
  productId: string;
  name?: string;
  kind: ProductKind;
  /** Fen. */
  faceValue: number;
  /** Fen: what an order pays per unit. */
  supplyPrice: number;
  status?: ProductStatus;
  /** Card-key product: the secrets on hand; its stock is how many remain. */
  secrets?: string[];
  /** Top-up product: a finite stock (default null, unlimited). */
  stock?: number | null;
  /** `async`: orders are answered `pending`, fulfilled after `callbackDelayMs`, then the callback is posted. */
  mode?: 'sync' | 'async';
  /** Async products: how long after the order it is fulfilled (default 50 ms). */
  callbackDelayMs?: number;
  /** Top-up product: accounts the carrier refuses (`SUPPLIER.TOP_UP_ACCOUNT_INVALID`). */
  invalidAccounts?: string[];
}

/** A product as the simulator holds it. */
export interface SimSupplierProduct {
  productId: string;
  name: string;
  kind: ProductKind;
  faceValue: number;
  supplyPrice: number;
  status: ProductStatus;
  secrets: string[];
  /** Top-up stock (null: unlimited); a card-key product's stock is `secrets.length`. */
  topUpStock: number | null;
  mode: 'sync' | 'async';
  callbackDelayMs: number;
  invalidAccounts: Set<string>;
}

/** An order as the simulator holds it (the secrets it handed over included: tests compare them). */
export interface SimSupplierOrder {
  orderId: string;
  supplierOrderId: string;
  productId: string;
  quantity: number;
  unitPrice: number;
  status: 'fulfilled' | 'pending' | 'refused';
  /** Card keys taken from stock for this order (handed over once fulfilled). */
  secrets: string[];
  receipt?: TopUpReceipt;
  reason?: SupplierErrorCode;
  topUp?: TopUpTarget;
  callbackUrl?: string;
  createdAt: number;
}

/** A broken or hostile answer the simulator can give instead of the real one (the order is still created). */
export type HostileAnswer =
  | 'negative-stock'
  | 'float-price'
  | 'string-price'
  | 'duplicate-cards'
  | 'wrong-order-id'
  | 'oversized'
  | 'not-an-object';

export interface SupplierFaults {
  /**
   * The next N orders are created (stock taken, keys allocated) and then their answer is held `holdMs` — longer
   * than the client waits: the client sees a timeout while the order exists. The nasty case.
   */
  orderTimeouts: number;
  holdMs: number;
  /** Every new order refused with this code before anything is created (null: off). A known orderId still answers. */
  refuseOrdersWith: SupplierErrorCode | null;
  /** Added to every async product's fulfilment delay (slow callbacks). */
  callbackDelayMs: number;
  /** The next N callbacks are never sent (lost); the order is still fulfilled. */
  lostCallbacks: number;
  /** The next N answers of the contract's routes are replaced by `hostileKind` (after the order was created). */
  hostileAnswers: number;
  hostileKind: HostileAnswer;
  /** Bytes of padding an `oversized` answer carries. */
  oversizedBytes: number;
}

/** One callback the simulator posted (or lost). */
export interface SupplierCallbackRecord {
  at: number;
  orderId: string;
  status: SimSupplierOrder['status'];
  /** The receiver's HTTP status; undefined when it was lost by a fault or the post failed. */
  httpStatus?: number;
  result: 'sent' | 'lost' | 'failed';
}

/** One notice post the simulator made. */
export interface SupplierNoticeRecord {
  at: number;
  notices: StockNotice[];
  httpStatus?: number;
  result: 'sent' | 'failed';
}

/**
 * An upstream supplier (货源 / 主站) serving the supplier contract v1 (libs/suppliers/openapi.yaml) on loopback:
 *
 * - `GET /v1/catalogue?cursor=&limit=` — products by id, ≤ 500 per page.
 * - `POST /v1/orders` — idempotent by orderId (a known id answers its order, whatever the stock or price now;
 *   another product or quantity under it is 409 ORDER_CONFLICT); card keys come off the product's list; top-ups
 *   are unlimited unless seeded with a stock; an `async` product answers `pending` and posts the signed final order
 *   to the callbackUrl later.
 * - `GET /v1/orders/{orderId}` — the order, or 404 ORDER_UNKNOWN.
 *
 * Requests are verified like the contract says (app id header, signature, ±60 s). Stock and price changes made by
 * the test (`changeProduct`) are posted as signed notices to the notice target. Faults: the shared ones
 * (`faults`: hangs, 503s, 429 with Retry-After, rate limit, latency) apply before anything is created; the
 * supplier's own (`supplierFaults`) are listed on SupplierFaults.
 */
export class SupplierSimulator extends SimulatedPlatform {
  readonly name = 'supplier';
  readonly products = new Map<string, SimSupplierProduct>();
  readonly orders = new Map<string, SimSupplierOrder>();
  /** POST /v1/orders requests received per orderId (signed and readable), repeats included. */
  readonly orderRequests = new Map<string, number>();
  readonly callbacks: SupplierCallbackRecord[] = [];
  readonly notices: SupplierNoticeRecord[] = [];
  readonly supplierFaults: SupplierFaults = defaultSupplierFaults();
  private noticeTarget?: WebhookTarget;
  private sequence = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly waiting = new Set<() => void>();

  readonly appId: string;
  private readonly secret: string;

  constructor(options: { appId?: string; secret?: string } = {}) {
    super();
    this.appId = options.appId ?? 'stocksync';
    this.secret = options.secret ?? 'supplier-secret-0123456789';
  }

  override async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const release of this.waiting) release();
    this.waiting.clear();
    await super.stop();
  }

  /** Adds or replaces products. */
  seed(products: readonly SupplierProductSeed[]): void {
    for (const p of products) {
      this.products.set(p.productId, {
        productId: p.productId,
        name: p.name ?? p.productId,
        kind: p.kind,
        faceValue: p.faceValue,
        supplyPrice: p.supplyPrice,
        status: p.status ?? 'on_sale',
        secrets: [...(p.secrets ?? [])],
        topUpStock: p.kind === 'topUp' ? (p.stock ?? null) : null,
        mode: p.mode ?? 'sync',
        callbackDelayMs: p.callbackDelayMs ?? 50,
        invalidAccounts: new Set(p.invalidAccounts ?? []),
      });
    }
  }

  /** The stock the catalogue reports: card keys on hand, or the top-up stock (null: unlimited). */
  stockOf(productId: string): number | null {
    const p = this.products.get(productId);
    if (!p) throw new Error(`no product ${productId}`);
    return p.kind === 'cardKey' ? p.secrets.length : p.topUpStock;
  }

  /** Where stock/price notices go (the connector's notice URL); signed with the supplier's secret by default. */
  setNoticeTarget(target: { url: string; path: string; secret?: string } | undefined): void {
    this.noticeTarget = target && {
      url: target.url,
      path: target.path,
      secret: target.secret ?? this.secret,
    };
  }

  /**
   * Changes a product (stock of a top-up, keys added to or removed from a card-key product, price, status) and,
   * when a notice target is set and `notify` holds, posts the signed notice; returns the receiver's answer.
   */
  async changeProduct(
    productId: string,
    change: {
      stock?: number | null;
      addSecrets?: string[];
      removeSecrets?: number;
      supplyPrice?: number;
      status?: ProductStatus;
    },
    notify = true,
  ): Promise<SendResult | undefined> {
    const p = this.products.get(productId);
    if (!p) throw new Error(`no product ${productId}`);
    if (change.addSecrets) p.secrets.push(...change.addSecrets);
    if (change.removeSecrets) p.secrets.splice(0, change.removeSecrets);
    if (change.stock !== undefined && p.kind === 'topUp') p.topUpStock = change.stock;
    if (change.supplyPrice !== undefined) p.supplyPrice = change.supplyPrice;
    if (change.status !== undefined) p.status = change.status;
    if (!notify || !this.noticeTarget) return undefined;
    return this.sendNotices([productId]);
  }

  /** The notice a product's current state makes (a fresh noticeId each time). */
  noticeFor(productId: string): StockNotice {
    const p = this.products.get(productId);
    if (!p) throw new Error(`no product ${productId}`);
    this.sequence += 1;
    return {
      noticeId: `N-${this.sequence}`,
      productId,
      stock: this.stockOf(productId),
      supplyPrice: p.supplyPrice,
      status: p.status,
      at: new Date().toISOString(),
    };
  }

  /**
   * Posts one signed notice batch for these products to the notice target; `options` forge it (another secret),
   * skew its clock or leave it unsigned, for tests of the receiving side.
   */
  async sendNotices(productIds: readonly string[], options: SendOptions = {}): Promise<SendResult> {
    if (!this.noticeTarget) throw new Error('no notice target: setNoticeTarget first');
    const notices = productIds.map((id) => this.noticeFor(id));
    try {
      const result = await sendNotification(this.noticeTarget, { notices }, options);
      this.notices.push({ at: Date.now(), notices, httpStatus: result.status, result: 'sent' });
      return result;
    } catch (err) {
      this.notices.push({ at: Date.now(), notices, result: 'failed' });
      throw err;
    }
  }

  /** How many POST /v1/orders requests named this orderId. */
  ordersReceived(orderId: string): number {
    return this.orderRequests.get(orderId) ?? 0;
  }

  /** Orders created (under this orderId: 0 or 1, whatever was received). */
  ordersCreated(orderId?: string): number {
    return orderId === undefined ? this.orders.size : this.orders.has(orderId) ? 1 : 0;
  }

  /** Posts an order's callback again (as a supplier retrying a callback the receiver did not acknowledge). */
  async resendCallback(orderId: string): Promise<SupplierCallbackRecord> {
    const order = this.orders.get(orderId);
    if (!order?.callbackUrl) throw new Error(`order ${orderId} has no callback`);
    return this.postCallback(order);
  }

  protected isStockApi(api: string): boolean {
    return api === 'POST /v1/orders';
  }

  protected throttledAnswer(retryAfterSeconds: number): SimResponse {
    return {
      status: 429,
      headers: { 'retry-after': String(retryAfterSeconds) },
      json: { code: 'SUPPLIER.RATE_LIMITED', message: 'slow down' },
    };
  }

  protected async handle(request: SimRequest): Promise<SimAnswer> {
    const { pathname } = request.url;
    const appId = header(request.headers[APP_ID_HEADER]);
    const check = verifyRequest([this.secret], {
      method: request.method,
      path: pathname + request.url.search,
      body: request.body,
      timestampHeader: header(request.headers[TIMESTAMP_HEADER]),
      signatureHeader: header(request.headers[SIGNATURE_HEADER]),
    });
    if (appId !== this.appId || !check.ok)
      return error(
        'SUPPLIER.BAD_SIGNATURE',
        appId !== this.appId ? 'unknown app id' : check.ok ? '' : check.code,
      );
    if (request.method === 'GET' && pathname === '/v1/catalogue')
      return this.catalogueAnswer(request.url.searchParams);
    if (request.method === 'POST' && pathname === '/v1/orders') return this.placeOrder(request.body);
    const query = /^\/v1\/orders\/([^/]+)$/.exec(pathname);
    if (request.method === 'GET' && query) return this.getOrder(decodeURIComponent(query[1]));
    return error('SUPPLIER.INVALID_REQUEST', 'no such route', 404);
  }

  private catalogueAnswer(query: URLSearchParams): SimAnswer {
    const api = 'GET /v1/catalogue';
    const fault = this.fault(api, []);
    if (fault) return fault;
    const limitText = query.get('limit') ?? '100';
    const limit = /^\d{1,4}$/.test(limitText) ? Number(limitText) : NaN;
    if (!(limit >= 1 && limit <= MAX_CATALOGUE_PAGE_SIZE)) {
      this.record(api, [], 'SUPPLIER.INVALID_REQUEST');
      return error('SUPPLIER.INVALID_REQUEST', `limit must be 1 to ${MAX_CATALOGUE_PAGE_SIZE}`);
    }
    const cursor = query.get('cursor') ?? '';
    const ids = [...this.products.keys()].sort();
    const start = ids.findIndex((id) => id > cursor);
    const page = start < 0 ? [] : ids.slice(start, start + limit);
    const more = start >= 0 && ids.length - start > limit;
    this.record(api, page, 'ok');
    return this.answer({
      items: page.map((id) => {
        const p = this.products.get(id)!;
        return {
          productId: id,
          name: p.name,
          faceValue: p.faceValue,
          supplyPrice: p.supplyPrice,
          stock: this.stockOf(id),
          status: p.status,
          kind: p.kind,
        };
      }),
      nextCursor: more ? page[page.length - 1] : null,
    });
  }

  private async placeOrder(body: Buffer): Promise<SimAnswer> {
    const api = 'POST /v1/orders';
    const raw = readJson(body);
    const fault = this.fault(api, typeof raw.productId === 'string' ? [raw.productId] : []);
    if (fault) return fault;
    let request: PlaceOrderRequest;
    try {
      request = parsePlaceOrderRequest(raw);
    } catch (err) {
      this.record(api, [], 'SUPPLIER.INVALID_REQUEST');
      return error(
        'SUPPLIER.INVALID_REQUEST',
        err instanceof SupplierFormatError ? err.message : 'unreadable',
      );
    }
    this.orderRequests.set(request.orderId, this.ordersReceived(request.orderId) + 1);
    // The id first: a known order answers as it is, whatever the stock, price or faults say now.
    const existing = this.orders.get(request.orderId);
    if (existing) {
      if (!sameTerms(existing, request)) {
        this.record(api, [request.productId], 'SUPPLIER.ORDER_CONFLICT');
        return error('SUPPLIER.ORDER_CONFLICT', 'this orderId names another order');
      }
      this.record(api, [request.productId], 'existing');
      return this.answer(this.wire(existing));
    }
    const refusal = this.refusalOf(request);
    if (refusal) {
      this.record(api, [request.productId], refusal.json.code);
      return refusal.answer;
    }
    const order = this.create(request);
    this.record(api, [request.productId], order.status);
    if (this.supplierFaults.orderTimeouts > 0) {
      this.supplierFaults.orderTimeouts -= 1;
      this.record(api, [request.productId], 'held');
      await this.wait(this.supplierFaults.holdMs);
    }
    return this.answer(this.wire(order));
  }

  /** Why a new order is refused, if it is (the order-level refusals, decided after the id lookup). */
  private refusalOf(request: PlaceOrderRequest): { answer: SimAnswer; json: { code: string } } | undefined {
    const refuse = (code: SupplierErrorCode, message: string, extra: Record<string, unknown> = {}) => {
      const answer = error(code, message, undefined, extra);
      return { answer, json: { code } };
    };
    const forced = this.supplierFaults.refuseOrdersWith;
    if (forced) return refuse(forced, 'refused by the simulator');
    const p = this.products.get(request.productId);
    if (!p) return refuse('SUPPLIER.PRODUCT_UNKNOWN', 'no such product');
    if (p.status !== 'on_sale') return refuse('SUPPLIER.PRODUCT_OFF_SALE', 'the product is off sale');
    if ((p.kind === 'topUp') !== (request.topUp !== undefined))
      return refuse(
        'SUPPLIER.INVALID_REQUEST',
        p.kind === 'topUp' ? 'topUp is required' : 'topUp is not allowed',
      );
    if (request.topUp && request.topUp.amount !== request.quantity * p.faceValue)
      return refuse('SUPPLIER.INVALID_REQUEST', 'topUp.amount must be quantity × faceValue (fen)');
    if (p.supplyPrice > request.unitPrice)
      return refuse('SUPPLIER.PRICE_CHANGED', 'the supply price rose', { supplyPrice: p.supplyPrice });
    const stock = this.stockOf(p.productId);
    if (stock !== null && stock < request.quantity)
      return refuse('SUPPLIER.OUT_OF_STOCK', 'not enough stock');
    if (p.mode === 'sync' && request.topUp && p.invalidAccounts.has(request.topUp.account))
      return refuse('SUPPLIER.TOP_UP_ACCOUNT_INVALID', 'the carrier refused the account');
    return undefined;
  }

  private create(request: PlaceOrderRequest): SimSupplierOrder {
    const p = this.products.get(request.productId)!;
    this.sequence += 1;
    const order: SimSupplierOrder = {
      orderId: request.orderId,
      supplierOrderId: `SUP-${this.sequence}`,
      productId: p.productId,
      quantity: request.quantity,
      unitPrice: p.supplyPrice,
      status: p.mode === 'sync' ? 'fulfilled' : 'pending',
      secrets: p.kind === 'cardKey' ? p.secrets.splice(0, request.quantity) : [],
      topUp: request.topUp,
      callbackUrl: request.callbackUrl,
      createdAt: Date.now(),
    };
    if (p.kind === 'topUp' && p.topUpStock !== null) p.topUpStock -= request.quantity;
    if (order.status === 'fulfilled' && p.kind === 'topUp') order.receipt = this.receipt();
    this.orders.set(order.orderId, order);
    if (order.status === 'pending')
      this.later(p.callbackDelayMs + this.supplierFaults.callbackDelayMs, () => this.finish(order));
    return order;
  }

  /** An async order's end: fulfilled (or refused: an account the carrier refuses), then the callback. */
  private finish(order: SimSupplierOrder): void {
    const p = this.products.get(order.productId);
    if (order.topUp && p?.invalidAccounts.has(order.topUp.account)) {
      order.status = 'refused';
      order.reason = 'SUPPLIER.TOP_UP_ACCOUNT_INVALID';
      if (p.topUpStock !== null) p.topUpStock += order.quantity;
    } else {
      order.status = 'fulfilled';
      if (order.topUp) order.receipt = this.receipt();
    }
    if (!order.callbackUrl) return;
    if (this.supplierFaults.lostCallbacks > 0) {
      this.supplierFaults.lostCallbacks -= 1;
      this.callbacks.push({ at: Date.now(), orderId: order.orderId, status: order.status, result: 'lost' });
      return;
    }
    void this.postCallback(order);
  }

  private async postCallback(order: SimSupplierOrder): Promise<SupplierCallbackRecord> {
    const url = new URL(order.callbackUrl!);
    const target = { url: url.origin, path: url.pathname + url.search, secret: this.secret };
    let record: SupplierCallbackRecord;
    try {
      const result = await sendNotification(target, this.wire(order));
      record = {
        at: Date.now(),
        orderId: order.orderId,
        status: order.status,
        httpStatus: result.status,
        result: 'sent',
      };
    } catch {
      record = { at: Date.now(), orderId: order.orderId, status: order.status, result: 'failed' };
    }
    this.callbacks.push(record);
    return record;
  }

  private getOrder(orderId: string): SimAnswer {
    const api = 'GET /v1/orders';
    const fault = this.fault(api, []);
    if (fault) return fault;
    const order = this.orders.get(orderId);
    this.record(api, order ? [order.productId] : [], order ? 'ok' : 'SUPPLIER.ORDER_UNKNOWN');
    if (!order) return error('SUPPLIER.ORDER_UNKNOWN', 'no such order');
    return this.answer(this.wire(order));
  }

  private wire(order: SimSupplierOrder): WireOrder {
    const wire: WireOrder = {
      orderId: order.orderId,
      supplierOrderId: order.supplierOrderId,
      productId: order.productId,
      quantity: order.quantity,
      unitPrice: order.unitPrice,
      status: order.status,
    };
    if (order.status === 'fulfilled' && !order.topUp)
      wire.cards = order.secrets.map((secret) => ({ secret }));
    if (order.status === 'fulfilled' && order.receipt) wire.receipt = order.receipt;
    if (order.status === 'refused') wire.reason = order.reason;
    return wire;
  }

  /** A 200 answer, or the hostile answer a fault asks for instead. */
  private answer(json: object): SimAnswer {
    const f = this.supplierFaults;
    if (f.hostileAnswers <= 0) return { status: 200, json };
    f.hostileAnswers -= 1;
    return { status: 200, json: hostile(json as Record<string, unknown>, f.hostileKind, f.oversizedBytes) };
  }

  private receipt(): TopUpReceipt {
    this.sequence += 1;
    return { reference: `TXN-${this.sequence}`, completedAt: new Date().toISOString() };
  }

  private later(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    this.timers.add(timer);
  }

  /** Waits `ms`, or until the simulator stops. */
  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const release = () => {
        this.waiting.delete(release);
        resolve();
      };
      this.waiting.add(release);
      this.later(ms, release);
    });
  }

  /**
   * Control routes for a simulator in another process (loopback only, unsigned, test use only):
   * `POST /_sim/supplier/products` `{products: SupplierProductSeed[]}`; `POST /_sim/supplier/products/{id}`
   * `{stock?, addSecrets?, removeSecrets?, supplyPrice?, status?, notify?}`; `POST /_sim/supplier/notice-target`
   * `{url, path}`; `GET|POST /_sim/supplier/faults`; `GET /_sim/supplier/orders`.
   */
  protected override controlRoute(request: SimRequest): SimResponse | undefined {
    const { pathname } = request.url;
    if (!pathname.startsWith('/_sim/supplier/')) return undefined;
    const body = request.method === 'POST' ? readJson(request.body) : {};
    if (pathname === '/_sim/supplier/products' && request.method === 'POST') {
      if (!Array.isArray(body.products)) return { status: 400, json: { error: 'products must be a list' } };
      this.seed(body.products as SupplierProductSeed[]);
      return { status: 200, json: { products: this.products.size } };
    }
    const change = /^\/_sim\/supplier\/products\/([^/]+)$/.exec(pathname);
    if (change && request.method === 'POST') {
      const productId = decodeURIComponent(change[1]);
      if (!this.products.has(productId)) return { status: 404, json: { error: 'no such product' } };
      const { notify, ...rest } = body as Parameters<SupplierSimulator['changeProduct']>[1] & {
        notify?: boolean;
      };
      // The notice goes out after the answer; its outcome is in GET /_sim/supplier/orders → notices.
      void this.changeProduct(productId, rest, notify !== false).catch(() => undefined);
      return { status: 200, json: { productId, stock: this.stockOf(productId) } };
    }
    if (pathname === '/_sim/supplier/notice-target' && request.method === 'POST') {
      if (typeof body.url !== 'string' || typeof body.path !== 'string')
        return { status: 400, json: { error: 'url and path are required' } };
      this.setNoticeTarget({ url: body.url, path: body.path });
      return { status: 200, json: { url: body.url, path: body.path } };
    }
    if (pathname === '/_sim/supplier/faults') {
      if (request.method === 'POST') {
        const problem = applySupplierFaults(this.supplierFaults, body);
        if (problem) return { status: 400, json: { error: problem } };
      }
      return { status: 200, json: this.supplierFaults };
    }
    if (pathname === '/_sim/supplier/orders' && request.method === 'GET')
      return {
        status: 200,
        json: {
          orders: [...this.orders.values()].map(({ secrets, ...o }) => ({
            ...o,
            // The keys themselves stay in the simulator: fingerprints are enough to compare deliveries.
            secretFingerprints: secrets.map(fingerprint),
          })),
          received: Object.fromEntries(this.orderRequests),
          callbacks: this.callbacks,
          notices: this.notices,
        },
      };
    return undefined;
  }
}

function defaultSupplierFaults(): SupplierFaults {
  return {
    orderTimeouts: 0,
    holdMs: 5_000,
    refuseOrdersWith: null,
    callbackDelayMs: 0,
    lostCallbacks: 0,
    hostileAnswers: 0,
    hostileKind: 'negative-stock',
    oversizedBytes: 3 * 1024 * 1024,
  };
}

const HOSTILE: readonly HostileAnswer[] = [
  'negative-stock',
  'float-price',
  'string-price',
  'duplicate-cards',
  'wrong-order-id',
  'oversized',
  'not-an-object',
];

function applySupplierFaults(faults: SupplierFaults, patch: Record<string, unknown>): string | undefined {
  const next: Partial<SupplierFaults> = {};
  for (const [key, value] of Object.entries(patch)) {
    if (!(key in faults)) return `unknown fault ${key}`;
    if (key === 'refuseOrdersWith') {
      if (value !== null && !(typeof value === 'string' && value in SUPPLIER_ERROR_STATUS))
        return 'refuseOrdersWith must be null or a SUPPLIER.* code';
      next.refuseOrdersWith = value as SupplierErrorCode | null;
    } else if (key === 'hostileKind') {
      if (!HOSTILE.includes(value as HostileAnswer))
        return `hostileKind must be one of ${HOSTILE.join(', ')}`;
      next.hostileKind = value as HostileAnswer;
    } else if (!(Number.isSafeInteger(value) && (value as number) >= 0))
      return `${key} must be an integer >= 0`;
    else (next as Record<string, unknown>)[key] = value;
  }
  Object.assign(faults, next);
  return undefined;
}

/** What a hostile answer looks like: the real one with one thing broken. */
function hostile(json: Record<string, unknown>, kind: HostileAnswer, oversizedBytes: number): unknown {
  const items = Array.isArray(json.items) ? (json.items as Record<string, unknown>[]) : undefined;
  switch (kind) {
    case 'negative-stock':
      return items ? { ...json, items: items.map((i) => ({ ...i, stock: -1 })) } : { ...json, quantity: -1 };
    case 'float-price':
      return items
        ? { ...json, items: items.map((i) => ({ ...i, supplyPrice: 7.9 })) }
        : { ...json, unitPrice: 7.9 };
    case 'string-price':
      return items
        ? { ...json, items: items.map((i) => ({ ...i, supplyPrice: 'NaN' })) }
        : { ...json, unitPrice: 'NaN' };
    case 'duplicate-cards': {
      const cards = json.cards as { secret: string }[] | undefined;
      if (!cards?.length) return { ...json, cards: [{ secret: 'x' }, { secret: 'x' }] };
      return { ...json, cards: cards.length > 1 ? cards.map(() => cards[0]) : [cards[0], cards[0]] };
    }
    case 'wrong-order-id':
      return { ...json, orderId: `${String(json.orderId)}-other` };
    case 'oversized':
      return { ...json, padding: 'x'.repeat(oversizedBytes) };
    case 'not-an-object':
      return 'not an object';
    default: {
      const never: never = kind;
      return never;
    }
  }
}

function sameTerms(order: SimSupplierOrder, request: PlaceOrderRequest): boolean {
  const a = order.topUp;
  const b = request.topUp;
  const sameTopUp =
    (!a && !b) ||
    (a !== undefined &&
      b !== undefined &&
      a.account === b.account &&
      a.amount === b.amount &&
      a.server === b.server &&
      a.region === b.region);
  return order.productId === request.productId && order.quantity === request.quantity && sameTopUp;
}

function error(
  code: SupplierErrorCode,
  message: string,
  status?: number,
  extra: Record<string, unknown> = {},
): SimResponse {
  const http =
    status ??
    (code in SUPPLIER_ERROR_STATUS ? SUPPLIER_ERROR_STATUS[code as keyof typeof SUPPLIER_ERROR_STATUS] : 400);
  return {
    status: http,
    headers: code === 'SUPPLIER.RATE_LIMITED' ? { 'retry-after': '1' } : undefined,
    json: { code, message, ...extra },
  };
}

function fingerprint(secret: string): string {
  return createHash('sha256').update(secret).digest('hex').slice(0, 16);
}

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
