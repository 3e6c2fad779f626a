/*
 * The upstream supplier contract v1 (libs/suppliers/openapi.yaml): what a main station (主站) or an upstream
 * supplier (货源) serves so that StockSync can resell its goods. JSON both ways, every money amount an integer
 * number of fen, every request signed like our webhooks (libs/channels webhook-signature), stable error codes.
 *
 * Wire shapes (what travels as JSON) are named `Wire…`; what the client hands its callers after validation
 * carries the same fields, with card secrets wrapped (`CardSecret`) so they never reach a log by accident.
 */

/** Header naming the caller's app id; the secret that signs the request belongs to it. */
export const APP_ID_HEADER = 'x-stocksync-app-id';

/** Catalogue page size: the default and the most a supplier may be asked for (and may answer with). */
export const DEFAULT_CATALOGUE_PAGE_SIZE = 100;
export const MAX_CATALOGUE_PAGE_SIZE = 500;
/** Most notices in one notice batch. */
export const MAX_NOTICES_PER_BATCH = 500;
/** Most units in one order (card keys, or top-up units). */
export const MAX_ORDER_QUANTITY = 1_000;
/** Longest card secret, in characters (as the shop contract delivers them). */
export const MAX_SECRET_LENGTH = 4_096;
/** Largest money amount accepted anywhere in the contract: 10^11 fen (one billion yuan). */
export const MAX_AMOUNT_FEN = 100_000_000_000;
/** Largest finite stock a supplier may report. */
export const MAX_STOCK = 1_000_000_000;
/** Longest catalogue cursor. */
export const MAX_CURSOR_LENGTH = 512;
/** Longest product name. */
export const MAX_NAME_LENGTH = 256;
/** Longest free text (error messages, receipts) kept from a supplier's answer; longer text is cut. */
export const MAX_MESSAGE_LENGTH = 500;
/** Longest top-up account (phone number, QQ number, game account, e-mail). */
export const MAX_ACCOUNT_LENGTH = 128;
/** Longest callback URL. */
export const MAX_CALLBACK_URL_LENGTH = 2_048;

export type ProductStatus = 'on_sale' | 'off_sale';
export type ProductKind = 'cardKey' | 'topUp';
export type OrderStatus = 'fulfilled' | 'pending' | 'refused';

/** One product in the supplier's catalogue. */
export interface CatalogueItem {
  productId: string;
  name: string;
  /** What one unit is worth to the buyer (面值), in fen. */
  faceValue: number;
  /** What the supplier charges us per unit (拿货价), in fen. */
  supplyPrice: number;
  /** Units the supplier can sell now; null: unlimited (a top-up channel). Never -1. */
  stock: number | null;
  status: ProductStatus;
  kind: ProductKind;
}

export interface CataloguePage {
  items: CatalogueItem[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

/** A top-up's target (直充): the account credited and the amount in fen (= quantity × faceValue). */
export interface TopUpTarget {
  account: string;
  amount: number;
  server?: string;
  region?: string;
}

/** `POST /v1/orders`. */
export interface PlaceOrderRequest {
  /** Ours, and the idempotency key: the same orderId again returns the same order, never a second one. */
  orderId: string;
  productId: string;
  quantity: number;
  /** The most we pay per unit, in fen: refused with SUPPLIER.PRICE_CHANGED if the supply price rose above it. */
  unitPrice: number;
  /** Required for a top-up product, absent for a card-key product. */
  topUp?: TopUpTarget;
  /** Where the supplier posts the final order when it answered `pending`. */
  callbackUrl?: string;
}

/** Proof of a top-up the supplier performed. */
export interface TopUpReceipt {
  /** The operator's or carrier's transaction number. */
  reference: string;
  /** When it completed (ISO 8601). */
  completedAt?: string;
}

/** An order as the supplier answers it on the wire (POST and GET /v1/orders, and the callback). */
export interface WireOrder {
  orderId: string;
  supplierOrderId: string;
  productId: string;
  quantity: number;
  /** What the supplier charged per unit, in fen (at most the unitPrice asked). */
  unitPrice: number;
  status: OrderStatus;
  /** Card-key product, fulfilled: exactly `quantity` distinct secrets. */
  cards?: { secret: string }[];
  /** Top-up product, fulfilled. */
  receipt?: TopUpReceipt;
  /** Refused: why (a refusal code). */
  reason?: SupplierErrorCode;
  message?: string;
}

/**
 * A card key as the client hands it over: `reveal()` gives the secret; printing, logging or serialising it gives
 * `[card secret]`, so an order object that reaches a log line or an error carries no key.
 */
export class CardSecret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The key itself: for sealing into the vault or handing to the buyer, nothing else. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return '[card secret]';
  }

