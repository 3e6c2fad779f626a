import { randomUUID } from 'node:crypto';
import type { Queryable } from '@libs/database';

export interface DueDelivery {
  channel: string;
  orderId: string;
  unitId: string;
  sku: string;
  attempts: number;
  /** How many copies of this key the order bought: above 1 only for a loop key. */
  copies: number;
  loop: boolean;
  /** How long the row waited in the ledger before this claim, by the database's clock. */
  waitedMs: number;
}

/** Rows claimed together, and the token every later write on them must name. */
export interface DeliveryClaim {
  token: string;
  rows: DueDelivery[];
}

/** A unit allocated to an order: a single key (count 1) or a loop key sold `count` times to this order. */
export interface AllocatedUnit {
  unitId: string;
  count: number;
  loop: boolean;
}

export interface RecordedAllocation {
  /** Rows that were new. */
  added: number;
  /** Single keys already queued for another order (or another channel): refused, never delivered here. */
  conflicts: string[];
}

/**
 * card_key_deliveries: one row per (channel, order id, unit id), so however often an allocation is announced
 * the key is queued once, and a single key (not a loop key) belongs to one order only (unique index on
 * unit_id). A loop key is one row per order with the number of copies bought.
 *
 * Claims are fenced: `claimDue` gives the rows a lease (next_attempt_at in the future) and a fresh claim token.
 * Every later write names that token and changes nothing once the row was claimed again (its lease ran out and
 * another worker took it), so a slow worker can neither cut short the new owner's lease nor mark done a
 * delivery it no longer owns. A worker keeps its lease alive with `renew` while its platform call is in flight.
 */
export class DeliveryLedger {
  constructor(private readonly db: Queryable) {}

  async recordAllocation(
    channel: string,
    orderId: string,
    sku: string,
    units: readonly AllocatedUnit[],
  ): Promise<RecordedAllocation> {
    const [recorded] = await this.recordAllocations(channel, [{ orderId, sku, units }]);
    return recorded;
  }

  /**
   * Records the allocations of many orders in one statement (a connector's batch of announcements); answers per
   * order, in the order given. One more query only when some single key was already queued.
   */
  async recordAllocations(
    channel: string,
    allocations: readonly { orderId: string; sku: string; units: readonly AllocatedUnit[] }[],
  ): Promise<RecordedAllocation[]> {
    const merged = allocations.map((a) => ({ ...a, units: mergeUnits(a.units) }));
    const rows = merged.flatMap((a) => a.units.map((u) => ({ orderId: a.orderId, sku: a.sku, ...u })));
    if (rows.length === 0) return merged.map(() => ({ added: 0, conflicts: [] }));
    const { rows: inserted } = await this.db.query<{ order_id: string; unit_id: string }>(
      `INSERT INTO card_key_deliveries (channel, order_id, unit_id, sku, copies, loop)
       SELECT $1, u.order_id, u.unit_id, u.sku, u.copies, u.loop
         FROM unnest($2::text[], $3::text[], $4::text[], $5::int[], $6::bool[]) AS u(order_id, unit_id, sku, copies, loop)
       ON CONFLICT DO NOTHING
       RETURNING order_id, unit_id`,
      [
        channel,
        rows.map((r) => r.orderId),
        rows.map((r) => r.unitId),
        rows.map((r) => r.sku),
        rows.map((r) => r.count),
        rows.map((r) => r.loop),
      ],
    );
    const added = new Set(inserted.map((r) => rowKey(r.order_id, r.unit_id)));
    // Rows that existed: a redelivered message (same order, fine) or a single key queued for another order.
    const existing = rows.filter((r) => !r.loop && !added.has(rowKey(r.orderId, r.unitId)));
    const conflicts = new Set<string>();
    if (existing.length > 0) {
      const { rows: taken } = await this.db.query<{ order_id: string; unit_id: string }>(
        `SELECT a.order_id, a.unit_id
           FROM unnest($2::text[], $3::text[]) AS a(order_id, unit_id)
           JOIN card_key_deliveries d ON d.unit_id = a.unit_id
          WHERE NOT d.loop AND d.state <> 'withdrawn' AND (d.channel, d.order_id) <> ($1, a.order_id)`,
        [channel, existing.map((r) => r.orderId), existing.map((r) => r.unitId)],
      );
      for (const t of taken) conflicts.add(rowKey(t.order_id, t.unit_id));
    }
    // The same announcement twice in one batch: the row it added is counted for the first copy only.
    return merged.map((a) => ({
      added: a.units.filter((u) => added.delete(rowKey(a.orderId, u.unitId))).length,
      conflicts: a.units.filter((u) => conflicts.has(rowKey(a.orderId, u.unitId))).map((u) => u.unitId),
    }));
  }

