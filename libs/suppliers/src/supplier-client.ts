import {
  clampRetryAfter,
  DEFAULT_MAX_RETRY_AFTER_MS,
  httpCall,
  type HttpCallResult,
  PlatformCallError,
  signedHeaders,
} from '@libs/channels';
import {
  APP_ID_HEADER,
  type CataloguePage,
  DEFAULT_CATALOGUE_PAGE_SIZE,
  MAX_CATALOGUE_PAGE_SIZE,
  MAX_ORDER_QUANTITY,
  type PlaceOrderRequest,
  REFUSAL_CODES,
  type SupplierConfig,
  type SupplierErrorCode,
  type SupplierOrder,
} from './contract';
import {
  identifier,
  type OrderExpectation,
  parseCataloguePage,
  parsePlaceOrderRequest,
  parseWireError,
  parseWireOrder,
  SupplierFormatError,
} from './validation';

/**
 * What became of one order request, for the caller deciding whether to wait, deliver or try the next supplier.
 *
 * - `fulfilled`: done; card keys (wrapped, `reveal()`) or a top-up receipt.
 * - `pending`: accepted; the final order comes by callback, or by `getOrder`.
 * - `refused`: a definite no to this request, with its code. `settled` says how far it reaches:
 *   true — the supplier holds no order under this orderId (it answers order-level refusals only after looking the
 *   id up), or holds it as refused; nothing was bought, so the next supplier may be tried even if an earlier
 *   attempt's outcome was unknown. false — only this request was turned away (rate limit, signature, malformed
 *   request, an id reused for another order); an earlier unknown attempt still has to be settled first.
 * - `unknown`: no readable answer (timeout, connection lost, 5xx, hostile or broken body). The order may exist at
 *   the supplier. Settle it before moving on: `placeOrder` again with the same orderId (idempotent: the order, or a
 *   settled refusal), or `getOrder`.
 */
export type OrderOutcome =
  | { outcome: 'fulfilled'; order: SupplierOrder }
  | { outcome: 'pending'; order: SupplierOrder }
  | {
      outcome: 'refused';
      code: SupplierErrorCode;
      settled: boolean;
      message: string;
      /** The refused order itself, when the supplier accepted it and then failed it. */
      order?: SupplierOrder;
      /** PRICE_CHANGED: the supply price now, in fen. */
      supplyPrice?: number;
      /** RATE_LIMITED: how long the supplier asked us to wait (clamped). */
      retryAfterMs?: number;
    }
  | { outcome: 'unknown'; cause: UnknownCause; message: string; retryAfterMs?: number };

export type UnknownCause =
  | 'TIMEOUT'
  | 'NETWORK'
  | 'SERVER_ERROR'
  | 'BAD_RESPONSE'
  | 'RESPONSE_TOO_LARGE'
  /** getOrder only: the query itself was refused (rate limit, signature); it says nothing about the order. */
  | 'QUERY_REFUSED';

/**
 * `getOrder`: the order as the supplier holds it, `not_found`, or `unknown`. A `not_found` settles nothing while
 * an earlier request for the id may still be on its way: the supplier creates an order only while the request's
 * signed timestamp is inside the ±60 s window, so a query made after the window of the last attempt has passed
 * (or a repeated `placeOrder`) is what settles it.
 */
export type OrderLookup =
  | Extract<OrderOutcome, { outcome: 'fulfilled' | 'pending' | 'unknown' }>
  | { outcome: 'refused'; code: SupplierErrorCode; settled: true; message: string; order: SupplierOrder }
  | { outcome: 'not_found' };

/** Refusals that come before the supplier looks the order id up, so they prove nothing about an earlier attempt. */
const REQUEST_LEVEL: ReadonlySet<SupplierErrorCode> = new Set<SupplierErrorCode>([
  'SUPPLIER.BAD_SIGNATURE',
  'SUPPLIER.INVALID_REQUEST',
  'SUPPLIER.RATE_LIMITED',
  'SUPPLIER.ORDER_CONFLICT',
]);

