import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyRequest } from '@libs/channels';
import {
  readJson,
  type SimAnswer,
  SimulatedPlatform,
  type SimRequest,
  type SimResponse,
} from './simulated-platform';

export const SHOP_MAX_ITEMS_PER_CALL = 100;

export interface ShopAfterSalesAnswer {
  caseId: string;
  orderId: string;
  answer: 'accepted' | 'refused';
  note: string;
  at: number;
}

/**
 * An in-house shop (发卡网 site or 分站) implementing the StockSync shop contract v1
 * (apps/connector-shop/openapi.yaml): requests signed like our webhooks, JSON errors with stable codes.
 *
 * - PUT /v1/stock {items: [{sku, quantity, price?, version}]}, at most 100: full-set quantities (and the selling
 *   price in fen, when StockSync sets it); the shop keeps the
 *   highest version per SKU and answers `stale` for an older one (acknowledged, nothing changed).
 * - GET /v1/stock?cursor=&limit=: listed stock, paged by SKU.
 * - POST /v1/orders/{orderId}/card-keys {sku, cards: [{unitId, secret}]}: idempotent per (order, unit).
 * - POST /v1/after-sales/{caseId}/answer {orderId, answer: accepted|refused, note}: the seller's answer to a case the
 *   shop raised with an `after-sales.requested` webhook (`afterSalesNotice`); the same answer again is acknowledged
 *   (`duplicate: true`), a different one refused with 409 SHOP.CASE_ALREADY_ANSWERED.
 * A quantity of 0 is listed as sold out; nothing is ever delisted by a push.
 */
export class ShopSimulator extends SimulatedPlatform {
  readonly name = 'shop';
  private readonly versions = new Map<string, number>();
  /** The selling price (fen) last pushed per SKU; absent where none was sent. */
  readonly prices = new Map<string, number>();
  /** Every answer the shop accepted, in arrival order (repeats of the same answer are not added again). */
  readonly afterSalesAnswers: ShopAfterSalesAnswer[] = [];

  constructor(private readonly apiSecret = 'shop-api-secret') {
    super();
  }

  protected isStockApi(api: string): boolean {
    return api === 'PUT /v1/stock';
  }

  protected throttledAnswer(retryAfterSeconds: number): SimResponse {
    return {
      status: 429,
      headers: { 'retry-after': String(retryAfterSeconds) },
      json: { code: 'SHOP.RATE_LIMITED', message: 'slow down' },
    };
  }

  protected async handle(request: SimRequest): Promise<SimAnswer> {
    const path = request.url.pathname + request.url.search;
    const check = verifyRequest([this.apiSecret], {
      method: request.method,
      path,
      body: request.body,
      timestampHeader: header(request.headers[TIMESTAMP_HEADER]),
      signatureHeader: header(request.headers[SIGNATURE_HEADER]),
    });
    if (!check.ok) return { status: 401, json: { code: 'SHOP.UNAUTHORIZED', message: check.code } };
    if (request.method === 'PUT' && request.url.pathname === '/v1/stock')
      return this.putStock(readJson(request.body));
    if (request.method === 'GET' && request.url.pathname === '/v1/stock')
      return this.getStock(request.url.searchParams);
    const delivery = /^\/v1\/orders\/([^/]+)\/card-keys$/.exec(request.url.pathname);
    if (request.method === 'POST' && delivery) {
      const fault = this.deliveryFault();
      if (fault) return fault;
      const body = readJson(request.body) as { sku?: string; cards?: { unitId: string; secret: string }[] };
      if (!body.sku || !Array.isArray(body.cards) || body.cards.length === 0) {
        return { status: 400, json: { code: 'SHOP.INVALID_REQUEST', message: 'sku and cards are required' } };
      }
      return { status: 200, json: this.deliver(decodeURIComponent(delivery[1]), body.sku, body.cards) };
    }
    const answer = /^\/v1\/after-sales\/([^/]+)\/answer$/.exec(request.url.pathname);
    if (request.method === 'POST' && answer)
      return this.answerCase(decodeURIComponent(answer[1]), readJson(request.body));
    return { status: 404, json: { code: 'SHOP.NOT_FOUND', message: 'no such route' } };
  }

