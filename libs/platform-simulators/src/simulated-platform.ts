import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One SKU as the platform lists it. */
export interface SimulatedListing {
  sku: string;
  /** The platform's item (Taobao num_iid, PDD goods_id, WeChat product): several SKUs may share one. */
  itemId: string;
  /** The platform's own SKU id. */
  skuId: string;
  quantity: number;
  listed: boolean;
  /** PDD: the item sits in a promotion slot (资源位) and refuses a decrease. */
  promotionSlot: boolean;
  /** The selling price (fen) last set through the platform's price API; absent until one is set. */
  price?: number;
  /**
   * Prices (fen) the platform accepts for this SKU, where it bounds them: Taobao's SKU price range of the item,
   * PDD's group price below the single-purchase price. Outside them the price call is refused.
   */
  priceLimits?: { min?: number; max?: number };
}

/** `{key: value}`, or nothing when the value is absent (an optional field left out, never set to undefined). */
function pick<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

/** A price inside the listing's limits (inclusive), or the limit it breaks. */
export function priceOutsideLimits(listing: SimulatedListing, price: number): string | undefined {
  const { min, max } = listing.priceLimits ?? {};
  if (min !== undefined && price < min) return `below ${min}`;
  if (max !== undefined && price > max) return `above ${max}`;
  return undefined;
}

export interface Faults {
  /** Added to every answer. */
  latencyMs: number;
  /** Until this epoch ms every stock call gets the platform's throttling error. */
  throttledUntil: number;
  /** The next N stock calls get HTTP 429 with this Retry-After (seconds). */
  tooManyRequests: number;
  retryAfterSeconds: number;
  /** The next N stock calls get HTTP 503. */
  serverErrors: number;
  /** The next N stock calls are never answered (the client's timeout fires). */
  hangs: number;
  /** The next N card-key deliveries get HTTP 503. */
  deliveryFailures: number;
  /** The next N card-key deliveries get HTTP 429 with Retry-After `retryAfterSeconds`. */
  deliveryTooManyRequests: number;
  /** The next N card-key deliveries are never answered (the client's timeout fires). */
  deliveryHangs: number;
  /** Added to every card-key delivery answer, on top of `latencyMs` (a slow delivery API). */
  deliveryLatencyMs: number;
  /** Calls allowed per window before the platform's throttling error (0: no limit). */
  rateLimit: { calls: number; windowMs: number };
}

export interface CallRecord {
  at: number;
  /** API method or route. */
  api: string;
  /** SKUs the call addressed. */
  skus: string[];
  /** What the simulator answered: ok, an error code, or a fault. */
  result: string;
}

export interface DeliveredCard {
  orderId: string;
  sku: string;
  unitId: string;
  /** The key itself, on a platform the seller hands keys to (the shop); absent where only a link goes. */
  secret?: string;
  /** The buyer's delivery link the platform was given instead of the key (Taobao, PDD, WeChat). */
  link?: string;
  at: number;
  /** Copies of a loop key the order bought (1 for a single key). */
  copies: number;
}

/**
 * One card the platform was handed, as the fault suite's history checker reads it: ids and a fingerprint of the
 * secret only. `duplicate` marks a repeat of an (order, unit) already handed over (the platform acknowledged it
 * and gave the buyer nothing new): a retry after a lost answer, not a second key.
 */
export interface DeliveryLogEntry {
  at: number;
  channel: string;
  orderId: string;
  sku: string;
  unitId: string;
  /** First 16 hex digits of sha256(secret): two orders handed the same secret share it. */
  secretFingerprint: string;
  copies: number;
  duplicate: boolean;
}

export interface SimRequest {
  method: string;
  url: URL;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export interface SimResponse {
  status: number;
  headers?: Record<string, string>;
  json: unknown;
}

const HANG = Symbol('hang');

/**
 * The listings, counting changes of their shape (a SKU added, removed or moved to another item) so the indexes
 * the listing reads use are rebuilt only after such a change: a platform with a million listings answers a page
 * in O(page), not O(listings).
 */
export class ListingMap extends Map<string, SimulatedListing> {
  revision = 0;

  override set(sku: string, listing: SimulatedListing): this {
    this.revision += 1;
    return super.set(sku, listing);
  }

  override delete(sku: string): boolean {
    this.revision += 1;
    return super.delete(sku);
  }

