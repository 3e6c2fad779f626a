import {
  channelTargets,
  inventoryDecider,
  orderKey,
  type InventoryEvent,
  type InventoryState,
} from '@libs/inventory';
import type { Pool } from 'pg';
import type { ObservedHistory } from './oracle';

type Decision = ObservedHistory['decisions'][number];
type Allocation = ObservedHistory['allocations'][number];

export interface EventStoreHistory {
  skus: ObservedHistory['skus'];
  decisions: Decision[];
  allocations: Allocation[];
  /** Every SKU's state folded from its stream: the truth the listings are judged against. */
  states: Map<string, InventoryState>;
  /** Per SKU, the channel policy applied to the folded state. */
  targets: Map<string, Record<string, number>>;
}

interface Row {
  event_id: string;
  stream_id: string;
  type: string;
  data: Record<string, unknown>;
}

const DECISION_KINDS: Record<string, Decision['kind'] | undefined> = {
  StockReserved: 'reserved',
  ReservationRejected: 'rejected',
  ReservationConfirmed: 'confirmed',
  ReservationReleased: 'released',
  ReservationExpired: 'expired',
};

/**
 * Reads the whole event store in global order and turns it into the oracle's terms: the units that entered
 * each SKU, every order decision, every card-key allocation, and each SKU folded through the decider (the
 * truth a channel's listing must equal once its policy is applied).
 */
export async function collectEventStore(pool: Pool): Promise<EventStoreHistory> {
  const { rows } = await pool.query<Row>(
    `SELECT event_id::text, stream_id, type, data FROM events WHERE stream_id LIKE 'sku-%' ORDER BY global_position`,
  );
  const kinds = new Map<string, ObservedHistory['skus'][number]['kind']>();
  const stockIn = new Map<string, number>();
  const decisions: Decision[] = [];
  const allocations: Allocation[] = [];
  const states = new Map<string, InventoryState>();
  const add = (sku: string, n: number) => stockIn.set(sku, (stockIn.get(sku) ?? 0) + n);

  for (const row of rows) {
    const data = row.data;
    const sku = String(data.sku);
    states.set(
      sku,
      inventoryDecider.evolve(states.get(sku) ?? inventoryDecider.initialState(), {
        type: row.type,
        data,
      } as InventoryEvent),
    );
    switch (row.type) {
      case 'SkuRegistered':
        kinds.set(sku, data.kind as 'quantity' | 'cardKey' | 'unlimited');
        break;
      case 'StockReceived':
        add(sku, Number(data.quantity));
        break;
      case 'StockAdjusted':
        add(sku, Number(data.delta));
        break;
      case 'CardKeysImported':
        add(sku, (data.units as { loop?: boolean }[]).filter((u) => !u.loop).length);
        break;
      default:
        break;
    }
    const kind = DECISION_KINDS[row.type];
    if (kind === undefined) continue;
    const key = orderKey(String(data.channel), String(data.channelOrderId));
    const quantity = Number(kind === 'rejected' ? data.requested : data.quantity);
    decisions.push({ sku, orderKey: key, kind, quantity, eventId: row.event_id });
    if (row.type === 'ReservationConfirmed') allocations.push(...allocationsOf(sku, key, data));
  }

  const targets = new Map<string, Record<string, number>>();
  for (const [sku, state] of states) targets.set(sku, channelTargets(state));
  return {
    skus: [...kinds].map(([sku, kind]) => ({ sku, kind, stockIn: stockIn.get(sku) ?? 0 })),
    decisions,
    allocations,
    states,
    targets,
  };
}

/**
 * Single-use units once each; loop units grouped into (unit, count), whether the event lists a loop unit once
 * per use (`loopUnitIds`) or already as counted pairs (`loopUnits: [{unitId, count}]`).
 */
function allocationsOf(sku: string, key: string, data: Record<string, unknown>): Allocation[] {
  const single = ((data.allocatedUnitIds as string[] | undefined) ?? []).map((unitId): Allocation => ({
    sku,
    orderKey: key,
    unitId,
    count: 1,
    loop: false,
  }));
  const loops = new Map<string, number>();
  for (const unitId of (data.loopUnitIds as string[] | undefined) ?? [])
    loops.set(unitId, (loops.get(unitId) ?? 0) + 1);
  for (const u of (data.loopUnits as { unitId: string; count: number }[] | undefined) ?? [])
    loops.set(u.unitId, (loops.get(u.unitId) ?? 0) + u.count);
  return [
    ...single,
    ...[...loops].map(([unitId, count]): Allocation => ({ sku, orderKey: key, unitId, count, loop: true })),
  ];
}
