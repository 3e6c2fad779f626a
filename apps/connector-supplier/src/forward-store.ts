import type { Queryable } from '@libs/database';
import type { SupplierForwardRequested, TopUpAccount } from '@libs/messaging';

export type ForwardStatus = 'placing' | 'pending' | 'answered';

export interface ForwardRow {
  forwardId: string;
  supplierOrderId: string;
  supplierId: string;
  productId: string;
  sku: string;
  channel: string;
  channelOrderId: string;
  attempt: number;
  quantity: number;
  expectedUnitPrice: number | null;
  status: ForwardStatus;
  outcome: 'fulfilled' | 'refused' | 'timeout' | null;
  calls: number;
  giveUpAt: number;
  /** A top-up attempt: what to credit (null for card keys, and once answered). */
  topUp: TopUpAccount | null;
}

interface DbRow {
  forward_id: string;
  supplier_order_id: string;
  supplier_id: string;
  product_id: string;
  sku: string;
  channel: string;
  channel_order_id: string;
  attempt: number;
  quantity: number;
  expected_unit_price: string | null;
  status: ForwardStatus;
  outcome: ForwardRow['outcome'];
  calls: number;
  give_up_at: Date;
  top_up: TopUpAccount | null;
}

const COLUMNS = `forward_id, supplier_order_id, supplier_id, product_id, sku, channel, channel_order_id, attempt,
  quantity, expected_unit_price, status, outcome, calls, give_up_at, top_up`;

function rowOf(r: DbRow): ForwardRow {
  return {
    forwardId: r.forward_id,
    supplierOrderId: r.supplier_order_id,
    supplierId: r.supplier_id,
    productId: r.product_id,
    sku: r.sku,
    channel: r.channel,
    channelOrderId: r.channel_order_id,
    attempt: r.attempt,
    quantity: r.quantity,
    expectedUnitPrice: r.expected_unit_price === null ? null : Number(r.expected_unit_price),
    status: r.status,
    outcome: r.outcome,
    calls: r.calls,
    giveUpAt: r.give_up_at.getTime(),
    topUp: r.top_up,
  };
}

/** The attempts the connector was asked to place (table supplier_forwards), and where each stands. */
export class ForwardStore {
  constructor(private readonly db: Queryable) {}

  /** Records the requests; one read twice (a redelivery) is the same row. */
  async record(
    requests: readonly (SupplierForwardRequested & { supplierOrderId: string })[],
    now: number,
    giveUpMs: number,
  ): Promise<void> {
    if (requests.length === 0) return;
    await this.db.query(
      `INSERT INTO supplier_forwards (forward_id, supplier_order_id, supplier_id, product_id, sku, channel,
                                      channel_order_id, attempt, quantity, expected_unit_price, status,
                                      requested_at, give_up_at, next_check_at, top_up, priority)
       SELECT r."forwardId", r."supplierOrderId", r."supplierId", r."productId", r."sku", r."channel",
              r."channelOrderId", r."attempt", r."quantity", r."expectedUnitPrice", 'placing', $2, $3, $2, r."topUp",
              coalesce(r."priority", 0)
         FROM json_to_recordset($1::json) AS r("forwardId" text, "supplierOrderId" text, "supplierId" text,
              "productId" text, "sku" text, "channel" text, "channelOrderId" text, "attempt" int, "quantity" int,
              "expectedUnitPrice" bigint, "topUp" jsonb, "priority" int)
       ON CONFLICT (forward_id) DO NOTHING`,
      [JSON.stringify(requests), new Date(now), new Date(now + giveUpMs)],
    );
  }

  /**
   * Takes up to `limit` attempts due at `now`, leased for `leaseMs` (another instance, or the next round, leaves
   * them alone meanwhile). An order rule's priority goes first, then the longest due.
   */
  async claimDue(now: number, limit: number, leaseMs: number): Promise<ForwardRow[]> {
    // UPDATE … RETURNING gives no order: the rows come back in the order they were chosen in.
    const { rows } = await this.db.query<DbRow>(
      `WITH due AS (
         SELECT forward_id, priority, next_check_at FROM supplier_forwards
          WHERE status <> 'answered' AND next_check_at <= $1
          ORDER BY priority DESC, next_check_at LIMIT $3 FOR UPDATE SKIP LOCKED),
       leased AS (
         UPDATE supplier_forwards f SET next_check_at = $2 FROM due WHERE f.forward_id = due.forward_id
         RETURNING f.*, due.next_check_at AS due_at)
       SELECT ${COLUMNS} FROM leased ORDER BY priority DESC, due_at`,
      [new Date(now), new Date(now + leaseMs), limit],
    );
    return rows.map(rowOf);
  }

  async bySupplierOrderId(supplierId: string, supplierOrderId: string): Promise<ForwardRow | null> {
    const { rows } = await this.db.query<DbRow>(
      `SELECT ${COLUMNS} FROM supplier_forwards WHERE supplier_id = $1 AND supplier_order_id = $2`,
      [supplierId, supplierOrderId],
    );
    return rows[0] ? rowOf(rows[0]) : null;
  }

  /** A call was made; the attempt is looked at again at `nextCheckAt`, in `status`. */
  async retryAt(forwardId: string, status: 'placing' | 'pending', nextCheckAt: number): Promise<void> {
    await this.db.query(
      `UPDATE supplier_forwards SET status = $2, next_check_at = $3, calls = calls + 1
        WHERE forward_id = $1 AND status <> 'answered'`,
      [forwardId, status, new Date(nextCheckAt)],
    );
  }

  /** The inventory was told the outcome. */
  async answered(
    forwardId: string,
    outcome: 'fulfilled' | 'refused' | 'timeout',
    code: string | null,
    supplierRef: string | null,
    now: number,
  ): Promise<void> {
    await this.db.query(
      `UPDATE supplier_forwards SET status = 'answered', outcome = $2, outcome_code = $3, supplier_ref = $4,
              answered_at = $5, calls = calls + 1, top_up = NULL
        WHERE forward_id = $1 AND status <> 'answered'`,
      [forwardId, outcome, code, supplierRef, new Date(now)],
    );
  }

  async lateFulfilment(forwardId: string, supplierRef: string, now: number): Promise<void> {
    await this.db.query(
      `UPDATE supplier_forwards SET late_fulfilled_at = $2, supplier_ref = COALESCE(supplier_ref, $3)
        WHERE forward_id = $1 AND late_fulfilled_at IS NULL`,
      [forwardId, new Date(now), supplierRef],
    );
  }

  /** Attempts neither answered nor given up: the connector's backlog, for the metrics. */
  async open(): Promise<number> {
    const { rows } = await this.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM supplier_forwards WHERE status <> 'answered'`,
    );
    return Number(rows[0]?.n ?? 0);
  }
}