  /**
   * Claims due rows under a fresh token: at most `limit` rows, or (`per: 'order'`) every due row of at most `limit`
   * orders, so an order's keys go out in one call when a delivery slot takes it whole.
   */
  async claimDue(
    channel: string,
    limit: number,
    leaseMs: number,
    per: 'row' | 'order' = 'row',
  ): Promise<DeliveryClaim> {
    const token = randomUUID();
    // The orders: the first due ones by their oldest row, looked for among a bounded number of the first due rows.
    const due =
      per === 'row'
        ? `SELECT channel, order_id, unit_id FROM card_key_deliveries
            WHERE channel = $1 AND state = 'pending' AND next_attempt_at <= now()
            ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED`
        : `SELECT c.channel, c.order_id, c.unit_id FROM card_key_deliveries c
            WHERE c.channel = $1 AND c.state = 'pending' AND c.next_attempt_at <= now()
              AND c.order_id IN (
                SELECT order_id FROM (
                  SELECT order_id, next_attempt_at FROM card_key_deliveries
                   WHERE channel = $1 AND state = 'pending' AND next_attempt_at <= now()
                   ORDER BY next_attempt_at LIMIT $2 * 8) AS first_due
                 GROUP BY order_id ORDER BY min(next_attempt_at) LIMIT $2)
            FOR UPDATE OF c SKIP LOCKED`;
    const { rows } = await this.db.query<{
      channel: string;
      order_id: string;
      unit_id: string;
      sku: string;
      attempts: number;
      copies: number;
      loop: boolean;
      waited_ms: number;
    }>(
      `UPDATE card_key_deliveries d
          SET attempts = d.attempts + 1, next_attempt_at = now() + ($3 * interval '1 millisecond'),
              claim_token = $4
        WHERE (d.channel, d.order_id, d.unit_id) IN (${due})
        RETURNING d.channel, d.order_id, d.unit_id, d.sku, d.attempts, d.copies, d.loop,
                  (extract(epoch FROM now() - d.allocated_at) * 1000)::float8 AS waited_ms`,
      [channel, limit, leaseMs, token],
    );
    return {
      token,
      rows: rows.map((r) => ({
        channel: r.channel,
        orderId: r.order_id,
        unitId: r.unit_id,
        sku: r.sku,
        attempts: r.attempts,
        copies: r.copies,
        loop: r.loop,
        waitedMs: r.waited_ms,
      })),
    };
  }

  /**
   * Extends the lease of the rows this claim still owns, from now; returns their unit ids. A row missing from
   * the answer was claimed by someone else (or finished): the caller must not deliver it.
   */
  async renew(
    token: string,
    channel: string,
    orderId: string,
    unitIds: readonly string[],
    leaseMs: number,
  ): Promise<string[]> {
    const { rows } = await this.db.query<{ unit_id: string }>(
      `UPDATE card_key_deliveries SET next_attempt_at = now() + ($5 * interval '1 millisecond')
        WHERE channel = $1 AND order_id = $2 AND unit_id = ANY($3::text[]) AND state = 'pending'
          AND claim_token = $4
        RETURNING unit_id`,
      [channel, orderId, unitIds, token, leaseMs],
    );
    return rows.map((r) => r.unit_id);
  }

  /** Returns how many rows this claim still owned and marked delivered. */
  async markDelivered(
    token: string,
    channel: string,
    orderId: string,
    unitIds: readonly string[],
  ): Promise<number> {
    const r = await this.db.query(
      `UPDATE card_key_deliveries
          SET state = 'delivered', delivered_at = now(), last_error = NULL, claim_token = NULL
        WHERE channel = $1 AND order_id = $2 AND unit_id = ANY($3::text[]) AND state = 'pending'
          AND claim_token = $4`,
      [channel, orderId, unitIds, token],
    );
    return r.rowCount ?? 0;
  }