  toJSON(): string {
    return '[card secret]';
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return '[card secret]';
  }
}

/** A validated order: the wire order with its secrets wrapped. */
export interface SupplierOrder extends Omit<WireOrder, 'cards'> {
  cards?: { secret: CardSecret }[];
}

/** A change in a product's stock, price or status, posted by the supplier (signed) to our notice URL. */
export interface StockNotice {
  /** Unique per notice (dedupe: a notice may be posted again). */
  noticeId: string;
  productId: string;
  stock: number | null;
  supplyPrice: number;
  status: ProductStatus;
  /** When the supplier's stock had this value (ISO 8601); an older notice than one applied is stale. */
  at: string;
}

/** The body of a notice post: one or more notices. */
export interface StockNoticeBatch {
  notices: StockNotice[];
}

/** The stable error codes of the contract, with the HTTP status each is answered with. */
export const SUPPLIER_ERROR_STATUS = {
  'SUPPLIER.INVALID_REQUEST': 400,
  'SUPPLIER.BAD_SIGNATURE': 401,
  'SUPPLIER.INSUFFICIENT_BALANCE': 402,
  'SUPPLIER.PRODUCT_UNKNOWN': 404,
  'SUPPLIER.ORDER_UNKNOWN': 404,
  'SUPPLIER.OUT_OF_STOCK': 409,
  'SUPPLIER.PRODUCT_OFF_SALE': 409,
  'SUPPLIER.PRICE_CHANGED': 409,
  'SUPPLIER.ORDER_CONFLICT': 409,
  'SUPPLIER.TOP_UP_ACCOUNT_INVALID': 422,
  'SUPPLIER.RATE_LIMITED': 429,
  'SUPPLIER.UNAVAILABLE': 503,
} as const;

/** Never an HTTP error: the `reason` of an order the supplier accepted (`pending`) and then could not carry out. */
export const FULFILMENT_FAILED = 'SUPPLIER.FULFILMENT_FAILED';

export type SupplierErrorCode = keyof typeof SUPPLIER_ERROR_STATUS | typeof FULFILMENT_FAILED;

/**
 * Codes that are a definite "no" to an order: nothing was created for this request and nothing will be, so the
 * next supplier may be tried. (ORDER_UNKNOWN answers a query; UNAVAILABLE and anything unreadable are *unknown*.)
 */
export const REFUSAL_CODES: ReadonlySet<SupplierErrorCode> = new Set<SupplierErrorCode>([
  'SUPPLIER.INVALID_REQUEST',
  'SUPPLIER.BAD_SIGNATURE',
  'SUPPLIER.INSUFFICIENT_BALANCE',
  'SUPPLIER.PRODUCT_UNKNOWN',
  'SUPPLIER.OUT_OF_STOCK',
  'SUPPLIER.PRODUCT_OFF_SALE',
  'SUPPLIER.PRICE_CHANGED',
  'SUPPLIER.ORDER_CONFLICT',
  'SUPPLIER.TOP_UP_ACCOUNT_INVALID',
  'SUPPLIER.RATE_LIMITED',
  'SUPPLIER.FULFILMENT_FAILED',
]);

export function isSupplierErrorCode(value: unknown): value is SupplierErrorCode {
  return (
    value === FULFILMENT_FAILED ||
    (typeof value === 'string' && Object.prototype.hasOwnProperty.call(SUPPLIER_ERROR_STATUS, value))
  );
}

/** An error answer: `{code, message}`, plus the current price with PRICE_CHANGED. */
export interface WireError {
  code: SupplierErrorCode;
  message: string;
  /** PRICE_CHANGED: the supply price now, in fen. */
  supplyPrice?: number;
}

/** One supplier as configured. */
export interface SupplierConfig {
  /** Our name for it (lower case, as in channel codes): `upstream-a`. */
  id: string;
  /** Its base URL; the contract's paths start with /v1. */
  baseUrl: string;
  /** The app id it issued us, sent in `x-stocksync-app-id`. */
  appId: string;
  /** The secret that signs our requests and its notices and callbacks. Never logged. */
  secret: string;
  /** How long one call may take before its outcome is *unknown*. */
  timeoutMs: number;
  /** How often to read its catalogue when it sends no notices (and as a safety net when it does). */
  pollIntervalMs: number;
  /** Whether it posts stock/price notices; without them the catalogue is polled. */
  noticesEnabled: boolean;
}
