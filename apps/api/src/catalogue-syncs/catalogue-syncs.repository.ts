import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL } from '@libs/runtime';
import type { Pool } from 'pg';
import type { ApplyResult } from './apply-plan';
import {
  type SkuMapping,
  SYNC_ROW_STATUSES,
  type SyncCounts,
  type SyncRow,
  type SyncRowStatus,
} from './catalogue-diff';

export type SyncSource = 'operator' | 'schedule';

/** A stored sync: the preview's summary and who applied it. */
export interface SyncRecord {
  syncId: string;
  supplierId: string;
  mapping: SkuMapping;
  /** For the SKUs the sync registers; null: 0. */
  safetyBuffer: number | null;
  source: SyncSource;
  requestedBy: string;
  /** When reading the catalogue began: the time of the supplier's report each row carries. */
  fetchedAt: Date;
  createdAt: Date;
  products: number;
  counts: SyncCounts;
  firstAppliedAt: Date | null;
  firstAppliedBy: string | null;
  lastAppliedAt: Date | null;
  lastAppliedBy: string | null;
}

export interface RowApplication {
  /** The first apply that brought the row into StockSync (applied, already applied or nothing to do). */
  at: Date | null;
  by: string | null;
  /** The latest apply's result for the row, and its reason when refused or rejected. */
  result: ApplyResult;
  reason: string | null;
}

export interface StoredRow extends SyncRow {
  seq: number;
  applied: RowApplication | null;
}

interface SyncDbRow {
  sync_id: string;
  supplier_id: string;
  sku_prefix: string;
  safety_buffer: string | null;
  source: SyncSource;
  requested_by: string;
  fetched_at: Date;
  created_at: Date;
  products: number;
  counts: SyncCounts;
  first_applied_at: Date | null;
  first_applied_by: string | null;
  last_applied_at: Date | null;
  last_applied_by: string | null;
  seq: string;
}

interface RowDbRow {
  seq: number;
  body: SyncRow;
  applied_at: Date | null;
  applied_by: string | null;
  result: ApplyResult | null;
  result_reason: string | null;
}

const SYNC_COLUMNS = `sync_id, supplier_id, sku_prefix, safety_buffer, source, requested_by, fetched_at, created_at,
  products, counts, first_applied_at, first_applied_by, last_applied_at, last_applied_by, seq`;

/** Rows per INSERT statement while storing a preview. */
const INSERT_CHUNK = 1_000;

function syncOf(r: SyncDbRow): SyncRecord {
  return {
    syncId: r.sync_id,
    supplierId: r.supplier_id,
    mapping: { skuPrefix: r.sku_prefix, skuFrom: 'productId' },
    safetyBuffer: r.safety_buffer === null ? null : Number(r.safety_buffer),
    source: r.source,
    requestedBy: r.requested_by,
    fetchedAt: r.fetched_at,
    createdAt: r.created_at,
    products: r.products,
    // jsonb keeps its own key order: answer the counts in status order.
    counts: Object.fromEntries(
      SYNC_ROW_STATUSES.map((status) => [status, r.counts[status] ?? 0]),
    ) as SyncCounts,
    firstAppliedAt: r.first_applied_at,
    firstAppliedBy: r.first_applied_by,
    lastAppliedAt: r.last_applied_at,
    lastAppliedBy: r.last_applied_by,
  };
}

function rowOf(r: RowDbRow): StoredRow {
  return {
    ...r.body,
    seq: r.seq,
    applied:
      r.result === null
        ? null
        : { at: r.applied_at, by: r.applied_by, result: r.result, reason: r.result_reason },
  };
}

/**
 * catalogue_syncs and catalogue_sync_rows: every preview with its rows (one JSON document each, in catalogue
 * order), and what each apply did with them.
 */