  /**
   * Schedules another attempt, or gives up (state 'failed') when `retryInMs` is undefined. Returns how many
   * rows this claim still owned.
   */
  async markAttemptFailed(
    token: string,
    channel: string,
    orderId: string,
    unitIds: readonly string[],
    error: string,
    retryInMs: number | undefined,
  ): Promise<number> {
    const r = await this.db.query(
      `UPDATE card_key_deliveries
          SET last_error = $4,
              state = CASE WHEN $5::bigint IS NULL THEN 'failed' ELSE state END,
              next_attempt_at = now() + (coalesce($5::bigint, 0) * interval '1 millisecond'),
              claim_token = NULL
        WHERE channel = $1 AND order_id = $2 AND unit_id = ANY($3::text[]) AND state = 'pending'
          AND claim_token = $6`,
      [channel, orderId, unitIds, error.slice(0, 500), retryInMs ?? null, token],
    );
    return r.rowCount ?? 0;
  }

  /**
   * Of the keys a platform just acknowledged for an order, those withdrawn while the call was in flight: marked
   * (`last_error` SENT_AFTER_WITHDRAWAL, the state stays withdrawn) and returned, once each.
   */
  async markSentAfterWithdrawal(
    channel: string,
    orderId: string,
    unitIds: readonly string[],
  ): Promise<string[]> {
    const r = await this.db.query<{ unit_id: string }>(
      `UPDATE card_key_deliveries SET last_error = 'SENT_AFTER_WITHDRAWAL'
        WHERE channel = $1 AND order_id = $2 AND unit_id = ANY($3::text[]) AND state = 'withdrawn'
          AND last_error IS DISTINCT FROM 'SENT_AFTER_WITHDRAWAL'
        RETURNING unit_id`,
      [channel, orderId, unitIds],
    );
    return r.rows.map((row) => row.unit_id).sort();
  }

  /**
   * Takes keys back from an order (a refund before delivery, or a key voided and replaced): rows still waiting or
   * given up are never delivered from here. A row delivered already stays delivered. Returns how many rows changed.
   */
  async withdraw(channel: string, orderId: string, unitIds: readonly string[]): Promise<number> {
    const r = await this.db.query(
      `UPDATE card_key_deliveries SET state = 'withdrawn', claim_token = NULL
        WHERE channel = $1 AND order_id = $2 AND unit_id = ANY($3::text[]) AND state IN ('pending', 'failed')`,
      [channel, orderId, unitIds],
    );
    return r.rowCount ?? 0;
  }

  /**
   * Queues an order's keys again for its `redelivery`-th redelivery (补发), delivered or given up alike; a row
   * already queued for that redelivery is left alone, so the same request read twice sends once. The paid-not-
   * delivered clock starts again from now. Returns how many rows were queued.
   */
  async requeue(
    channel: string,
    orderId: string,
    unitIds: readonly string[],
    redelivery: number,
  ): Promise<number> {
    const r = await this.db.query(
      `UPDATE card_key_deliveries
          SET state = 'pending', attempts = 0, last_error = NULL, claim_token = NULL, next_attempt_at = now(),
              allocated_at = now(), alerted_at = NULL, redeliveries = $4
        WHERE channel = $1 AND order_id = $2 AND unit_id = ANY($3::text[])
          AND state IN ('delivered', 'failed') AND redeliveries < $4`,
      [channel, orderId, unitIds, redelivery],
    );
    return r.rowCount ?? 0;
  }

  /** Delivered keys the inventory has not been told about yet, grouped by order (oldest first). */
  async unreported(
    channel: string,
    limit: number,
  ): Promise<{ orderId: string; sku: string; unitIds: string[] }[]> {
    const { rows } = await this.db.query<{ order_id: string; sku: string; unit_ids: string[] }>(
      `SELECT order_id, sku, array_agg(unit_id ORDER BY unit_id) AS unit_ids
         FROM (SELECT order_id, sku, unit_id, delivered_at FROM card_key_deliveries
                WHERE channel = $1 AND state = 'delivered' AND reported_at IS NULL
                ORDER BY delivered_at LIMIT $2) due
        GROUP BY order_id, sku ORDER BY min(delivered_at)`,
      [channel, limit],
    );
    return rows.map((r) => ({ orderId: r.order_id, sku: r.sku, unitIds: r.unit_ids }));
  }

  async markReported(
    channel: string,
    orders: readonly { orderId: string; unitIds: readonly string[] }[],
  ): Promise<void> {
    const keys = orders.flatMap((o) => o.unitIds.map((unitId) => ({ orderId: o.orderId, unitId })));
    await this.db.query(
      `UPDATE card_key_deliveries d SET reported_at = now()
         FROM unnest($2::text[], $3::text[]) AS k(order_id, unit_id)
        WHERE d.channel = $1 AND d.order_id = k.order_id AND d.unit_id = k.unit_id AND d.reported_at IS NULL`,
      [channel, keys.map((k) => k.orderId), keys.map((k) => k.unitId)],
    );
  }

