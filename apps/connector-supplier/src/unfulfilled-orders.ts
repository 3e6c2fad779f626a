import type { Queryable } from '@libs/database';
import type { AlertSink } from '@libs/messaging';
import type { Logger } from 'pino';

interface Overdue {
  channel: string;
  channel_order_id: string;
  sku: string;
}

/**
 * PAID_NOT_FULFILLED: a paid order of a supplier-backed SKU that no supplier fulfilled within `afterMs` of its first
 * attempt (or of its last change, when no supplier was on sale to try) — still being forwarded, or given up after
 * every supplier failed. Raised once per order, resolved once the order leaves forwarding (fulfilled, refunded).
 * Reads the projector's reservations and this connector's supplier_forwards; remembers what it raised in
 * supplier_fulfilment_alerts.
 */
export class UnfulfilledOrders {
  constructor(
    private readonly db: Queryable,
    private readonly alerts: AlertSink,
    private readonly afterMs: number,
    private readonly logger: Logger,
  ) {}

  async check(now: number): Promise<{ raised: number; resolved: number }> {
    const present = await this.db.query<{ present: boolean }>(
      `SELECT to_regclass('reservations') IS NOT NULL AS present`,
    );
    if (present.rows[0]?.present !== true) return { raised: 0, resolved: 0 };
    const cutoff = new Date(now - this.afterMs);
    const { rows: overdue } = await this.db.query<Overdue>(
      `SELECT r.channel, r.channel_order_id, r.sku
         FROM reservations r
        WHERE r.status = 'forwarding'
          AND COALESCE((SELECT min(f.requested_at) FROM supplier_forwards f
                         WHERE f.channel = r.channel AND f.channel_order_id = r.channel_order_id), r.updated_at) < $1
          AND NOT EXISTS (SELECT 1 FROM supplier_fulfilment_alerts a
                           WHERE a.channel = r.channel AND a.channel_order_id = r.channel_order_id)
        LIMIT 500`,
      [cutoff],
    );
    for (const o of overdue) {
      this.logger.error(
        { channel: o.channel, orderId: o.channel_order_id, sku: o.sku, alert: 'PAID_NOT_FULFILLED' },
        'order paid but no supplier fulfilled it',
      );
      await this.alerts.raise({
        kind: 'PAID_NOT_FULFILLED',
        key: `${o.channel}:${o.channel_order_id}`,
        severity: 'critical',
        summary: `Order ${o.channel_order_id} on ${o.channel} (${o.sku}) is paid and no supplier fulfilled it after ${Math.round(this.afterMs / 1000)} s.`,
        labels: { channel: o.channel, sku: o.sku },
      });
      await this.db.query(
        `INSERT INTO supplier_fulfilment_alerts (channel, channel_order_id, sku, raised_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING`,
        [o.channel, o.channel_order_id, o.sku, new Date(now)],
      );
    }
    const { rows: settled } = await this.db.query<Overdue>(
      `SELECT a.channel, a.channel_order_id, a.sku FROM supplier_fulfilment_alerts a
        WHERE a.resolved_at IS NULL
          AND NOT EXISTS (SELECT 1 FROM reservations r WHERE r.channel = a.channel
                           AND r.channel_order_id = a.channel_order_id AND r.status = 'forwarding')
        LIMIT 500`,
    );
    for (const o of settled) {
      await this.alerts.resolve({
        kind: 'PAID_NOT_FULFILLED',
        key: `${o.channel}:${o.channel_order_id}`,
        severity: 'info',
        summary: `Order ${o.channel_order_id} on ${o.channel} (${o.sku}) is no longer waiting for a supplier.`,
        labels: { channel: o.channel, sku: o.sku },
      });
      await this.db.query(
        `UPDATE supplier_fulfilment_alerts SET resolved_at = $3 WHERE channel = $1 AND channel_order_id = $2`,
        [o.channel, o.channel_order_id, new Date(now)],
      );
    }
    return { raised: overdue.length, resolved: settled.length };
  }
}