export interface SupplierClientOptions {
  /** Most bytes of a catalogue page or an error answer (default 2 MiB). */
  maxResponseBytes?: number;
  /** Most bytes of an order answer per unit ordered, on top of 64 KiB (default 16 KiB: a 4,096-character key). */
  maxOrderBytesPerUnit?: number;
  /** The longest Retry-After honoured (default CONNECTOR_MAX_RETRY_AFTER_MS's default, 10 minutes). */
  maxRetryAfterMs?: number;
  /** Most pages `cataloguePages` reads before it gives up on a supplier whose cursor never ends (default 10,000). */
  maxPages?: number;
  /** The clock the signatures are made with. */
  now?: () => number;
}

const DEFAULT_MAX_RESPONSE_BYTES = 2 * 1024 * 1024;
const DEFAULT_ORDER_BYTES_PER_UNIT = 16 * 1024;

/**
 * One upstream supplier over contract v1: signed requests (`x-stocksync-app-id`, and the timestamp and signature
 * of libs/channels webhook-signature, over the path with its query), bounded and validated answers, and order
 * outcomes classified for fallback. It never retries by itself: what to do after a failure (wait, settle an
 * unknown, move on) is the caller's decision, made with the outcome. Card secrets are never logged or put in an
 * error: they travel wrapped in `CardSecret`.
 */
export class SupplierClient {
  private readonly base: string;

  constructor(
    private readonly config: SupplierConfig,
    private readonly options: SupplierClientOptions = {},
  ) {
    this.base = config.baseUrl.replace(/\/+$/, '');
  }

  get supplierId(): string {
    return this.config.id;
  }

