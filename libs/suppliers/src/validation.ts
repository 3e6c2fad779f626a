import { normaliseIdentifier } from '@libs/messaging';
import {
  CardSecret,
  type CataloguePage,
  FULFILMENT_FAILED,
  isSupplierErrorCode,
  MAX_ACCOUNT_LENGTH,
  MAX_AMOUNT_FEN,
  MAX_CALLBACK_URL_LENGTH,
  MAX_CATALOGUE_PAGE_SIZE,
  MAX_CURSOR_LENGTH,
  MAX_MESSAGE_LENGTH,
  MAX_NAME_LENGTH,
  MAX_NOTICES_PER_BATCH,
  MAX_ORDER_QUANTITY,
  MAX_SECRET_LENGTH,
  MAX_STOCK,
  type OrderStatus,
  type PlaceOrderRequest,
  type ProductKind,
  REFUSAL_CODES,
  type ProductStatus,
  type StockNotice,
  type SupplierOrder,
  type TopUpReceipt,
  type TopUpTarget,
  type WireError,
} from './contract';

/*
 * Readers for everything that crosses the supplier boundary, in both directions: what a supplier answers us
 * (catalogue pages, orders, errors), what it posts us (notices, callbacks), and what a supplier (the simulator)
 * reads from us. Each refusal names the field, never its value: a message may reach a log, and a value may be a
 * card secret. Unknown fields are ignored (the contract may add fields within v1) and never copied.
 */

export class SupplierFormatError extends Error {
  constructor(
    /** The field at fault, as a path: `items[3].stock`. */
    readonly field: string,
    message: string,
  ) {
    super(`${field} ${message}`);
    this.name = 'SupplierFormatError';
  }
}

const PRODUCT_STATUSES: readonly ProductStatus[] = ['on_sale', 'off_sale'];
const PRODUCT_KINDS: readonly ProductKind[] = ['cardKey', 'topUp'];
const ORDER_STATUSES: readonly OrderStatus[] = ['fulfilled', 'pending', 'refused'];

export function object(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new SupplierFormatError(field, 'must be an object');
  return value as Record<string, unknown>;
}

/** An id under the shared identifier rule (NFKC, no control, format or whitespace characters, ≤ 128). */
export function identifier(value: unknown, field: string): string {
  const result = normaliseIdentifier(value);
  if (!result.ok) throw new SupplierFormatError(field, `must be an identifier (${result.reason})`);
  return result.value;
}

/** Money: a whole number of fen from 0 to MAX_AMOUNT_FEN. A float (7.9), a string ("7.90") or NaN is refused. */
export function fen(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > MAX_AMOUNT_FEN)
    throw new SupplierFormatError(field, `must be a whole number of fen from 0 to ${MAX_AMOUNT_FEN}`);
  return value;
}

/** Stock: a whole number from 0 to MAX_STOCK, or null for unlimited (never -1). */
export function stock(value: unknown, field: string): number | null {
  if (value === null) return null;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > MAX_STOCK)
    throw new SupplierFormatError(field, `must be null (unlimited) or a whole number from 0 to ${MAX_STOCK}`);
  return value;
}

export function quantity(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > MAX_ORDER_QUANTITY)
    throw new SupplierFormatError(field, `must be a whole number from 1 to ${MAX_ORDER_QUANTITY}`);
  return value;
}

export function oneOf<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value))
    throw new SupplierFormatError(field, `must be one of ${allowed.join(', ')}`);
  return value as T;
}

/** A name or label: a string of 1 to `max` characters without control characters. */
export function label(value: unknown, max: number, field: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max || CONTROL.test(value))
    throw new SupplierFormatError(field, `must be text of 1 to ${max} characters without control characters`);
  return value;
}

/** Free text kept from a supplier (a message): cut to MAX_MESSAGE_LENGTH, control characters made spaces. */
export function freeText(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  return value.slice(0, MAX_MESSAGE_LENGTH).replace(CONTROL_GLOBAL, ' ');
}

