import { channelTargets, inventoryDecider, type InventoryEvent, type InventoryState } from '@libs/inventory';
import type { Pool } from 'pg';
import { storeHistory, type StoreHistory } from './from-events';

export interface EventStoreHistory extends StoreHistory {
  /** Every SKU's state folded from its stream: the truth the listings are judged against. */
  states: Map<string, InventoryState>;
  /** Per SKU, the channel policy applied to the folded state. */
  targets: Map<string, Record<string, number>>;
}

interface Row {
  event_id: string;
  type: string;
  data: Record<string, unknown>;
}

/**
 * Reads the PostgreSQL event store's SKU streams in global order: the oracle's part of them (stock in,
 * decisions, allocations — storeHistory, shared with the simulation) and each SKU folded through the decider,
 * the truth a channel's listing must equal once its policy is applied.
 */
export async function collectEventStore(pool: Pool): Promise<EventStoreHistory> {
  const { rows } = await pool.query<Row>(
    `SELECT event_id::text, type, data FROM events WHERE stream_id LIKE 'sku-%' ORDER BY global_position`,
  );
  const states = new Map<string, InventoryState>();
  for (const row of rows) {
    const sku = String(row.data.sku);
    const event = { type: row.type, data: row.data } as unknown as InventoryEvent;
    states.set(sku, inventoryDecider.evolve(states.get(sku) ?? inventoryDecider.initialState(), event));
  }
  const targets = new Map<string, Record<string, number>>();
  for (const [sku, state] of states) targets.set(sku, channelTargets(state));
  return {
    ...storeHistory(rows.map((r) => ({ eventId: r.event_id, type: r.type, data: r.data }))),
    states,
    targets,
  };
}
