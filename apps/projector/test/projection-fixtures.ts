import { randomUUID } from 'node:crypto';
import { BatchCommandHandler } from '@libs/command-handling';
import type { EventStore, GlobalCheckpoint } from '@libs/event-store';
import {
  inventoryDecider,
  type InventoryCommand,
  type InventoryEvent,
  type InventoryState,
} from '@libs/inventory';
import { INVENTORY_SNAPSHOT_TYPE, skuStreamId } from '@libs/inventory-application';
import { readModelTypes } from '@libs/read-models';
import type { Pool } from 'pg';
import type { Projector } from '../src/projector';
import { skuFromStreamId } from '../src/projection/sku-stream';

export type InventoryHandler = BatchCommandHandler<InventoryCommand, InventoryState, InventoryEvent>;

export function inventoryHandler(store: EventStore): InventoryHandler {
  return new BatchCommandHandler(store, inventoryDecider, {
    snapshotType: INVENTORY_SNAPSHOT_TYPE,
    snapshotEvery: 25,
  });
}

/** Appends through the real command path, `perBatch` commands per transaction. */
export async function appendCommands(
  handler: InventoryHandler,
  commands: InventoryCommand[],
  perBatch = 10,
): Promise<void> {
  for (let i = 0; i < commands.length; i += perBatch) {
    const result = await handler.handleBatch(
      commands.slice(i, i + perBatch).map((command) => ({
        streamId: skuStreamId(command.data.sku),
        command,
        commandId: randomUUID(),
      })),
    );
    const failed = result.items.filter((item) => item.status === 'failed');
    if (failed.length > 0)
      throw new Error(`commands failed: ${failed.map((f) => String(f.error)).join('; ')}`);
  }
}

/**
 * Every SKU stream folded with the domain's own evolve: the truth the read models must match. Streams are read
 * one by one (readAll would stop below transactions still open elsewhere on the shared server).
 */
export async function foldStore(
  store: EventStore,
  pool: Pool,
): Promise<Map<string, { state: InventoryState; version: number }>> {
  const folds = new Map<string, { state: InventoryState; version: number }>();
  const { rows } = await pool.query<{ stream_id: string }>(
    'SELECT stream_id FROM event_streams ORDER BY stream_id',
  );
  for (const { stream_id: streamId } of rows) {
    const sku = skuFromStreamId(streamId);
    if (sku === null) continue;
    let state = inventoryDecider.initialState();
    let version = 0;
    for (const e of await store.readStream(streamId)) {
      state = inventoryDecider.evolve(state, { type: e.type, data: e.data } as InventoryEvent);
      version = e.version;
    }
    folds.set(sku, { state, version });
  }
  return folds;
}

const ORDERED_DUMPS: Record<string, string> = {
  sku_stock: 'SELECT * FROM sku_stock ORDER BY sku',
  reservations: 'SELECT * FROM reservations ORDER BY channel, channel_order_id, sku',
  stock_movements: 'SELECT * FROM stock_movements ORDER BY id',
  card_key_counts: 'SELECT * FROM card_key_counts ORDER BY sku, batch_id, state',
  stock_alerts: 'SELECT * FROM stock_alerts ORDER BY sku',
  projection_sku_state: 'SELECT * FROM projection_sku_state ORDER BY sku',
  // target_published_at is the relay's wall clock (a rebuild announces the same versions again), not event data.
  channel_stock: `SELECT channel, sku, target, target_version, last_pushed, last_pushed_version, last_pushed_at,
                         last_acked, last_acked_version, last_acked_at
                    FROM channel_stock ORDER BY channel, sku`,
};

/** Full contents of every read model, in key order (wall-clock columns aside); bigints as numbers. */
export async function dumpReadModels(pool: Pool): Promise<Record<string, unknown[]>> {
  const dump: Record<string, unknown[]> = {};
  for (const [table, sql] of Object.entries(ORDERED_DUMPS)) {
    dump[table] = (await pool.query({ text: sql, types: readModelTypes })).rows;
  }
  return dump;
}

export async function outboxCount(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM target_outbox');
  return Number(rows[0].n);
}

/**
 * Catches up until the projection has reached the last event in the store. One catchUp() is not enough on a
 * shared server: the store hands out only events below the oldest transaction still running anywhere in the
 * cluster (another suite's open transaction holds them back for a while).
 */
export async function projectToHead(projector: Projector, pool: Pool, timeoutMs = 40_000): Promise<void> {
  const { rows } = await pool.query<{ transaction_id: string; global_position: string }>(
    `SELECT transaction_id::text, global_position FROM events ORDER BY transaction_id DESC, global_position DESC LIMIT 1`,
  );
  if (rows.length === 0) return;
  const head = {
    transactionId: Number(rows[0].transaction_id),
    globalPosition: Number(rows[0].global_position),
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await projector.catchUp();
    const at = projector.checkpoint;
    if (at.transactionId === head.transactionId && at.globalPosition === head.globalPosition) return;
    if (Date.now() > deadline)
      throw new Error(`projection stuck at ${JSON.stringify(at)}, head ${JSON.stringify(head)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The checkpoint of the last event in the store's global order (read straight from the table). */
export async function headCheckpoint(pool: Pool): Promise<GlobalCheckpoint | null> {
  const { rows } = await pool.query<{ transaction_id: string; global_position: string }>(
    `SELECT transaction_id::text, global_position FROM events ORDER BY transaction_id DESC, global_position DESC LIMIT 1`,
  );
  if (rows.length === 0) return null;
  return { transactionId: Number(rows[0].transaction_id), globalPosition: Number(rows[0].global_position) };
}
