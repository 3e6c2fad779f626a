import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { PlatformCallError } from '../outbound/platform-errors';

/** What a buyer's delivery link opens: the units of one order on one channel. Nothing in it is secret. */
export interface DeliveryLinkClaim {
  channel: string;
  orderId: string;
  sku: string;
  unitIds: string[];
  /** A loop key bought several times in one order: copies per unit id (absent means one). */
  copies?: Record<string, number>;
  /** Expiry, Unix milliseconds. */
  expiresAt: number;
}

export type DeliveryLinkCheck =
  | { ok: true; claim: DeliveryLinkClaim; linkId: string }
  | { ok: false; code: 'DELIVERY_LINK.MALFORMED' | 'DELIVERY_LINK.BAD_SIGNATURE' | 'DELIVERY_LINK.EXPIRED' };

export const DEFAULT_DELIVERY_LINK_TTL_MS = 7 * 24 * 3600 * 1000;

/**
 * The buyer's way to a card key on a marketplace whose no-logistics shipping call has no channel for a secret:
 * a link to StockSync's own delivery page, `<pageUrl>/deliveries/<payload>.<hmac>`. The payload (base64url JSON)
 * names channel, order, SKU, units and expiry; the HMAC-SHA256 under DELIVERY_LINK_SECRET makes it unforgeable.
 * After a rotation the old secret goes in DELIVERY_LINK_PREVIOUS_SECRETS: it still verifies, it never signs.
 * The same (channel, order, units) always gives the same link within one expiry, so a repeated delivery call
 * hands the platform the same text (idempotent on (order, unit)).
 */
export class DeliveryLinks {
  private readonly secrets: readonly string[];

  constructor(
    private readonly options: {
      /** Signs new links and verifies. */
      secret: string;
      /** Verify only: links sent before a rotation keep opening until they expire. */
      previousSecrets?: readonly string[];
      pageUrl: string;
      ttlMs?: number;
      now?: () => number;
    },
  ) {
    if (options.secret.length < 32) throw new Error('DELIVERY_LINK_SECRET must be at least 32 characters');
    if ((options.previousSecrets ?? []).some((s) => s.length < 32))
      throw new Error('DELIVERY_LINK_PREVIOUS_SECRETS must each be at least 32 characters');
    this.secrets = [options.secret, ...(options.previousSecrets ?? [])];
  }

  /** The link for these units; `issuedAt` pins the expiry so a retried delivery issues the same link. */
  issue(claim: Omit<DeliveryLinkClaim, 'expiresAt'>, issuedAt = this.now()): string {
    const full: DeliveryLinkClaim = {
      channel: claim.channel,
      orderId: claim.orderId,
      sku: claim.sku,
      unitIds: [...claim.unitIds].sort(),
      ...(claim.copies && Object.keys(claim.copies).length > 0 ? { copies: claim.copies } : {}),
      expiresAt: issuedAt + (this.options.ttlMs ?? DEFAULT_DELIVERY_LINK_TTL_MS),
    };
    const payload = Buffer.from(JSON.stringify(full)).toString('base64url');
    return `${this.options.pageUrl.replace(/\/+$/, '')}/deliveries/${payload}.${this.mac(payload, this.options.secret)}`;
  }

  /** Checks a token (the path segment after /deliveries/): signature first, then expiry. */
  verify(token: string): DeliveryLinkCheck {
    const [payload, mac, extra] = token.split('.');
    if (!payload || !mac || extra !== undefined) return { ok: false, code: 'DELIVERY_LINK.MALFORMED' };
    const given = Buffer.from(mac);
    // Every secret is tried (no early exit), so the time taken does not tell which one matched.
    let signed = false;
    for (const secret of this.secrets) {
      const expected = Buffer.from(this.mac(payload, secret));
      if (given.length === expected.length && timingSafeEqual(given, expected)) signed = true;
    }
    if (!signed) return { ok: false, code: 'DELIVERY_LINK.BAD_SIGNATURE' };
    const claim = decodeDeliveryLinkPayload(payload);
    if (!claim) return { ok: false, code: 'DELIVERY_LINK.MALFORMED' };
    if (this.now() >= claim.expiresAt) return { ok: false, code: 'DELIVERY_LINK.EXPIRED' };
    return { ok: true, claim, linkId: deliveryLinkId(token) };
  }

  private mac(payload: string, secret: string): string {
    return createHmac('sha256', secret).update(`stocksync-delivery-link:${payload}`).digest('base64url');
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}

/** The claim a link carries, unverified (a platform, or a simulator, can read it; only StockSync can sign it). */
export function decodeDeliveryLinkPayload(payload: string): DeliveryLinkClaim | undefined {
  try {
    const c = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as DeliveryLinkClaim;
    const ok =
      typeof c.channel === 'string' &&
      typeof c.orderId === 'string' &&
      typeof c.sku === 'string' &&
      Array.isArray(c.unitIds) &&
      c.unitIds.every((u) => typeof u === 'string') &&
      Number.isSafeInteger(c.expiresAt);
    return ok ? c : undefined;
  } catch {
    return undefined;
  }
}

/** A short, non-secret name for a link (its views are counted under it). */
export function deliveryLinkId(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 32);
}

/**
 * The link an adapter hands the platform for these cards. Without configured links there is no sanctioned way
 * to reach the buyer: the delivery is refused (not retryable) rather than sent anywhere else.
 */
export function linkForCards(
  links: DeliveryLinks | undefined,
  channel: string,
  orderId: string,
  sku: string,
  cards: readonly { unitId: string; copies?: number }[],
): string {
  if (!links)
    throw new PlatformCallError(
      'DELIVERY.LINKS_NOT_CONFIGURED',
      `${channel} card keys go to the buyer through a signed delivery link; DELIVERY_LINK_SECRET is not set`,
      false,
    );
  const copies = Object.fromEntries(
    cards.filter((c) => (c.copies ?? 1) > 1).map((c) => [c.unitId, c.copies!]),
  );
  return links.issue({ channel, orderId, sku, unitIds: cards.map((c) => c.unitId), copies });
}

/** A tracking number for platforms that require one: the link's id (not the token, so not the link itself). */
export function trackingNumberOf(link: string): string {
  return `SS${deliveryLinkId(link.slice(link.lastIndexOf('/') + 1))
    .slice(0, 18)
    .toUpperCase()}`;
}
