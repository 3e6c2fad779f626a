import type { Queryable } from '@libs/database';
import type { ReadModelChanges } from '../projection/batch-projection';
import { StateTooLargeError } from '../projection/projection-failure';

/** The default bound on one SKU's stored decider state (PROJECTOR_MAX_STATE_BYTES). */
export const DEFAULT_MAX_STATE_BYTES = 64 * 1024 * 1024;

export interface WriteOptions {
  /** A saved state that serialises to more bytes than this is refused with StateTooLargeError. */
  maxStateBytes?: number;
}

/**
 * Writes a batch's row changes with one multi-row statement per table. Rows travel as one JSON document per
 * table (json_to_recordset): far cheaper than a statement per row on a hot SKU. Each upsert is guarded by
 * the stream version, so an older row never overwrites a newer one even if a batch were written twice.
 *
 * This is the projector's hot path, and it stays SQL while readers use the TypeORM entities: a repository's
 * save() reads the rows first and then updates them one statement each; its insert/upsert binds every value as
 * a parameter (PostgreSQL takes at most 65,535 per statement: 4,095 sku_stock rows) and has no place for the
 * version guard (ON CONFLICT ... DO UPDATE ... WHERE). The column lists here follow the entities in libs/read-models, which
 * the read-models tests check against the migrations.
 */
