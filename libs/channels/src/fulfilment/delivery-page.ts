import type { MigrationSet } from '@libs/database';
import type { Pool } from 'pg';
import type { DeliveryLinks } from '../platforms/delivery-link';

/** The views counted per delivery link (one row per link that was opened). */
export const deliveryPageMigrations: MigrationSet = {
  component: 'delivery-page',
  migrations: [
    {
      version: 1,
      name: 'delivery link views',
      up: `
CREATE TABLE delivery_link_views (
  link_id         text        PRIMARY KEY,
  channel         text        NOT NULL,
  order_id        text        NOT NULL,
  views           integer     NOT NULL,
  first_viewed_at timestamptz NOT NULL DEFAULT now(),
  last_viewed_at  timestamptz NOT NULL DEFAULT now()
);`,
    },
  ],
};

/** What the page needs from the vault: a reveal bound to the order (the vault refuses units not allocated to it). */
export interface OrderBoundRevealer {
  reveal(unitId: string, context: { channel: string; orderId: string; actor: string }): Promise<string>;
}

export interface DeliveryPageAnswer {
  status: number;
  html: string;
}

/** The vault's record of reveals names this actor for the buyer page. */
export const DELIVERY_PAGE_ACTOR = 'buyer-delivery-page';

/**
 * The buyer's page behind a marketplace delivery link: checks the link's HMAC and expiry, counts the view
 * (at most `maxViews` per link, counted before any reveal so a failing page cannot be reloaded without bound),
 * then reveals through the vault for that (channel, order) only and shows the keys. The answer is never cached.
 */
export class DeliveryPage {
  constructor(
    private readonly pool: Pool,
    private readonly links: DeliveryLinks,
    private readonly vault: OrderBoundRevealer,
    private readonly options: { channel: string; maxViews: number },
  ) {}

  async open(token: string): Promise<DeliveryPageAnswer> {
    const check = this.links.verify(token);
    if (!check.ok) {
      return check.code === 'DELIVERY_LINK.EXPIRED'
        ? page(410, 'This delivery link has expired. Please contact the seller.')
        : page(404, 'This delivery link is not valid.');
    }
    const { claim, linkId } = check;
    // A link signed for another connector's channel is not this page's to open.
    if (claim.channel !== this.options.channel) return page(404, 'This delivery link is not valid.');
    const counted = await this.pool.query<{ views: number }>(
      `INSERT INTO delivery_link_views (link_id, channel, order_id, views) VALUES ($1, $2, $3, 1)
       ON CONFLICT (link_id) DO UPDATE SET views = delivery_link_views.views + 1, last_viewed_at = now()
         WHERE delivery_link_views.views < $4
       RETURNING views`,
      [linkId, claim.channel, claim.orderId, this.options.maxViews],
    );
    if (counted.rowCount === 0)
      return page(
        410,
        'This delivery link has been opened the maximum number of times. Please contact the seller.',
      );
    const secrets: { secret: string; copies: number }[] = [];
    for (const unitId of claim.unitIds) {
      try {
        const secret = await this.vault.reveal(unitId, {
          channel: claim.channel,
          orderId: claim.orderId,
          actor: DELIVERY_PAGE_ACTOR,
        });
        // A loop key bought several times is one key, valid for that many uses.
        secrets.push({ secret, copies: claim.copies?.[unitId] ?? 1 });
      } catch (err) {
        // The vault refuses a unit not allocated to this order; any other failure is ours, not the buyer's.
        if ((err as { code?: string }).code === 'CARD_VAULT.NOT_ALLOCATED')
          return page(404, 'Nothing to deliver.');
        throw err;
      }
    }
    const left = this.options.maxViews - counted.rows[0]!.views;
    return page(
      200,
      `<p>Order ${escapeHtml(claim.orderId)}: your card key${secrets.length > 1 ? 's' : ''}</p><ul>${secrets
        .map(
          (s) => `<li><code>${escapeHtml(s.secret)}</code>${s.copies > 1 ? ` &times; ${s.copies}` : ''}</li>`,
        )
        .join('')}</ul><p>This page can be opened ${left} more time${left === 1 ? '' : 's'}.</p>`,
    );
  }
}

/** Headers every answer of the page carries: nothing cached, no referrer carrying the token elsewhere. */
export const DELIVERY_PAGE_HEADERS: Readonly<Record<string, string>> = {
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-robots-tag': 'noindex',
  'content-security-policy': "default-src 'none'",
  'content-type': 'text/html; charset=utf-8',
};

function page(status: number, body: string): DeliveryPageAnswer {
  return {
    status,
    html: `<!doctype html><html><head><meta charset="utf-8"><title>Delivery</title></head><body>${
      body.startsWith('<') ? body : `<p>${escapeHtml(body)}</p>`
    }</body></html>`,
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
