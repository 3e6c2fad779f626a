import { orderKey } from '@libs/inventory';
import type { ObservedHistory } from './oracle';

type Decision = ObservedHistory['decisions'][number];
type Allocation = ObservedHistory['allocations'][number];

/** A stored event as any event store gives it back (in-memory RecordedEvent, or an `events` row). */
export interface StoredEventLike {
  eventId: string;
  type: string;
  data: unknown;
}

export interface StoreHistory {
  skus: ObservedHistory['skus'];
  decisions: Decision[];
  allocations: Allocation[];
}

const DECISION_KINDS: Record<string, Decision['kind'] | undefined> = {
  StockReserved: 'reserved',
  ReservationRejected: 'rejected',
  ReservationConfirmed: 'confirmed',
  ReservationReleased: 'released',
  ReservationExpired: 'expired',
};

/**
 * The event store's part of an ObservedHistory, from its SKU events in global order: the units that entered
 * each SKU, every order decision, every card-key allocation. Pure, so the in-memory simulation and a run against
 * PostgreSQL judge the same facts the same way.
 */
export function storeHistory(events: Iterable<StoredEventLike>): StoreHistory {
  const kinds = new Map<string, ObservedHistory['skus'][number]['kind']>();
  const stockIn = new Map<string, number>();
  const decisions: Decision[] = [];
  const allocations: Allocation[] = [];
  const net = new Map<string, number>();
  const add = (sku: string, n: number) => stockIn.set(sku, (stockIn.get(sku) ?? 0) + n);
  const move = (sku: string, n: number) => net.set(sku, (net.get(sku) ?? 0) + n);

  for (const event of events) {
    const data = (event.data ?? {}) as Record<string, unknown>;
    if (typeof data.sku !== 'string') continue;
    const sku = data.sku;
    switch (event.type) {
      case 'SkuRegistered':
        kinds.set(sku, data.kind as 'quantity' | 'cardKey' | 'unlimited');
        break;
      case 'StockReceived':
        add(sku, Number(data.quantity));
        move(sku, Number(data.quantity));
        break;
      case 'StockAdjusted':
        // Only what entered: a write-off taken into the bound would make it lower at every earlier point too,
        // and report holds that were covered when they were made.
        add(sku, Math.max(0, Number(data.delta)));
        move(sku, Number(data.delta));
        break;
      case 'CardKeysImported':
        // Loop keys sell without running out: only single-use keys bound what can be held.
        add(sku, (data.units as { loop?: boolean }[]).filter((u) => !u.loop).length);
        move(sku, (data.units as { loop?: boolean }[]).filter((u) => !u.loop).length);
        break;
      case 'ReservationsRejected':
        // A batch's refusals stored as one event: one decision each, as if stored apart.
        for (const r of (data.rejections as Record<string, unknown>[] | undefined) ?? []) {
          decisions.push({
            sku,
            orderKey: orderKey(String(r.channel), String(r.channelOrderId)),
            kind: 'rejected',
            quantity: Number(r.requested),
            eventId: event.eventId,
            stockSoFar: net.get(sku) ?? 0,
          });
        }
        continue;
      default:
        break;
    }
    const kind = DECISION_KINDS[event.type];
    if (kind === undefined) continue;
    const key = orderKey(String(data.channel), String(data.channelOrderId));
    const quantity = Number(kind === 'rejected' ? data.requested : data.quantity);
    const decision: Decision = {
      sku,
      orderKey: key,
      kind,
      quantity,
      eventId: event.eventId,
      stockSoFar: net.get(sku) ?? 0,
    };
    if (kind === 'reserved' && Array.isArray(data.lines)) {
      const endless = (data.lines as { endless?: number }[]).reduce((n, l) => n + (l.endless ?? 0), 0);
      decision.counted = quantity - endless;
    }
    decisions.push(decision);
    if (event.type === 'ReservationConfirmed') allocations.push(...allocationsOf(sku, key, data));
  }
  return {
    skus: [...kinds].map(([sku, kind]) => ({ sku, kind, stockIn: stockIn.get(sku) ?? 0 })),
    decisions,
    allocations,
  };
}

/**
 * Single-use units once each; loop units grouped into (unit, count), whether the event lists a loop unit once
 * per use (`loopUnitIds`) or as counted pairs (`loopUnits: [{unitId, count}]`).
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