export async function writeReadModelChanges(
  db: Queryable,
  changes: ReadModelChanges,
  options: WriteOptions = {},
): Promise<void> {
  // Serialised first: a state over the bound fails the SKU before any of its rows is sent.
  const maxStateBytes = options.maxStateBytes ?? DEFAULT_MAX_STATE_BYTES;
  const savedStates = changes.states.flatMap(({ sku, saved }) =>
    saved === null ? [] : [{ sku, version: saved.version, json: serialiseState(sku, saved, maxStateBytes) }],
  );
  if (changes.skuStock.length > 0) {
    await db.query(
      `INSERT INTO sku_stock AS t (sku, kind, received, adjusted, delivered, on_hand, reserved, held_in_pools,
                                   available, endless, endless_reserved, endless_delivered, low_stock_threshold,
                                   per_order_cap, version, updated_at)
       SELECT r."sku", r."kind", r."received", r."adjusted", r."delivered", r."onHand", r."reserved", r."heldInPools",
              r."available", r."endless", r."endlessReserved", r."endlessDelivered", r."lowStockThreshold",
              r."perOrderCap", r."version", r."updatedAt"
         FROM json_to_recordset($1::json) AS r("sku" text, "kind" text, "received" bigint, "adjusted" bigint,
              "delivered" bigint, "onHand" bigint, "reserved" bigint, "heldInPools" bigint, "available" bigint,
              "endless" boolean, "endlessReserved" bigint, "endlessDelivered" bigint, "lowStockThreshold" bigint,
              "perOrderCap" bigint, "version" bigint,
              "updatedAt" timestamptz)
       ON CONFLICT (sku) DO UPDATE SET
         kind = EXCLUDED.kind, received = EXCLUDED.received, adjusted = EXCLUDED.adjusted,
         delivered = EXCLUDED.delivered, on_hand = EXCLUDED.on_hand, reserved = EXCLUDED.reserved,
         held_in_pools = EXCLUDED.held_in_pools, available = EXCLUDED.available, endless = EXCLUDED.endless,
         endless_reserved = EXCLUDED.endless_reserved, endless_delivered = EXCLUDED.endless_delivered,
         low_stock_threshold = EXCLUDED.low_stock_threshold, per_order_cap = EXCLUDED.per_order_cap,
         version = EXCLUDED.version,
         updated_at = EXCLUDED.updated_at
       WHERE t.version < EXCLUDED.version`,
      [JSON.stringify(changes.skuStock)],
    );
  }
  if (changes.reservations.length > 0) {
    await db.query(
      // The report columns (paid_at … priority) keep their first non-null value: each is set by one event only.
      `INSERT INTO reservations AS t (channel, channel_order_id, sku, quantity, status, reason, expires_at,
                                      allocated_unit_ids, loop_unit_ids, created_at, updated_at, updated_version,
                                      paid_at, delivered_at, refunded_at, refund_note, supplier_id, unit_price,
                                      buyer_ref, buyer_level, province, city, shop, priority)
       SELECT r."channel", r."channelOrderId", r."sku", r."quantity", r."status", r."reason", r."expiresAt",
              r."allocatedUnitIds", r."loopUnitIds", r."createdAt", r."updatedAt", r."updatedVersion",
              r."paidAt", r."deliveredAt", r."refundedAt", r."refundNote", r."supplierId", r."unitPrice",
              r."buyerRef", r."buyerLevel", r."province", r."city", r."shop", r."priority"
         FROM json_to_recordset($1::json) AS r("channel" text, "channelOrderId" text, "sku" text,
              "quantity" bigint, "status" text, "reason" text, "expiresAt" timestamptz, "allocatedUnitIds" text[],
              "loopUnitIds" text[], "createdAt" timestamptz, "updatedAt" timestamptz, "updatedVersion" bigint,
              "paidAt" timestamptz, "deliveredAt" timestamptz, "refundedAt" timestamptz, "refundNote" text,
              "supplierId" text, "unitPrice" bigint, "buyerRef" text, "buyerLevel" text, "province" text,
              "city" text, "shop" text, "priority" smallint)
       ON CONFLICT (channel, channel_order_id, sku) DO UPDATE SET
         quantity = EXCLUDED.quantity, status = EXCLUDED.status, reason = EXCLUDED.reason,
         expires_at = EXCLUDED.expires_at, allocated_unit_ids = EXCLUDED.allocated_unit_ids,
         loop_unit_ids = EXCLUDED.loop_unit_ids, updated_at = EXCLUDED.updated_at,
         updated_version = EXCLUDED.updated_version,
         paid_at = coalesce(t.paid_at, EXCLUDED.paid_at),
         delivered_at = coalesce(t.delivered_at, EXCLUDED.delivered_at),
         refunded_at = coalesce(t.refunded_at, EXCLUDED.refunded_at),
         refund_note = coalesce(t.refund_note, EXCLUDED.refund_note),
         supplier_id = coalesce(t.supplier_id, EXCLUDED.supplier_id),
         unit_price = coalesce(t.unit_price, EXCLUDED.unit_price),
         buyer_ref = coalesce(t.buyer_ref, EXCLUDED.buyer_ref),
         buyer_level = coalesce(t.buyer_level, EXCLUDED.buyer_level),
         province = coalesce(t.province, EXCLUDED.province),
         city = coalesce(t.city, EXCLUDED.city),
         shop = coalesce(t.shop, EXCLUDED.shop),
         priority = coalesce(t.priority, EXCLUDED.priority)
       WHERE t.updated_version < EXCLUDED.updated_version`,
      [JSON.stringify(changes.reservations)],
    );
  }
  if (changes.movements.length > 0) {
    // (sku, version) and the event id are unique: a movement already written is never written again.
    await db.query(
      `INSERT INTO stock_movements (id, event_id, sku, version, event_type, channel, channel_order_id, quantity,
                                   delta_on_hand, delta_reserved, delta_held_in_pools, delta_available,
                                   on_hand_after, available_after, reason, ref, note, actor, occurred_at)
       SELECT r."id", r."eventId", r."sku", r."version", r."eventType", r."channel", r."channelOrderId", r."quantity",
              r."deltaOnHand", r."deltaReserved", r."deltaHeldInPools", r."deltaAvailable", r."onHandAfter",
              r."availableAfter", r."reason", r."ref", r."note", r."actor", r."occurredAt"
         FROM json_to_recordset($1::json) AS r("id" bigint, "eventId" uuid, "sku" text, "version" bigint,
              "eventType" text, "channel" text, "channelOrderId" text, "quantity" bigint, "deltaOnHand" bigint,
              "deltaReserved" bigint, "deltaHeldInPools" bigint, "deltaAvailable" bigint, "onHandAfter" bigint,
              "availableAfter" bigint, "reason" text, "ref" text, "note" text, "actor" text, "occurredAt" timestamptz)
       ON CONFLICT DO NOTHING`,
      [JSON.stringify(changes.movements)],
    );
  }
  if (changes.cardKeyCounts.length > 0) {
    // Increments are not idempotent by themselves: they are safe because this runs in the same transaction as
    // the projection_sku_state version they were computed from, and events at or below it are never refolded.
    await db.query(
      `INSERT INTO card_key_counts AS t (sku, batch_id, state, count)
       SELECT r."sku", r."batchId", r."state", r."delta"
         FROM json_to_recordset($1::json) AS r("sku" text, "batchId" text, "state" text, "delta" int)
       ON CONFLICT (sku, batch_id, state) DO UPDATE SET count = t.count + EXCLUDED.count`,
      [JSON.stringify(changes.cardKeyCounts)],
    );
    // A state no key is in has no row, whichever batches the keys moved in: a rebuild writes the same rows.
    await db.query(`DELETE FROM card_key_counts WHERE count = 0 AND sku = ANY($1::text[])`, [
      [...new Set(changes.cardKeyCounts.map((d) => d.sku))],
    ]);
  }
  const raised = changes.alerts.filter((a) => a.raisedAt !== null);
  if (raised.length > 0) {
    await db.query(
      `INSERT INTO stock_alerts AS t (sku, kind, threshold, on_hand, raised_at, cleared_at, open)
       SELECT r."sku", r."kind", r."threshold", r."onHand", r."raisedAt", r."clearedAt", r."open"
         FROM json_to_recordset($1::json) AS r("sku" text, "kind" text, "threshold" bigint, "onHand" bigint,
              "raisedAt" timestamptz, "clearedAt" timestamptz, "open" boolean)
       ON CONFLICT (sku) DO UPDATE SET
         kind = EXCLUDED.kind, threshold = EXCLUDED.threshold, on_hand = EXCLUDED.on_hand,
         raised_at = EXCLUDED.raised_at, cleared_at = EXCLUDED.cleared_at, open = EXCLUDED.open`,
      [JSON.stringify(raised)],
    );
  }
  const clearedOnly = changes.alerts.filter((a) => a.raisedAt === null);
  if (clearedOnly.length > 0) {
    // The alert was raised in an earlier batch: its row keeps raised_at. (A clearing is always preceded by a
    // raise in the stream; the insert branch only keeps a damaged table from stopping the projection.)
    await db.query(
      `INSERT INTO stock_alerts AS t (sku, kind, threshold, on_hand, raised_at, cleared_at, open)
       SELECT r."sku", r."kind", r."threshold", r."onHand", r."clearedAt", r."clearedAt", r."open"
         FROM json_to_recordset($1::json) AS r("sku" text, "kind" text, "threshold" bigint, "onHand" bigint,
              "clearedAt" timestamptz, "open" boolean)
       ON CONFLICT (sku) DO UPDATE SET
         kind = EXCLUDED.kind, threshold = EXCLUDED.threshold, on_hand = EXCLUDED.on_hand,
         cleared_at = EXCLUDED.cleared_at, open = EXCLUDED.open`,
      [JSON.stringify(clearedOnly)],
    );
  }
  if (changes.states.length > 0) {
    await db.query(
      `INSERT INTO projection_sku_state AS t (sku, version, state_version, state)
       SELECT r."sku", r."version", 0, NULL FROM json_to_recordset($1::json) AS r("sku" text, "version" bigint)
       ON CONFLICT (sku) DO UPDATE SET version = EXCLUDED.version
       WHERE t.version < EXCLUDED.version`,
      [JSON.stringify(changes.states.map(({ sku, version }) => ({ sku, version })))],
    );
    // Saved states go one by one, as their own parameter: a hot SKU's state runs to megabytes, and embedding
    // it in the recordset above would parse it twice.
    for (const { sku, version, json } of savedStates) {
      await db.query(
        `UPDATE projection_sku_state SET state_version = $2, state = $3::json WHERE sku = $1 AND state_version < $2`,
        [sku, version, json],
      );
    }
  }
  if (changes.suppliers.length > 0) {
    // A SKU's list replaces its rows: older rows go (a supplier dropped from the list), then the list is written,
    // each step guarded by the version so that an older batch never undoes a newer one.
    const lists = changes.suppliers.map(({ sku, version }) => ({ sku, version }));
    await db.query(
      `DELETE FROM sku_suppliers s USING json_to_recordset($1::json) AS r("sku" text, "version" bigint)
        WHERE s.sku = r."sku" AND s.version < r."version"`,
      [JSON.stringify(lists)],
    );
    const rows = changes.suppliers.flatMap(({ sku, version, suppliers }) =>
      suppliers.map((s) => ({ sku, version, ...s })),
    );
    if (rows.length > 0) {
      await db.query(
        `INSERT INTO sku_suppliers AS t (sku, supplier_id, product_id, priority, stock, on_sale, supply_price,
                                        observed_at, taken_since_report, version)
         SELECT r."sku", r."supplierId", r."productId", r."priority", r."stock", r."onSale", r."supplyPrice",
                r."observedAt", r."takenSinceReport", r."version"
           FROM json_to_recordset($1::json) AS r("sku" text, "supplierId" text, "productId" text, "priority" int,
                "stock" bigint, "onSale" boolean, "supplyPrice" bigint, "observedAt" timestamptz,
                "takenSinceReport" bigint, "version" bigint)
         ON CONFLICT (sku, supplier_id) DO UPDATE SET
           product_id = EXCLUDED.product_id, priority = EXCLUDED.priority, stock = EXCLUDED.stock,
           on_sale = EXCLUDED.on_sale, supply_price = EXCLUDED.supply_price, observed_at = EXCLUDED.observed_at,
           taken_since_report = EXCLUDED.taken_since_report, version = EXCLUDED.version
         WHERE t.version < EXCLUDED.version`,
        [JSON.stringify(rows)],
      );
    }
  }
  if (changes.targets.length > 0) {
    await db.query(
      `INSERT INTO target_outbox (channel, sku, quantity, price, version, occurred_at)
       SELECT r."channel", r."sku", r."quantity", r."price", r."version", r."occurredAt"
         FROM json_to_recordset($1::json) AS r("channel" text, "sku" text, "quantity" bigint, "price" bigint,
              "version" bigint, "occurredAt" timestamptz)`,
      [JSON.stringify(changes.targets)],
    );
  }
}

/**
 * JSON of a state to store, within the bound. The state grows with the SKU's history (M8 in the review): past
 * V8's longest string JSON.stringify throws a RangeError, and well before that one row would take a large part
 * of the server's memory to write and to read back.
 */
function serialiseState(sku: string, saved: { version: number; state: unknown }, maxBytes: number): string {
  let json: string;
  try {
    json = JSON.stringify(saved.state);
  } catch (error) {
    if (error instanceof RangeError) throw new StateTooLargeError(sku, saved.version, null, maxBytes);
    throw error;
  }
  // UTF-16 length is at most the UTF-8 length; only measure bytes when it could matter.
  if (json.length * 3 > maxBytes) {
    const bytes = Buffer.byteLength(json);
    if (bytes > maxBytes) throw new StateTooLargeError(sku, saved.version, bytes, maxBytes);
  }
  return json;
}