/** An ISO 8601 time with an offset, returned in UTC (`toISOString`). */
export function isoTime(value: unknown, field: string): string {
  if (
    typeof value !== 'string' ||
    value.length > 64 ||
    !/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d{1,9})?)?([zZ]|[+-]\d\d:?\d\d)$/.test(value) ||
    Number.isNaN(Date.parse(value))
  )
    throw new SupplierFormatError(field, 'must be an ISO 8601 time with an offset');
  return new Date(value).toISOString();
}

function optional<T>(value: unknown, read: (v: unknown) => T): T | undefined {
  return value === undefined || value === null ? undefined : read(value);
}

// Controls (NUL, DEL, C1) and lone surrogates.
const CONTROL = /[\p{Cc}\p{Cs}]/u;
const CONTROL_GLOBAL = /[\p{Cc}\p{Cs}]/gu;

/**
 * A catalogue page. At most `maxItems` items (what we asked for, never above MAX_CATALOGUE_PAGE_SIZE), each
 * product once, every price a whole number of fen and every stock a whole number or null.
 */
export function parseCataloguePage(body: unknown, maxItems = MAX_CATALOGUE_PAGE_SIZE): CataloguePage {
  const b = object(body, 'body');
  if (!Array.isArray(b.items)) throw new SupplierFormatError('items', 'must be a list');
  const limit = Math.min(maxItems, MAX_CATALOGUE_PAGE_SIZE);
  if (b.items.length > limit) throw new SupplierFormatError('items', `must hold at most ${limit} products`);
  const seen = new Set<string>();
  const items = b.items.map((raw, i) => {
    const field = `items[${i}]`;
    const item = object(raw, field);
    const productId = identifier(item.productId, `${field}.productId`);
    if (seen.has(productId)) throw new SupplierFormatError(`${field}.productId`, 'appears twice on the page');
    seen.add(productId);
    return {
      productId,
      name: label(item.name, MAX_NAME_LENGTH, `${field}.name`),
      faceValue: fen(item.faceValue, `${field}.faceValue`),
      supplyPrice: fen(item.supplyPrice, `${field}.supplyPrice`),
      stock: stock(item.stock, `${field}.stock`),
      status: oneOf(item.status, PRODUCT_STATUSES, `${field}.status`),
      kind: oneOf(item.kind, PRODUCT_KINDS, `${field}.kind`),
    };
  });
  let nextCursor: string | null = null;
  if (b.nextCursor !== null && b.nextCursor !== undefined) {
    if (
      typeof b.nextCursor !== 'string' ||
      b.nextCursor.length === 0 ||
      b.nextCursor.length > MAX_CURSOR_LENGTH ||
      CONTROL.test(b.nextCursor)
    )
      throw new SupplierFormatError(
        'nextCursor',
        `must be null or text of 1 to ${MAX_CURSOR_LENGTH} characters`,
      );
    nextCursor = b.nextCursor;
  }
  return { items, nextCursor };
}

/** What the caller knows of the order it asked about; the answer must agree with it. */
export interface OrderExpectation {
  orderId: string;
  productId?: string;
  quantity?: number;
  /** The most we agreed to pay per unit: a charge above it breaks the contract. */
  maxUnitPrice?: number;
  /** From the request: a top-up (receipt) or a card-key order (cards). Unknown on a bare query. */
  kind?: ProductKind;
}

/**
 * An order answer (POST or GET /v1/orders, or a callback). Fulfilled: exactly `quantity` distinct secrets for a
 * card-key order, a receipt for a top-up; pending and refused: no cards. The secrets come back wrapped.
 */