  /**
   * One catalogue page. Throws PlatformCallError: `TIMEOUT`, `NETWORK`, `HTTP_5xx` (retryable),
   * `SUPPLIER.RATE_LIMITED` (retryable, with the clamped Retry-After), `BAD_RESPONSE` or `RESPONSE_TOO_LARGE`
   * (retryable: the next read may be sound), or the supplier's own code for a 4xx (not retryable).
   */
  async listCatalogue(cursor?: string | null, limit = DEFAULT_CATALOGUE_PAGE_SIZE): Promise<CataloguePage> {
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_CATALOGUE_PAGE_SIZE)
      throw new RangeError(`limit must be a whole number from 1 to ${MAX_CATALOGUE_PAGE_SIZE}`);
    const query = new URLSearchParams({ limit: String(limit) });
    if (cursor) query.set('cursor', cursor);
    let result: HttpCallResult;
    try {
      result = await this.call('GET', `/v1/catalogue?${query}`, undefined, this.maxResponseBytes());
    } catch (err) {
      throw this.failure(err);
    }
    const body = readJson(result.text);
    if (result.status !== 200) throw this.errorAnswer(result.status, body);
    try {
      return parseCataloguePage(body, limit);
    } catch (err) {
      throw badResponse('GET /v1/catalogue', err);
    }
  }

  /**
   * Every page of the catalogue, in order. Stops with BAD_RESPONSE when the supplier hands back a cursor it gave
   * before (a loop) or after `maxPages` pages; errors are those of `listCatalogue`.
   */
  async *cataloguePages(limit = DEFAULT_CATALOGUE_PAGE_SIZE): AsyncGenerator<CataloguePage, void, undefined> {
    const seen = new Set<string>();
    const maxPages = this.options.maxPages ?? 10_000;
    let cursor: string | null = null;
    for (let page = 0; ; page++) {
      if (page >= maxPages)
        throw new PlatformCallError(
          'BAD_RESPONSE',
          `the catalogue did not end within ${maxPages} pages`,
          true,
        );
      const result: CataloguePage = await this.listCatalogue(cursor, limit);
      yield result;
      if (result.nextCursor === null) return;
      if (seen.has(result.nextCursor))
        throw new PlatformCallError(
          'BAD_RESPONSE',
          'the catalogue cursor came back to an earlier page',
          true,
        );
      seen.add(result.nextCursor);
      cursor = result.nextCursor;
    }
  }

  /**
   * Places (or finds again: the orderId is the idempotency key) one order. Never throws for anything the
   * supplier or the network does; throws SupplierFormatError only for a request that breaks the contract
   * (a programming error, refused before anything is sent).
   */
  async placeOrder(request: PlaceOrderRequest): Promise<OrderOutcome> {
    const checked = parsePlaceOrderRequest(request);
    const expect: OrderExpectation = {
      orderId: checked.orderId,
      productId: checked.productId,
      quantity: checked.quantity,
      maxUnitPrice: checked.unitPrice,
      kind: checked.topUp ? 'topUp' : 'cardKey',
    };
    let result: HttpCallResult;
    try {
      result = await this.call('POST', '/v1/orders', checked, this.orderBytes(checked.quantity));
    } catch (err) {
      return classifyCallFailure(err, 'place', this.maxRetryAfterMs()) as OrderOutcome;
    }
    return classifyOrderAnswer(result.status, result.text, expect, 'place') as OrderOutcome;
  }

  /** The order as the supplier holds it now. `expect` (what we ordered) tightens the checks on the answer. */
  async getOrder(orderId: string, expect: Omit<OrderExpectation, 'orderId'> = {}): Promise<OrderLookup> {
    const id = identifier(orderId, 'orderId');
    let result: HttpCallResult;
    try {
      result = await this.call(
        'GET',
        `/v1/orders/${encodeURIComponent(id)}`,
        undefined,
        this.orderBytes(expect.quantity ?? MAX_ORDER_QUANTITY),
      );
    } catch (err) {
      return classifyCallFailure(err, 'get', this.maxRetryAfterMs()) as OrderLookup;
    }
    return classifyOrderAnswer(result.status, result.text, { ...expect, orderId: id }, 'get') as OrderLookup;
  }

  private call(
    method: string,
    path: string,
    body: unknown,
    maxResponseBytes: number,
  ): Promise<HttpCallResult> {
    const url = new URL(this.base + path);
    const signedPath = url.pathname + url.search;
    const text = body === undefined ? '' : JSON.stringify(body);
    const now = this.options.now?.() ?? Date.now();
    return httpCall(url.toString(), {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        accept: 'application/json',
        [APP_ID_HEADER]: this.config.appId,
        ...signedHeaders(this.config.secret, method, signedPath, text, now),
      },
      body: body === undefined ? undefined : text,
      timeoutMs: this.config.timeoutMs,
      maxResponseBytes,
    });
  }

  private maxResponseBytes(): number {
    return this.options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  }

  private orderBytes(quantity: number): number {
    return 64 * 1024 + quantity * (this.options.maxOrderBytesPerUnit ?? DEFAULT_ORDER_BYTES_PER_UNIT);
  }

  private maxRetryAfterMs(): number {
    return this.options.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS;
  }

  /** A failed catalogue call as the PlatformCallError the caller gets (429 named by the contract's code). */
  private failure(err: unknown): PlatformCallError {
    if (!(err instanceof PlatformCallError))
      return new PlatformCallError('NETWORK', `call failed: ${(err as Error).message}`, true);
    const { delayMs } = clampRetryAfter(err.retryAfterMs, this.maxRetryAfterMs());
    if (err.code === 'HTTP_429')
      return new PlatformCallError(
        'SUPPLIER.RATE_LIMITED',
        'the supplier asked us to slow down',
        true,
        delayMs,
      );
    if (delayMs === err.retryAfterMs) return err;
    return new PlatformCallError(err.code, err.message, err.retryable, delayMs);
  }

  private errorAnswer(status: number, body: unknown): PlatformCallError {
    const error = parseWireError(body);
    if (!error) return new PlatformCallError(`HTTP_${status}`, `the supplier answered ${status}`, false);
    return new PlatformCallError(error.code, `the supplier answered ${status} ${error.code}`, false);
  }
}

/**
 * How one order answer reads (pure; the client's classification, exported for tests). `place`: the answer to
 * POST /v1/orders; `get`: to GET /v1/orders/{id}, where a refusal of the query is not a refusal of the order.
 */
