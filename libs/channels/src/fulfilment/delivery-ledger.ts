import type { Queryable } from '@libs/database';

export interface DueDelivery {
  channel: string;
  orderId: string;
  unitId: string;
  sku: string;
  attempts: number;
}

/**
 * card_key_deliveries: one row per (channel, order id, unit id), so however often an allocation is announced
 * the key is queued once. A claimed row gets a lease (next_attempt_at in the future): a connector that dies
 * mid-delivery leaves the row to be claimed again after the lease, and the platform's delivery call is
 * idempotent on (order, unit), so the buyer still receives the key once.
 */
export class DeliveryLedger {
  constructor(private readonly db: Queryable) {}

  /** Returns how many rows were new. */
  async recordAllocation(
    channel: string,
    orderId: string,
    sku: string,
    unitIds: readonly string[],
  ): Promise<number> {
    const r = await this.db.query(
      `INSERT INTO card_key_deliveries (channel, order_id, unit_id, sku)
       SELECT $1, $2, unit_id, $3 FROM unnest($4::text[]) AS unit_id
       ON CONFLICT DO NOTHING`,
      [channel, orderId, sku, [...new Set(unitIds)]],
    );
    return r.rowCount ?? 0;
  }

  async claimDue(channel: string, limit: number, leaseMs: number): Promise<DueDelivery[]> {
    const { rows } = await this.db.query<{
      channel: string;
      order_id: string;
      unit_id: string;
      sku: string;
      attempts: number;
    }>(
      `UPDATE card_key_deliveries d
          SET attempts = d.attempts + 1, next_attempt_at = now() + ($3 * interval '1 millisecond')
        WHERE (d.channel, d.order_id, d.unit_id) IN (
          SELECT channel, order_id, unit_id FROM card_key_deliveries
           WHERE channel = $1 AND state = 'pending' AND next_attempt_at <= now()
           ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED)
        RETURNING d.channel, d.order_id, d.unit_id, d.sku, d.attempts`,
      [channel, limit, leaseMs],
    );
    return rows.map((r) => ({
      channel: r.channel,
      orderId: r.order_id,
      unitId: r.unit_id,
      sku: r.sku,
      attempts: r.attempts,
    }));
  }

  async markDelivered(channel: string, orderId: string, unitIds: readonly string[]): Promise<void> {
    await this.db.query(
      `UPDATE card_key_deliveries SET state = 'delivered', delivered_at = now(), last_error = NULL
        WHERE channel = $1 AND order_id = $2 AND unit_id = ANY($3::text[]) AND state = 'pending'`,
      [channel, orderId, unitIds],
    );
  }

  /** Schedules another attempt, or gives up (state 'failed') when `retryInMs` is undefined. */
  async markAttemptFailed(
    channel: string,
    orderId: string,
    unitIds: readonly string[],
    error: string,
    retryInMs: number | undefined,
  ): Promise<void> {
    await this.db.query(
      `UPDATE card_key_deliveries
          SET last_error = $4,
              state = CASE WHEN $5::bigint IS NULL THEN 'failed' ELSE state END,
              next_attempt_at = now() + (coalesce($5::bigint, 0) * interval '1 millisecond')
        WHERE channel = $1 AND order_id = $2 AND unit_id = ANY($3::text[]) AND state = 'pending'`,
      [channel, orderId, unitIds, error.slice(0, 500), retryInMs ?? null],
    );
  }

  /**
   * Orders whose keys were allocated (the order is paid) more than `olderThanMs` ago and are still not delivered.
   * `newlyOverdue` are those not alerted before; they are marked so the alert is raised once per order.
   */
  async overdue(
    channel: string,
    olderThanMs: number,
  ): Promise<{ count: number; newlyOverdue: { orderId: string; sku: string }[] }> {
    const fresh = await this.db.query<{ order_id: string; sku: string }>(
      `UPDATE card_key_deliveries SET alerted_at = now()
        WHERE channel = $1 AND state <> 'delivered' AND alerted_at IS NULL
          AND allocated_at < now() - ($2 * interval '1 millisecond')
        RETURNING order_id, sku`,
      [channel, olderThanMs],
    );
    const total = await this.db.query<{ n: string }>(
      `SELECT count(DISTINCT order_id) AS n FROM card_key_deliveries
        WHERE channel = $1 AND state <> 'delivered' AND allocated_at < now() - ($2 * interval '1 millisecond')`,
      [channel, olderThanMs],
    );
    const seen = new Set<string>();
    const newlyOverdue = fresh.rows
      .filter((r) => !seen.has(r.order_id) && seen.add(r.order_id))
      .map((r) => ({ orderId: r.order_id, sku: r.sku }));
    return { count: Number(total.rows[0].n), newlyOverdue };
  }
}