  /**
   * The webhook body of a buyer's after-sales case (refund request, key reported invalid) on an order, as the shop
   * posts it to the connector (send it with `sendNotification`).
   */
  static afterSalesNotice(input: {
    orderId: string;
    caseId: string;
    reason: string;
    description?: string;
    sku?: string;
  }): Record<string, unknown> {
    return { type: 'after-sales.requested', ...input };
  }

  private answerCase(caseId: string, body: Record<string, unknown>): SimAnswer {
    const api = 'POST /v1/after-sales/answer';
    const { orderId, answer, note } = body;
    if (
      typeof orderId !== 'string' ||
      (answer !== 'accepted' && answer !== 'refused') ||
      typeof note !== 'string' ||
      note.length > 2000
    ) {
      this.record(api, [], 'SHOP.INVALID_REQUEST');
      return {
        status: 400,
        json: {
          code: 'SHOP.INVALID_REQUEST',
          message: 'orderId, answer (accepted|refused) and note are required',
        },
      };
    }
    const earlier = this.afterSalesAnswers.find((a) => a.caseId === caseId);
    if (earlier && earlier.answer !== answer) {
      this.record(api, [], 'SHOP.CASE_ALREADY_ANSWERED');
      return {
        status: 409,
        json: { code: 'SHOP.CASE_ALREADY_ANSWERED', message: `case ${caseId} was already ${earlier.answer}` },
      };
    }
    if (!earlier) this.afterSalesAnswers.push({ caseId, orderId, answer, note, at: Date.now() });
    this.record(api, [], 'ok');
    return { status: 200, json: { caseId, answer, duplicate: Boolean(earlier) } };
  }

  private putStock(body: Record<string, unknown>): SimAnswer {
    const api = 'PUT /v1/stock';
    const items = Array.isArray(body.items)
      ? (body.items as { sku: string; quantity: number; version: number; price?: number }[])
      : [];
    const fault = this.fault(
      api,
      items.map((i) => i.sku),
    );
    if (fault) return fault;
    const valid = items.every(
      (i) =>
        typeof i.sku === 'string' &&
        Number.isInteger(i.quantity) &&
        i.quantity >= 0 &&
        Number.isInteger(i.version) &&
        (i.price === undefined || (Number.isSafeInteger(i.price) && i.price >= 0)),
    );
    if (items.length === 0 || items.length > SHOP_MAX_ITEMS_PER_CALL || !valid) {
      this.record(api, [], 'SHOP.INVALID_REQUEST');
      return {
        status: 400,
        json: {
          code: 'SHOP.INVALID_REQUEST',
          message: `1 to ${SHOP_MAX_ITEMS_PER_CALL} items of {sku, quantity ≥ 0, version}`,
        },
      };
    }
    const results = items.map((i) => {
      if ((this.versions.get(i.sku) ?? -1) > i.version) return { sku: i.sku, status: 'stale' };
      this.versions.set(i.sku, i.version);
      this.setListing(i.sku, i.quantity);
      if (i.price !== undefined) this.prices.set(i.sku, i.price);
      return { sku: i.sku, status: 'applied' };
    });
    this.record(
      api,
      items.map((i) => i.sku),
      'ok',
    );
    return { status: 200, json: { results } };
  }

  private getStock(query: URLSearchParams): SimAnswer {
    const limit = Math.min(500, Math.max(1, Number(query.get('limit') ?? 100)));
    const cursor = query.get('cursor') ?? '';
    const { skuCodes } = this.catalogue();
    const start = firstAfter(skuCodes, cursor);
    const page = skuCodes.slice(start, start + limit);
    this.record('GET /v1/stock', [], 'ok');
    return {
      status: 200,
      json: {
        items: page.map((sku) => {
          const l = this.listings.get(sku)!;
          return { sku, quantity: l.quantity, listed: l.listed, version: this.versions.get(sku) ?? null };
        }),
        nextCursor: skuCodes.length - start > limit ? page[page.length - 1] : null,
      },
    };
  }
}

/** Index of the first code sorting after the cursor (binary search over the sorted codes). */
function firstAfter(sorted: string[], cursor: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid] <= cursor) low = mid + 1;
    else high = mid;
  }
  return low;
}

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
