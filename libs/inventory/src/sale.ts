import { MAX_PRICE_MINOR } from './supply';

/**
 * What a platform said about a sale, kept with the order for the diversion (串货) rules, the order rules and the
 * reports: the unit price paid, where the buyer is, who the buyer is (the platform's opaque id, never a name or a
 * phone number), the buyer's IP where the platform gives one, and the selling shop or 分站. Every field is optional
 * (platforms send different things) and bounded; a card-key secret is never among them.
 */
export interface SaleObservation {
  /** Price paid per unit, integer fen. */
  readonly unitPrice?: number;
  readonly province?: string;
  readonly city?: string;
  /** The platform's own buyer id (Taobao buyer_open_uid, WeChat openid…): pseudonymous already. */
  readonly buyerRef?: string;
  /** The buyer's level or tier as the platform or shop names it (vip, wholesale…). */
  readonly buyerLevel?: string;
  /** IPv4 or IPv6, as the platform reported it. */
  readonly ip?: string;
  /** The selling shop or 分站, when one channel serves several. */
  readonly shop?: string;
}

/** The account a top-up (直充) order credits: a phone number, game id or membership account, and where. */
export interface TopUpTarget {
  readonly account: string;
  /** Game server or zone (区服), when the product needs one. */
  readonly server?: string;
  /** Carrier or game region, when the product needs one. */
  readonly region?: string;
  /**
   * What the supplier is to credit, fen: the order's quantity × the SKU's face value when it was reserved (set by
   * the decision, never taken from the order notice).
   */
  readonly amount?: number;
}

export const MAX_REGION_NAME_LENGTH = 32;
export const MAX_BUYER_REF_LENGTH = 128;
export const MAX_BUYER_LEVEL_LENGTH = 32;
export const MAX_SHOP_LENGTH = 128;
/** Longest textual IPv6 with an embedded IPv4 part. */
export const MAX_IP_LENGTH = 45;
export const MAX_TOP_UP_ACCOUNT_LENGTH = 64;
export const MAX_TOP_UP_DETAIL_LENGTH = 64;

/** Printable text without control, format or line-separator characters, trimmed, within `max` characters. */
function isCleanText(value: unknown, max: number): value is string {
  return (
    typeof value === 'string' &&
    value.length > 0 &&
    value.length <= max &&
    value.trim() === value &&
    !/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(value)
  );
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9A-Fa-f:.]{2,45}$/;

export function isIpAddress(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > MAX_IP_LENGTH) return false;
  if (IPV4.test(value)) return true;
  // IPv6: hex groups and colons (at most one '::'), optionally ending in an IPv4 part.
  if (!IPV6.test(value) || !value.includes(':') || value.includes(':::') || value.split('::').length > 2)
    return false;
  const tail = value.slice(value.lastIndexOf(':') + 1);
  const groups = value.split(':').filter((group) => group !== '');
  if (tail.includes('.') && !IPV4.test(tail)) return false;
  return groups.every((group) => group === tail || /^[0-9A-Fa-f]{1,4}$/.test(group)) && groups.length <= 8;
}

/**
 * The observation with only its well-formed fields, or undefined when none is left. Decisions and read models
 * take what this keeps; a malformed field is dropped, never the order (an observation is evidence, not a fact the
 * sale depends on).
 */
export function saleObservationOf(value: unknown): SaleObservation | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  const sale: { -readonly [K in keyof SaleObservation]: SaleObservation[K] } = {};
  if (
    Number.isSafeInteger(v.unitPrice) &&
    (v.unitPrice as number) >= 0 &&
    (v.unitPrice as number) <= MAX_PRICE_MINOR
  )
    sale.unitPrice = v.unitPrice as number;
  if (isCleanText(v.province, MAX_REGION_NAME_LENGTH)) sale.province = v.province;
  if (isCleanText(v.city, MAX_REGION_NAME_LENGTH)) sale.city = v.city;
  if (isCleanText(v.buyerRef, MAX_BUYER_REF_LENGTH)) sale.buyerRef = v.buyerRef;
  if (isCleanText(v.buyerLevel, MAX_BUYER_LEVEL_LENGTH)) sale.buyerLevel = v.buyerLevel;
  if (isIpAddress(v.ip)) sale.ip = v.ip;
  if (isCleanText(v.shop, MAX_SHOP_LENGTH)) sale.shop = v.shop;
  return Object.keys(sale).length === 0 ? undefined : sale;
}

/** The top-up target when it is well-formed (an account, and server/region when given), else undefined. */
export function topUpTargetOf(value: unknown): TopUpTarget | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  if (!isCleanText(v.account, MAX_TOP_UP_ACCOUNT_LENGTH)) return undefined;
  for (const detail of [v.server, v.region]) {
    if (detail !== undefined && detail !== null && !isCleanText(detail, MAX_TOP_UP_DETAIL_LENGTH))
      return undefined;
  }
  // The amount is never the notice's: the decision sets it from the SKU's face value.
  return {
    account: v.account,
    ...(typeof v.server === 'string' ? { server: v.server } : {}),
    ...(typeof v.region === 'string' ? { region: v.region } : {}),
  };
}