export function classifyOrderAnswer(
  status: number,
  text: string,
  expect: OrderExpectation,
  mode: 'place' | 'get',
): OrderOutcome | OrderLookup {
  const body = readJson(text);
  if (body === NOT_JSON)
    return unknown('BAD_RESPONSE', `the supplier answered ${status} with a body that is not JSON`);
  if (status === 200 || status === 201) {
    let order: SupplierOrder;
    try {
      order = parseWireOrder(body, expect);
    } catch (err) {
      return unknown('BAD_RESPONSE', `the order answer breaks the contract: ${describe(err)}`);
    }
    if (order.status === 'refused') {
      const code = order.reason ?? 'SUPPLIER.FULFILMENT_FAILED';
      return { outcome: 'refused', code, settled: true, message: order.message ?? code, order };
    }
    return { outcome: order.status, order };
  }
  const error = parseWireError(body);
  if (mode === 'get') {
    if (status === 404 && error?.code === 'SUPPLIER.ORDER_UNKNOWN') return { outcome: 'not_found' };
    return unknown(
      error ? 'QUERY_REFUSED' : 'BAD_RESPONSE',
      `the order query was answered ${status}${error ? ` ${error.code}` : ''}`,
    );
  }
  if (status >= 400 && status < 500 && error && REFUSAL_CODES.has(error.code)) {
    const refusal: OrderOutcome = {
      outcome: 'refused',
      code: error.code,
      settled: !REQUEST_LEVEL.has(error.code),
      message: error.message || error.code,
    };
    if (error.code === 'SUPPLIER.PRICE_CHANGED' && error.supplyPrice !== undefined)
      refusal.supplyPrice = error.supplyPrice;
    return refusal;
  }
  return unknown('BAD_RESPONSE', `the supplier answered ${status}${error ? ` ${error.code}` : ''}`);
}

/** A call that got no usable HTTP answer, or a 429 / 5xx (which httpCall throws), as an outcome. */
export function classifyCallFailure(
  err: unknown,
  mode: 'place' | 'get',
  maxRetryAfterMs = DEFAULT_MAX_RETRY_AFTER_MS,
): OrderOutcome | OrderLookup {
  if (!(err instanceof PlatformCallError)) return unknown('NETWORK', `the call failed: ${describe(err)}`);
  const { delayMs } = clampRetryAfter(err.retryAfterMs, maxRetryAfterMs);
  const withDelay = <T extends object>(o: T): T =>
    delayMs === undefined ? o : { ...o, retryAfterMs: delayMs };
  if (err.code === 'HTTP_429') {
    if (mode === 'get') return withDelay(unknown('QUERY_REFUSED', 'the order query was rate limited'));
    return withDelay({
      outcome: 'refused' as const,
      code: 'SUPPLIER.RATE_LIMITED' as const,
      settled: false,
      message: 'the supplier asked us to slow down',
    });
  }
  if (/^HTTP_5\d\d$/.test(err.code))
    return withDelay(unknown('SERVER_ERROR', `the supplier answered ${err.code.slice(5)}`));
  if (err.code === 'TIMEOUT') return unknown('TIMEOUT', err.message);
  if (err.code === 'RESPONSE_TOO_LARGE') return unknown('RESPONSE_TOO_LARGE', err.message);
  return unknown('NETWORK', err.message);
}

function unknown(cause: UnknownCause, message: string): Extract<OrderOutcome, { outcome: 'unknown' }> {
  return { outcome: 'unknown', cause, message };
}

const NOT_JSON = Symbol('not JSON');

function readJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
}

function badResponse(what: string, err: unknown): PlatformCallError {
  return new PlatformCallError('BAD_RESPONSE', `${what}: ${describe(err)}`, true);
}

/** A validation failure names the field only (SupplierFormatError never carries a value); anything else by name. */
function describe(err: unknown): string {
  if (err instanceof SupplierFormatError) return err.message;
  return err instanceof Error ? err.name + ': ' + err.message : 'unreadable';
}
