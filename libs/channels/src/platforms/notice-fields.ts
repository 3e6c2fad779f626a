import { isIP } from 'class-validator';
import {
  MAX_BUYER_LEVEL_LENGTH,
  MAX_BUYER_REF_LENGTH,
  MAX_IP_LENGTH,
  MAX_LINE_QUANTITY,
  MAX_PRICE_MINOR,
  MAX_REGION_NAME_LENGTH,
  MAX_SHOP_LENGTH,
  MAX_TOP_UP_ACCOUNT_LENGTH,
  MAX_TOP_UP_DETAIL_LENGTH,
} from '@libs/inventory';
import { describeIdentifierProblem, normaliseIdentifier } from '@libs/messaging';
import {
  NoticeFormatError,
  type OrderStatus,
  type SaleNotice,
  type TopUpNotice,
} from '../inbound/order-notice';

/** Small readers for notification bodies: each failure names the field, which the 400 answer carries. */
export function obj(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new NoticeFormatError(`${field} must be an object`);
  return value as Record<string, unknown>;
}

/**
 * An order id or a SKU, under the identifier rule shared with the API and the topic schemas (NFKC, no control,
 * format or whitespace characters, at most 128 characters). Platforms that send numeric ids (Taobao `tid`,
 * WeChat `order_id`) get them as digits: `readNoticeBody` keeps a number a double cannot hold as its digit
 * string, and a number that reaches this point unsafe (already rounded by a plain JSON.parse) is refused.
 */
export function str(value: unknown, field: string): string {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0)
      throw new NoticeFormatError(
        `${field} must be an identifier: a number that is not a whole number below 2^53 would lose digits`,
        'IDENTIFIER.UNSAFE_NUMBER',
      );
    return String(value);
  }
  const result = normaliseIdentifier(value);
  if (!result.ok)
    throw new NoticeFormatError(
      `${field} must be an identifier: ${describeIdentifierProblem(value)}`,
      result.reason,
    );
  return result.value;
}

const DIGITS = /^[0-9]{1,16}$/;

/**
 * A line quantity: a whole number from 1 to the domain's ceiling (MAX_LINE_QUANTITY), as a JSON number or a
 * string of digits. `Number.isInteger` alone would take 1e300 or 3e9, which the stock columns cannot hold.
 * The connector's own, lower limits per line and per order are applied after parsing (`checkNoticeBounds`).
 */
export function positiveInt(value: unknown, field: string): number {
  const n = typeof value === 'string' && DIGITS.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1)
    throw new NoticeFormatError(`${field} must be a positive whole number`, 'QUANTITY.INVALID');
  if (n > MAX_LINE_QUANTITY)
    throw new NoticeFormatError(`${field} must be at most ${MAX_LINE_QUANTITY}`, 'QUANTITY.TOO_LARGE');
  return n;
}

export function list(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > 100)
    throw new NoticeFormatError(`${field} must be a list of 1 to 100 entries`);
  return value;
}

export function optionalTime(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value)) || !/[zZ]|[+-]\d\d:?\d\d$/.test(value)) {
    throw new NoticeFormatError(`${field} must be an ISO 8601 time with an offset`);
  }
  return new Date(value).toISOString();
}

/**
 * The order status a platform's event or status name stands for; undefined for a name that is not a stock fact
 * (acknowledged and ignored). A Map, not an object literal: `constructor` or `__proto__` would otherwise find
 * Object.prototype's members, which are not statuses. Such a name is refused as malformed (400) so that it is
 * neither emitted nor retried.
 */
export function statusNamed(
  statuses: ReadonlyMap<string, OrderStatus>,
  name: string,
  field: string,
): OrderStatus | undefined {
  if (Object.prototype.hasOwnProperty.call(Object.prototype, name) || name === '__proto__')
    throw new NoticeFormatError(`${field} must be an event or status name`, 'NOTICE.UNKNOWN_NAME');
  return statuses.get(name);
}