export function parseWireOrder(body: unknown, expect?: OrderExpectation): SupplierOrder {
  const b = object(body, 'body');
  const orderId = identifier(b.orderId, 'orderId');
  if (expect && orderId !== expect.orderId)
    throw new SupplierFormatError('orderId', 'is not the order asked for');
  const productId = identifier(b.productId, 'productId');
  if (expect?.productId !== undefined && productId !== expect.productId)
    throw new SupplierFormatError('productId', 'is not the product ordered');
  const qty = quantity(b.quantity, 'quantity');
  if (expect?.quantity !== undefined && qty !== expect.quantity)
    throw new SupplierFormatError('quantity', 'is not the quantity ordered');
  const unitPrice = fen(b.unitPrice, 'unitPrice');
  if (expect?.maxUnitPrice !== undefined && unitPrice > expect.maxUnitPrice)
    throw new SupplierFormatError('unitPrice', 'is above the price agreed');
  const status = oneOf(b.status, ORDER_STATUSES, 'status');
  const order: SupplierOrder = {
    orderId,
    supplierOrderId: identifier(b.supplierOrderId, 'supplierOrderId'),
    productId,
    quantity: qty,
    unitPrice,
    status,
  };
  const hasCards = b.cards !== undefined && b.cards !== null;
  const hasReceipt = b.receipt !== undefined && b.receipt !== null;
  if (status === 'fulfilled') {
    const kind = expect?.kind ?? (hasReceipt && !hasCards ? 'topUp' : 'cardKey');
    if (kind === 'cardKey') {
      if (hasReceipt) throw new SupplierFormatError('receipt', 'must be absent on a card-key order');
      order.cards = cards(b.cards, qty);
    } else {
      if (hasCards) throw new SupplierFormatError('cards', 'must be absent on a top-up order');
      order.receipt = receipt(b.receipt);
    }
  } else {
    if (hasCards && !(Array.isArray(b.cards) && b.cards.length === 0))
      throw new SupplierFormatError('cards', `must be absent on a ${status} order`);
    if (hasReceipt) throw new SupplierFormatError('receipt', `must be absent on a ${status} order`);
  }
  if (status === 'refused')
    order.reason =
      isSupplierErrorCode(b.reason) && REFUSAL_CODES.has(b.reason) ? b.reason : FULFILMENT_FAILED;
  const message = freeText(b.message);
  if (message !== undefined) order.message = message;
  return order;
}

function cards(value: unknown, expected: number): { secret: CardSecret }[] {
  if (!Array.isArray(value) || value.length !== expected)
    throw new SupplierFormatError('cards', `must be a list of exactly ${expected} card(s), one per unit`);
  const seen = new Set<string>();
  return value.map((raw, i) => {
    const card = object(raw, `cards[${i}]`);
    const secret = card.secret;
    if (
      typeof secret !== 'string' ||
      secret.trim().length === 0 ||
      secret.length > MAX_SECRET_LENGTH ||
      secret.includes('\u0000')
    )
      throw new SupplierFormatError(
        `cards[${i}].secret`,
        `must be a non-blank secret of at most ${MAX_SECRET_LENGTH} characters`,
      );
    if (seen.has(secret))
      throw new SupplierFormatError(`cards[${i}].secret`, 'repeats a secret of this order');
    seen.add(secret);
    return { secret: new CardSecret(secret) };
  });
}

function receipt(value: unknown): TopUpReceipt {
  const r = object(value, 'receipt');
  const out: TopUpReceipt = { reference: label(r.reference, 128, 'receipt.reference') };
  const completedAt = optional(r.completedAt, (v) => isoTime(v, 'receipt.completedAt'));
  if (completedAt !== undefined) out.completedAt = completedAt;
  return out;
}

/** An error answer's body, or undefined when it is not one (a proxy's page, an unknown code). */
export function parseWireError(body: unknown): WireError | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const b = body as Record<string, unknown>;
  if (!isSupplierErrorCode(b.code)) return undefined;
  const error: WireError = { code: b.code, message: freeText(b.message) ?? '' };
  if (b.supplyPrice !== undefined) {
    try {
      error.supplyPrice = fen(b.supplyPrice, 'supplyPrice');
    } catch {
      // an unreadable price is left out; the refusal itself stands
    }
  }
  return error;
}