  /**
   * Orders alerted as paid-not-delivered that have nothing left to deliver (delivered, or withdrawn): their alert
   * is over. Their mark is cleared, so each is returned once, and a later redelivery that stalls is a new alert.
   */
  async deliveredAfterAlert(channel: string): Promise<{ orderId: string; sku: string }[]> {
    const { rows } = await this.db.query<{ order_id: string; sku: string }>(
      `WITH done AS (
         SELECT order_id FROM card_key_deliveries WHERE channel = $1 AND alerted_at IS NOT NULL
          GROUP BY order_id
         HAVING NOT EXISTS (
           SELECT 1 FROM card_key_deliveries w
            WHERE w.channel = $1 AND w.order_id = card_key_deliveries.order_id AND w.state IN ('pending', 'failed'))
       )
       UPDATE card_key_deliveries c SET alerted_at = NULL FROM done
        WHERE c.channel = $1 AND c.order_id = done.order_id AND c.alerted_at IS NOT NULL
       RETURNING c.order_id, c.sku`,
      [channel],
    );
    const seen = new Set<string>();
    return rows
      .filter((r) => !seen.has(r.order_id) && seen.add(r.order_id))
      .map((r) => ({ orderId: r.order_id, sku: r.sku }));
  }

  /**
   * Orders whose keys were allocated (the order is paid) more than `olderThanMs` ago and are still not delivered.
   * `newlyOverdue` are those not alerted before; they are marked so the alert is raised once per order.
   */
  async overdue(
    channel: string,
    olderThanMs: number,
  ): Promise<{ count: number; newlyOverdue: { orderId: string; sku: string }[] }> {
    // Marks every row of an overdue order, not only the rows past the limit: an order whose keys came in several
    // allocations would otherwise be alerted again as each later part crosses it. An order is new to the alert when
    // this statement marked some of its rows and none was marked before (the NOT EXISTS reads the table as it was
    // before the UPDATE: a data-modifying CTE's changes are not visible to the rest of its statement).
    const fresh = await this.db.query<{ order_id: string; sku: string }>(
      `WITH due AS (
         SELECT DISTINCT order_id FROM card_key_deliveries
          WHERE channel = $1 AND state IN ('pending', 'failed')
            AND allocated_at < now() - ($2 * interval '1 millisecond')
       ), marked AS (
         UPDATE card_key_deliveries c SET alerted_at = now()
           FROM due WHERE c.channel = $1 AND c.order_id = due.order_id AND c.alerted_at IS NULL
         RETURNING c.order_id, c.sku
       )
       SELECT DISTINCT ON (m.order_id) m.order_id, m.sku FROM marked m
        WHERE NOT EXISTS (
          SELECT 1 FROM card_key_deliveries a
           WHERE a.channel = $1 AND a.order_id = m.order_id AND a.alerted_at IS NOT NULL)
        ORDER BY m.order_id`,
      [channel, olderThanMs],
    );
    const total = await this.db.query<{ n: string }>(
      `SELECT count(DISTINCT order_id) AS n FROM card_key_deliveries
        WHERE channel = $1 AND state IN ('pending', 'failed') AND allocated_at < now() - ($2 * interval '1 millisecond')`,
      [channel, olderThanMs],
    );
    const seen = new Set<string>();
    const newlyOverdue = fresh.rows
      .filter((r) => !seen.has(r.order_id) && seen.add(r.order_id))
      .map((r) => ({ orderId: r.order_id, sku: r.sku }));
    return { count: Number(total.rows[0].n), newlyOverdue };
  }
}

/**
 * One entry per unit id. The same single key named twice in one announcement is still one key; a loop key
 * named several times (the older message shape repeated its id once per copy) adds up its copies.
 */
function mergeUnits(units: readonly AllocatedUnit[]): AllocatedUnit[] {
  const byId = new Map<string, AllocatedUnit>();
  for (const u of units) {
    const seen = byId.get(u.unitId);
    if (!seen) byId.set(u.unitId, { ...u });
    else if (u.loop || seen.loop)
      byId.set(u.unitId, { unitId: u.unitId, loop: true, count: seen.count + u.count });
  }
  return [...byId.values()];
}

function rowKey(orderId: string, unitId: string): string {
  return `${orderId}\u0000${unitId}`;
}