  override clear(): void {
    this.revision += 1;
    super.clear();
  }
}

/** The listings grouped the way listing reads page through them: by item, in item-id order. */
export interface CatalogueIndex {
  /** Item ids, sorted. */
  itemIds: string[];
  /** An item's SKUs, in the order they were listed. */
  skusOfItem: Map<string, SimulatedListing[]>;
  /** Our SKU codes, sorted. */
  skuCodes: string[];
  /** (item id, the platform's SKU id) → listing; see skuKey. */
  bySkuId: Map<string, SimulatedListing>;
}

/** An answer, or HANG: the simulator never answers (a timeout on the client's side). */
export type SimAnswer = SimResponse | typeof HANG;

/**
 * What every simulated platform shares: an HTTP server on loopback, listings, configurable faults, a record
 * of every call, idempotent card-key deliveries, and a sender of order notifications. Each subclass speaks its
 * platform's request and error formats.
 */
export abstract class SimulatedPlatform {
  readonly listings = new ListingMap();
  readonly calls: CallRecord[] = [];
  readonly deliveries = new Map<string, DeliveredCard>();
  /** Every card handed over, repeats included, in arrival order (also `GET /_sim/delivery-log`). */
  readonly deliveryLog: DeliveryLogEntry[] = [];
  readonly faults: Faults = defaultFaults();
  private server?: Server;
  private recentCalls: number[] = [];
  private index?: { revision: number; catalogue: CatalogueIndex };
  url = '';

