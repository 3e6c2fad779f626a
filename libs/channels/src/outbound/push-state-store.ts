import type { Queryable } from '@libs/database';
import type { StockTarget } from './stock-target';

export interface PushStateRow {
  sku: string;
  desiredVersion: number | null;
  desiredQuantity: number | null;
  /** The desired target's selling price in fen; null when it carried none. */
  desiredPrice: number | null;
  desiredPublishedAt: number | null;
  lastPushedVersion: number | null;
  lastAckedVersion: number | null;
  lastAckedQuantity: number | null;
  lastErrorCode: string | null;
}

/**
 * channel_push_state: every write is guarded by the version so a late or repeated write never moves a column
 * backwards. The desired target is written before the consumed offset is committed, so a connector that
 * restarts with targets still queued finds them here rather than losing them.
 */
export class PushStateStore {
  constructor(private readonly db: Queryable) {}

  async recordDesired(channel: string, targets: readonly StockTarget[]): Promise<void> {
    if (targets.length === 0) return;
    await this.db.query(
      `INSERT INTO channel_push_state AS s (channel, sku, desired_version, desired_quantity, desired_price,
                                            desired_published_at)
       SELECT $1, t.sku, t.version, t.quantity, t.price, to_timestamp(t.published / 1000.0)
         FROM unnest($2::text[], $3::bigint[], $4::int[], $5::float8[], $6::bigint[])
           AS t(sku, version, quantity, published, price)
       ON CONFLICT (channel, sku) DO UPDATE
         SET desired_version = EXCLUDED.desired_version,
             desired_quantity = EXCLUDED.desired_quantity,
             desired_price = EXCLUDED.desired_price,
             desired_published_at = EXCLUDED.desired_published_at
       WHERE s.desired_version IS NULL OR s.desired_version < EXCLUDED.desired_version`,
      [channel, ...columns(dedupeLatest(targets)), dedupeLatest(targets).map((t) => t.price ?? null)],
    );
  }

  async recordPushed(channel: string, targets: readonly StockTarget[]): Promise<void> {
    if (targets.length === 0) return;
    await this.db.query(
      `INSERT INTO channel_push_state AS s (channel, sku, last_pushed_version, last_pushed_quantity, last_pushed_at)
       SELECT $1, t.sku, t.version, t.quantity, now()
         FROM unnest($2::text[], $3::bigint[], $4::int[], $5::float8[]) AS t(sku, version, quantity, published)
       ON CONFLICT (channel, sku) DO UPDATE
         SET last_pushed_version = EXCLUDED.last_pushed_version,
             last_pushed_quantity = EXCLUDED.last_pushed_quantity,
             last_pushed_at = now()
       WHERE s.last_pushed_version IS NULL OR s.last_pushed_version <= EXCLUDED.last_pushed_version`,
      [channel, ...columns(dedupeLatest(targets))],
    );
  }

  /** The same version again (a reconciliation correction re-pushed) refreshes the time and clears the error. */
  async recordAcknowledged(channel: string, targets: readonly StockTarget[]): Promise<void> {
    if (targets.length === 0) return;
    await this.db.query(
      `INSERT INTO channel_push_state AS s (channel, sku, last_acked_version, last_acked_quantity, last_acked_at)
       SELECT $1, t.sku, t.version, t.quantity, now()
         FROM unnest($2::text[], $3::bigint[], $4::int[], $5::float8[]) AS t(sku, version, quantity, published)
       ON CONFLICT (channel, sku) DO UPDATE
         SET last_acked_version = EXCLUDED.last_acked_version,
             last_acked_quantity = EXCLUDED.last_acked_quantity,
             last_acked_at = now(),
             last_error_code = NULL,
             last_error_at = NULL
       WHERE s.last_acked_version IS NULL OR s.last_acked_version <= EXCLUDED.last_acked_version`,
      [channel, ...columns(dedupeLatest(targets))],
    );
  }

  async recordError(channel: string, skus: readonly string[], code: string): Promise<void> {
    if (skus.length === 0) return;
    await this.db.query(
      `INSERT INTO channel_push_state AS s (channel, sku, last_error_code, last_error_at)
       SELECT $1, sku, $3, now() FROM unnest($2::text[]) AS sku
       ON CONFLICT (channel, sku) DO UPDATE SET last_error_code = $3, last_error_at = now()`,
      [channel, [...new Set(skus)].sort(), code],
    );
  }

  async load(channel: string): Promise<PushStateRow[]> {
    const { rows } = await this.db.query<{
      sku: string;
      desired_version: string | null;
      desired_quantity: number | null;
      desired_price: string | null;
      desired_published_at: Date | null;
      last_pushed_version: string | null;
      last_acked_version: string | null;
      last_acked_quantity: number | null;
      last_error_code: string | null;
    }>(
      `SELECT sku, desired_version, desired_quantity, desired_price, desired_published_at, last_pushed_version,
              last_acked_version, last_acked_quantity, last_error_code
         FROM channel_push_state WHERE channel = $1`,
      [channel],
    );
    return rows.map((r) => ({
      sku: r.sku,
      desiredVersion: toNumber(r.desired_version),
      desiredQuantity: r.desired_quantity,
      desiredPrice: toNumber(r.desired_price),
      desiredPublishedAt: r.desired_published_at?.getTime() ?? null,
      lastPushedVersion: toNumber(r.last_pushed_version),
      lastAckedVersion: toNumber(r.last_acked_version),
      lastAckedQuantity: r.last_acked_quantity,
      lastErrorCode: r.last_error_code,
    }));
  }
}

/**
 * One row per SKU, in SKU order: the consumer and the push loops upsert overlapping rows at the same time, and
 * taking the row locks in one order keeps them from deadlocking.
 */
function dedupeLatest(targets: readonly StockTarget[]): StockTarget[] {
  const latest = new Map<string, StockTarget>();
  for (const t of targets) {
    const seen = latest.get(t.sku);
    if (!seen || seen.skuVersion < t.skuVersion) latest.set(t.sku, t);
  }
  return [...latest.values()].sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
}

function columns(targets: StockTarget[]): [string[], number[], number[], number[]] {
  return [
    targets.map((t) => t.sku),
    targets.map((t) => t.skuVersion),
    targets.map((t) => t.quantity),
    targets.map((t) => t.publishedAt),
  ];
}

const toNumber = (v: string | null) => (v === null ? null : Number(v));