@Injectable()
export class CatalogueSyncsRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** Stores a preview and its rows in one transaction; false when the sync id was already stored (nothing written). */
  async insert(
    sync: Omit<
      SyncRecord,
      'createdAt' | 'firstAppliedAt' | 'firstAppliedBy' | 'lastAppliedAt' | 'lastAppliedBy'
    >,
    rows: readonly SyncRow[],
  ): Promise<boolean> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const { rowCount } = await client.query(
        `INSERT INTO catalogue_syncs (sync_id, supplier_id, sku_prefix, safety_buffer, source, requested_by,
           fetched_at, products, counts)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (sync_id) DO NOTHING`,
        [
          sync.syncId,
          sync.supplierId,
          sync.mapping.skuPrefix,
          sync.safetyBuffer,
          sync.source,
          sync.requestedBy,
          sync.fetchedAt,
          sync.products,
          JSON.stringify(sync.counts),
        ],
      );
      if (rowCount !== 1) {
        await client.query('ROLLBACK');
        return false;
      }
      for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
        const chunk = rows.slice(start, start + INSERT_CHUNK);
        await client.query(
          `INSERT INTO catalogue_sync_rows (sync_id, seq, product_id, sku, status, body)
           SELECT $1, s, p, k, st, r::jsonb
             FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::text[]) AS t(s, p, k, st, r)`,
          [
            sync.syncId,
            chunk.map((_, i) => start + i),
            chunk.map((r) => r.productId),
            chunk.map((r) => r.sku),
            chunk.map((r) => r.status),
            chunk.map((r) => JSON.stringify(r)),
          ],
        );
      }
      await client.query('COMMIT');
      return true;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /**
   * Deletes up to `maxSyncs` syncs created more than `days` days ago, with their rows; answers how many. Called
   * after each preview, so the tables stay bounded without a job of their own.
   */
  async prune(days: number, maxSyncs: number): Promise<number> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ sync_id: string }>(
        `SELECT sync_id FROM catalogue_syncs WHERE created_at < now() - make_interval(days => $1)
          ORDER BY seq LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [days, maxSyncs],
      );
      const ids = rows.map((r) => r.sync_id);
      if (ids.length > 0) {
        await client.query('DELETE FROM catalogue_sync_rows WHERE sync_id = ANY($1::text[])', [ids]);
        await client.query('DELETE FROM catalogue_syncs WHERE sync_id = ANY($1::text[])', [ids]);
      }
      await client.query('COMMIT');
      return ids.length;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async find(syncId: string): Promise<SyncRecord | null> {
    const { rows } = await this.pool.query<SyncDbRow>(
      `SELECT ${SYNC_COLUMNS} FROM catalogue_syncs WHERE sync_id = $1`,
      [syncId],
    );
    return rows[0] ? syncOf(rows[0]) : null;
  }

  /** Newest first; `before` is the cursor of the previous page. */
  async list(options: {
    supplierId?: string;
    before?: number;
    limit: number;
  }): Promise<{ items: SyncRecord[]; next: string | null }> {
    const { rows } = await this.pool.query<SyncDbRow>(
      `SELECT ${SYNC_COLUMNS} FROM catalogue_syncs
        WHERE ($1::text IS NULL OR supplier_id = $1) AND ($2::bigint IS NULL OR seq < $2)
        ORDER BY seq DESC LIMIT $3`,
      [options.supplierId ?? null, options.before ?? null, options.limit],
    );
    const next = rows.length === options.limit ? rows[rows.length - 1].seq : null;
    return { items: rows.map(syncOf), next };
  }

  /** A page of a sync's rows in catalogue order; `after` is the cursor of the previous page. */
  async rows(
    syncId: string,
    options: { status?: SyncRowStatus; after?: number; limit: number },
  ): Promise<{ items: StoredRow[]; next: string | null }> {
    const { rows } = await this.pool.query<RowDbRow>(
      `SELECT seq, body, applied_at, applied_by, result, result_reason FROM catalogue_sync_rows
        WHERE sync_id = $1 AND ($2::text IS NULL OR status = $2) AND seq > $3
        ORDER BY seq LIMIT $4`,
      [syncId, options.status ?? null, options.after ?? -1, options.limit],
    );
    const next = rows.length === options.limit ? String(rows[rows.length - 1].seq) : null;
    return { items: rows.map(rowOf), next };
  }

  /** The rows an apply works on: every new and changed row, or the rows of the products named (any status). */
  async rowsToApply(syncId: string, productIds?: readonly string[]): Promise<StoredRow[]> {
    const { rows } = await this.pool.query<RowDbRow>(
      productIds === undefined
        ? `SELECT seq, body, applied_at, applied_by, result, result_reason FROM catalogue_sync_rows
            WHERE sync_id = $1 AND status IN ('new', 'changed') ORDER BY seq`
        : `SELECT seq, body, applied_at, applied_by, result, result_reason FROM catalogue_sync_rows
            WHERE sync_id = $1 AND product_id = ANY($2::text[]) ORDER BY seq`,
      productIds === undefined ? [syncId] : [syncId, productIds],
    );
    return rows.map(rowOf);
  }

  async countGone(syncId: string): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM catalogue_sync_rows WHERE sync_id = $1 AND status = 'gone'`,
      [syncId],
    );
    return rows[0].n;
  }

  /**
   * Records an apply: each row's latest result, and for a row now in StockSync the first actor and time that
   * brought it there (kept when applied again); the sync's first and latest apply.
   */
  async recordApply(
    syncId: string,
    results: readonly { seq: number; result: ApplyResult; reason?: string }[],
    actor: string,
    at: Date,
  ): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      for (let start = 0; start < results.length; start += INSERT_CHUNK) {
        const chunk = results.slice(start, start + INSERT_CHUNK);
        await client.query(
          `UPDATE catalogue_sync_rows r
              SET result = t.result, result_reason = t.reason,
                  applied_at = CASE WHEN t.result IN ('applied', 'already_applied', 'unchanged')
                                    THEN COALESCE(r.applied_at, $3) ELSE r.applied_at END,
                  applied_by = CASE WHEN t.result IN ('applied', 'already_applied', 'unchanged')
                                    THEN COALESCE(r.applied_by, $4) ELSE r.applied_by END
             FROM unnest($2::int[], $5::text[], $6::text[]) AS t(seq, result, reason)
            WHERE r.sync_id = $1 AND r.seq = t.seq`,
          [
            syncId,
            chunk.map((r) => r.seq),
            at,
            actor,
            chunk.map((r) => r.result),
            chunk.map((r) => r.reason ?? null),
          ],
        );
      }
      await client.query(
        `UPDATE catalogue_syncs
            SET first_applied_at = COALESCE(first_applied_at, $2), first_applied_by = COALESCE(first_applied_by, $3),
                last_applied_at = $2, last_applied_by = $3
          WHERE sync_id = $1`,
        [syncId, at, actor],
      );
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}