/*
 * Sale observations (price paid, buyer region, reference, level and IP, selling shop) are evidence for the rules
 * and reports, not facts the sale depends on: a field that cannot be read is left out, never the order. Text
 * follows the identifier rule the topic schema checks, so what is kept always passes it.
 */

/** Text under the identifier rule within `max` characters, else undefined. */
export function observedText(value: unknown, max: number): string | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) value = String(value);
  const result = normaliseIdentifier(value);
  return result.ok && result.value.length <= max ? result.value : undefined;
}

/** A price in integer fen (a whole number, or its digits as a string), else undefined. */
export function observedFen(value: unknown): number | undefined {
  const n = typeof value === 'string' && DIGITS.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 && n <= MAX_PRICE_MINOR ? n : undefined;
}

const YUAN = /^([0-9]{1,10})(?:\.([0-9]{1,2}))?$/;

/**
 * A price in yuan as platforms send it ("12.50", 12.5) turned into integer fen by its digits, never through a
 * float product (12.5 × 100 is exact, 0.29 × 100 is not); undefined when it has more than two decimals.
 */
export function observedYuan(value: unknown): number | undefined {
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  if (typeof text !== 'string') return undefined;
  const match = YUAN.exec(text);
  if (!match) return undefined;
  const fen = Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
  return fen <= MAX_PRICE_MINOR ? fen : undefined;
}

export function observedIp(value: unknown): string | undefined {
  return typeof value === 'string' && value.length <= MAX_IP_LENGTH && isIP(value) ? value : undefined;
}

/** The readable observations, or undefined when none is. */
export function saleNotice(fields: {
  province?: unknown;
  city?: unknown;
  buyerRef?: unknown;
  buyerLevel?: unknown;
  ip?: unknown;
  shop?: unknown;
}): SaleNotice | undefined {
  const sale: SaleNotice = {};
  const province = observedText(fields.province, MAX_REGION_NAME_LENGTH);
  const city = observedText(fields.city, MAX_REGION_NAME_LENGTH);
  const buyerRef = observedText(fields.buyerRef, MAX_BUYER_REF_LENGTH);
  const buyerLevel = observedText(fields.buyerLevel, MAX_BUYER_LEVEL_LENGTH);
  const ip = observedIp(fields.ip);
  const shop = observedText(fields.shop, MAX_SHOP_LENGTH);
  if (province !== undefined) sale.province = province;
  if (city !== undefined) sale.city = city;
  if (buyerRef !== undefined) sale.buyerRef = buyerRef;
  if (buyerLevel !== undefined) sale.buyerLevel = buyerLevel;
  if (ip !== undefined) sale.ip = ip;
  if (shop !== undefined) sale.shop = shop;
  return Object.keys(sale).length === 0 ? undefined : sale;
}

/**
 * The account a top-up order credits. Unlike an observation it is what the sale is for: present but unreadable,
 * the notice is refused (400), since forwarding it would credit no one or the wrong account.
 */
export function topUpNotice(value: unknown, field: string): TopUpNotice | undefined {
  if (value === undefined || value === null) return undefined;
  const o = obj(value, field);
  const text = (v: unknown, name: string, max: number): string => {
    const read = str(v, `${field}.${name}`);
    if (read.length > max)
      throw new NoticeFormatError(`${field}.${name} must be at most ${max} characters`, 'TOP_UP.TOO_LONG');
    return read;
  };
  const optional = (v: unknown, name: string) =>
    v === undefined || v === null ? undefined : text(v, name, MAX_TOP_UP_DETAIL_LENGTH);
  const server = optional(o.server, 'server');
  const region = optional(o.region, 'region');
  return {
    account: text(o.account, 'account', MAX_TOP_UP_ACCOUNT_LENGTH),
    ...(server === undefined ? {} : { server }),
    ...(region === undefined ? {} : { region }),
  };
}