  abstract readonly name: string;

  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    this.server = createServer((req, res) => void this.onRequest(req, res));
    await new Promise<void>((resolve) => this.server!.listen(port, host, resolve));
    const address = this.server.address() as AddressInfo;
    this.url = `http://${host}:${address.port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    const server = this.server;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  setListing(
    sku: string,
    quantity: number,
    options: Partial<Omit<SimulatedListing, 'sku' | 'quantity'>> = {},
  ): SimulatedListing {
    const existing = this.listings.get(sku);
    const next: SimulatedListing = {
      sku,
      itemId: options.itemId ?? existing?.itemId ?? this.defaultItemId(sku),
      skuId: options.skuId ?? existing?.skuId ?? String(900000 + this.listings.size),
      quantity,
      listed: options.listed ?? existing?.listed ?? true,
      promotionSlot: options.promotionSlot ?? existing?.promotionSlot ?? false,
      ...pick('price', options.price ?? existing?.price),
      ...pick('priceLimits', options.priceLimits ?? existing?.priceLimits),
    };
    // Same item and SKU id: change the listing in place, so the indexes stay valid.
    if (existing && existing.itemId === next.itemId && existing.skuId === next.skuId) {
      return Object.assign(existing, next);
    }
    this.listings.set(sku, next);
    return next;
  }

  /** The listing an item holds under the platform's SKU id or under our SKU code (outer id). */
  protected findListing(
    itemId: string | undefined,
    by: { skuId: string } | { outerId: string | undefined },
  ): SimulatedListing | undefined {
    if ('skuId' in by) {
      if (itemId !== undefined) return this.catalogue().bySkuId.get(skuKey(itemId, by.skuId));
      return [...this.listings.values()].find((l) => l.skuId === by.skuId);
    }
    const listing = this.listings.get(by.outerId ?? '');
    return listing && (itemId === undefined || listing.itemId === itemId) ? listing : undefined;
  }

  /** The indexes listing reads and lookups use, rebuilt only after the listings changed shape. */
  protected catalogue(): CatalogueIndex {
    if (this.index?.revision === this.listings.revision) return this.index.catalogue;
    const skusOfItem = new Map<string, SimulatedListing[]>();
    const bySkuId = new Map<string, SimulatedListing>();
    for (const listing of this.listings.values()) {
      const siblings = skusOfItem.get(listing.itemId);
      if (siblings) siblings.push(listing);
      else skusOfItem.set(listing.itemId, [listing]);
      bySkuId.set(skuKey(listing.itemId, listing.skuId), listing);
    }
    const catalogue: CatalogueIndex = {
      itemIds: [...skusOfItem.keys()].sort(),
      skusOfItem,
      skuCodes: [...this.listings.keys()].sort(),
      bySkuId,
    };
    this.index = { revision: this.listings.revision, catalogue };
    return catalogue;
  }

  /** Stock calls made (not listing reads), optionally since a time. */
  stockCalls(since = 0): CallRecord[] {
    return this.calls.filter((c) => c.at >= since && this.isStockApi(c.api));
  }

  protected defaultItemId(_sku: string): string {
    return String(500000 + this.listings.size);
  }

  protected abstract isStockApi(api: string): boolean;

  /** The platform's own answer when it throttles (WeChat 300000, Taobao code 7, …). */
  protected abstract throttledAnswer(retryAfterSeconds: number): SimResponse;

  protected abstract handle(request: SimRequest): Promise<SimAnswer>;

  /**
   * Applies the configured faults to a stock call; returns the fault's answer, HANG, or undefined to proceed.
   * Subclasses call it once they know which API was called.
   */
  protected fault(api: string, skus: string[]): SimResponse | typeof HANG | undefined {
    const now = Date.now();
    const f = this.faults;
    const record = (result: string) => this.calls.push({ at: now, api, skus, result });
    if (f.hangs > 0) {
      f.hangs -= 1;
      record('hang');
      return HANG;
    }
    if (f.serverErrors > 0) {
      f.serverErrors -= 1;
      record('http-503');
      return { status: 503, json: { error: 'service unavailable' } };
    }
    if (f.tooManyRequests > 0) {
      f.tooManyRequests -= 1;
      record('http-429');
      return {
        status: 429,
        headers: { 'retry-after': String(f.retryAfterSeconds) },
        json: { error: 'too many requests' },
      };
    }
    if (now < f.throttledUntil) {
      record('throttled');
      return this.throttledAnswer(Math.ceil((f.throttledUntil - now) / 1000));
    }
    if (f.rateLimit.calls > 0) {
      this.recentCalls = this.recentCalls.filter((t) => t > now - f.rateLimit.windowMs);
      if (this.recentCalls.length >= f.rateLimit.calls) {
        record('throttled');
        return this.throttledAnswer(Math.ceil(f.rateLimit.windowMs / 1000));
      }
      this.recentCalls.push(now);
    }
    return undefined;
  }

  protected record(api: string, skus: string[], result: string): void {
    this.calls.push({ at: Date.now(), api, skus, result });
  }

  /** The fault a delivery call gets, if any: a hang, HTTP 429 with Retry-After, or HTTP 503. */
  protected deliveryFault(): SimAnswer | undefined {
    const f = this.faults;
    if (f.deliveryHangs > 0) {
      f.deliveryHangs -= 1;
      return HANG;
    }
    if (f.deliveryTooManyRequests > 0) {
      f.deliveryTooManyRequests -= 1;
      return {
        status: 429,
        headers: { 'retry-after': String(f.retryAfterSeconds) },
        json: { error: 'too many requests' },
      };
    }
    if (f.deliveryFailures > 0) {
      f.deliveryFailures -= 1;
      return { status: 503, json: { error: 'service unavailable' } };
    }
    return undefined;
  }

  /** Idempotent on (order, unit): a repeated delivery of the same key is acknowledged, not handed over again. */
  protected deliver(
    orderId: string,
    sku: string,
    cards: { unitId: string; secret: string; copies?: number }[],
  ): { delivered: number; duplicates: number } {
    let delivered = 0;
    const at = Date.now();
    for (const card of cards) {
      const key = `${orderId}:${card.unitId}`;
      const copies = Number.isSafeInteger(card.copies) && card.copies! > 0 ? card.copies! : 1;
      const duplicate = this.deliveries.has(key);
      this.deliveryLog.push({
        at,
        channel: this.name,
        orderId,
        sku,
        unitId: card.unitId,
        secretFingerprint: createHash('sha256').update(String(card.secret)).digest('hex').slice(0, 16),
        copies,
        duplicate,
      });
      if (duplicate) continue;
      this.deliveries.set(key, { orderId, sku, unitId: card.unitId, secret: card.secret, at, copies });
      delivered += 1;
    }
    return { delivered, duplicates: cards.length - delivered };
  }

  /**
   * A no-logistics shipment carrying the buyer's delivery link: the platform learns (order, units) from the
   * link's readable payload (it cannot sign one: only StockSync holds the link secret) and logs each unit like a
   * card handed over; the fingerprint is of the link, since no secret ever arrives. A link for another order is
   * refused.
   */
  protected deliverLink(
    orderId: string,
    link: string,
  ): { delivered: number; duplicates: number } | undefined {
    const token = link.slice(link.lastIndexOf('/deliveries/') + '/deliveries/'.length);
    if (!link.includes('/deliveries/') || !token.includes('.')) return undefined;
    let claim: { orderId?: unknown; sku?: unknown; unitIds?: unknown; copies?: Record<string, unknown> };
    try {
      claim = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString('utf8')) as typeof claim;
    } catch {
      return undefined;
    }
    if (claim.orderId !== orderId || typeof claim.sku !== 'string' || !Array.isArray(claim.unitIds))
      return undefined;
    const sku = claim.sku;
    let delivered = 0;
    const at = Date.now();
    const fingerprint = createHash('sha256').update(link).digest('hex').slice(0, 16);
    for (const unitId of claim.unitIds as string[]) {
      const key = `${orderId}:${unitId}`;
      const asked = claim.copies?.[unitId];
      const copies = Number.isSafeInteger(asked) && (asked as number) > 0 ? (asked as number) : 1;
      const duplicate = this.deliveries.has(key);
      this.deliveryLog.push({
        at,
        channel: this.name,
        orderId,
        sku,
        unitId,
        secretFingerprint: fingerprint,
        copies,
        duplicate,
      });
      if (duplicate) continue;
      this.deliveries.set(key, { orderId, sku, unitId, link, at, copies });
      delivered += 1;
    }
    return { delivered, duplicates: claim.unitIds.length - delivered };
  }

  /**
   * The simulator's own control routes, answered before the platform's routes (and without its signatures):
   * the fault suite drives a simulator that runs in another process through them. Loopback only, test use only.
   */
  private control(request: SimRequest): SimResponse | undefined {
    const { pathname, searchParams } = request.url;
    if (!pathname.startsWith('/_sim/')) return undefined;
    const since = Number(searchParams.get('since') ?? 0) || 0;
    if (pathname === '/_sim/faults' && request.method === 'GET') return { status: 200, json: this.faults };
    if (pathname === '/_sim/faults' && request.method === 'POST') {
      const problem = applyFaults(this.faults, readJson(request.body));
      return problem ? { status: 400, json: { error: problem } } : { status: 200, json: this.faults };
    }
    if (pathname === '/_sim/faults/reset' && request.method === 'POST') {
      Object.assign(this.faults, defaultFaults());
      return { status: 200, json: this.faults };
    }
    if (pathname === '/_sim/delivery-log' && request.method === 'GET')
      return {
        status: 200,
        json: { channel: this.name, deliveries: this.deliveryLog.filter((d) => d.at >= since) },
      };
    if (pathname === '/_sim/calls' && request.method === 'GET')
      return { status: 200, json: { channel: this.name, calls: this.calls.filter((c) => c.at >= since) } };
    if (pathname === '/_sim/listings' && request.method === 'GET')
      return { status: 200, json: { channel: this.name, listings: [...this.listings.values()] } };
    return this.controlRoute(request) ?? { status: 404, json: { error: 'no such control route' } };
  }

  /**
   * A subclass's own control routes under `/_sim/` (the supplier simulator's products, orders and faults), tried
   * after the shared ones; undefined when the route is not one of its own.
   */
  protected controlRoute(_request: SimRequest): SimResponse | undefined {
    return undefined;
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const request: SimRequest = {
        method: req.method ?? 'GET',
        url: new URL(req.url ?? '/', 'http://simulator'),
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      const control = this.control(request);
      if (control) {
        res.writeHead(control.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(control.json));
        return;
      }
      const answer = await this.handle(request);
      const latencyMs =
        this.faults.latencyMs +
        (request.url.pathname.endsWith('/card-keys') ? this.faults.deliveryLatencyMs : 0);
      if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));
      if (answer === HANG) return;
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(JSON.stringify(answer.json));
    } catch (err) {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: (err as Error).message }));
    }
  }
}

export { HANG };

function defaultFaults(): Faults {
  return {
    latencyMs: 0,
    throttledUntil: 0,
    tooManyRequests: 0,
    retryAfterSeconds: 1,
    serverErrors: 0,
    hangs: 0,
    deliveryFailures: 0,
    deliveryTooManyRequests: 0,
    deliveryHangs: 0,
    deliveryLatencyMs: 0,
    rateLimit: { calls: 0, windowMs: 1000 },
  };
}

/** Merges a partial fault set sent to `POST /_sim/faults`; returns what is wrong with it, if anything. */
function applyFaults(faults: Faults, patch: Record<string, unknown>): string | undefined {
  const next: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(patch)) {
    if (!(key in faults)) return `unknown fault ${key}`;
    if (key === 'rateLimit') {
      const r = value as { calls?: unknown; windowMs?: unknown } | null;
      if (typeof r !== 'object' || r === null || !isCount(r.calls) || !isCount(r.windowMs))
        return 'rateLimit must be {calls, windowMs} (integers >= 0)';
      next[key] = { calls: r.calls, windowMs: r.windowMs };
    } else if (!isCount(value)) return `${key} must be an integer >= 0`;
    else next[key] = value;
  }
  Object.assign(faults, next);
  return undefined;
}

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** SKU ids are unique within an item, not necessarily across items. */
function skuKey(itemId: string, skuId: string): string {
  return `${itemId}\u0000${skuId}`;
}

export function readForm(body: Buffer): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(body.toString('utf8')));
}

export function readJson(body: Buffer): Record<string, unknown> {
  try {
    const value = JSON.parse(body.toString('utf8') || '{}');
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