/** A notice batch: `{notices: [...]}`, 1 to MAX_NOTICES_PER_BATCH notices, each noticeId once. */
export function parseStockNoticeBatch(body: unknown): StockNotice[] {
  const b = object(body, 'body');
  if (!Array.isArray(b.notices) || b.notices.length === 0 || b.notices.length > MAX_NOTICES_PER_BATCH)
    throw new SupplierFormatError('notices', `must be a list of 1 to ${MAX_NOTICES_PER_BATCH} notices`);
  const seen = new Set<string>();
  return b.notices.map((raw, i) => {
    const field = `notices[${i}]`;
    const n = object(raw, field);
    const noticeId = identifier(n.noticeId, `${field}.noticeId`);
    if (seen.has(noticeId)) throw new SupplierFormatError(`${field}.noticeId`, 'appears twice in the batch');
    seen.add(noticeId);
    return {
      noticeId,
      productId: identifier(n.productId, `${field}.productId`),
      stock: stock(n.stock, `${field}.stock`),
      supplyPrice: fen(n.supplyPrice, `${field}.supplyPrice`),
      status: oneOf(n.status, PRODUCT_STATUSES, `${field}.status`),
      at: isoTime(n.at, `${field}.at`),
    };
  });
}

/**
 * `POST /v1/orders` as a supplier reads it (the simulator does), and as the client checks its own request before
 * sending it. Amounts in fen; a top-up's amount must be a whole number above 0.
 */
export function parsePlaceOrderRequest(body: unknown): PlaceOrderRequest {
  const b = object(body, 'body');
  const request: PlaceOrderRequest = {
    orderId: identifier(b.orderId, 'orderId'),
    productId: identifier(b.productId, 'productId'),
    quantity: quantity(b.quantity, 'quantity'),
    unitPrice: fen(b.unitPrice, 'unitPrice'),
  };
  const topUp = optional(b.topUp, topUpTarget);
  if (topUp) request.topUp = topUp;
  const callbackUrl = optional(b.callbackUrl, callback);
  if (callbackUrl) request.callbackUrl = callbackUrl;
  return request;
}

function topUpTarget(value: unknown): TopUpTarget {
  const t = object(value, 'topUp');
  const amount = fen(t.amount, 'topUp.amount');
  if (amount === 0) throw new SupplierFormatError('topUp.amount', 'must be above 0');
  const target: TopUpTarget = { account: account(t.account), amount };
  const server = optional(t.server, (v) => label(v, 64, 'topUp.server'));
  if (server !== undefined) target.server = server;
  const region = optional(t.region, (v) => label(v, 64, 'topUp.region'));
  if (region !== undefined) target.region = region;
  return target;
}

function account(value: unknown): string {
  if (
    typeof value !== 'string' ||
    value.length === 0 ||
    value.length > MAX_ACCOUNT_LENGTH ||
    CONTROL.test(value) ||
    /\s/u.test(value)
  )
    throw new SupplierFormatError(
      'topUp.account',
      `must be 1 to ${MAX_ACCOUNT_LENGTH} characters without spaces or control characters`,
    );
  return value;
}

function callback(value: unknown): string {
  if (typeof value !== 'string' || value.length > MAX_CALLBACK_URL_LENGTH)
    throw new SupplierFormatError(
      'callbackUrl',
      `must be a URL of at most ${MAX_CALLBACK_URL_LENGTH} characters`,
    );
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new SupplierFormatError('callbackUrl', 'must be an absolute http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new SupplierFormatError('callbackUrl', 'must be an absolute http(s) URL');
  if (url.username || url.password || url.hash)
    throw new SupplierFormatError('callbackUrl', 'must carry no credentials and no fragment');
  return value;
}
