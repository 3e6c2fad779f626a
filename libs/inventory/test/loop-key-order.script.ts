/*
 * Run in a child process with a small heap by loop-key-allocation.unit.spec.ts: a loop-key order that would
 * once build an array of one entry per unit aborts the whole process (a V8 heap OOM cannot be caught), so
 * it has to be watched from outside. Prints one JSON line with what the decider answered.
 */
import { inventoryDecider, InventoryEvent, InventoryState } from '@libs/inventory';

const SKU = 'LOOP-1';
const now = Date.UTC(2026, 0, 1);
const ctx = { sku: SKU, at: now, actor: null };

function fold(state: InventoryState, events: InventoryEvent[]): InventoryState {
  return events.reduce((s, e) => inventoryDecider.evolve(s, e), state);
}

let state = fold(inventoryDecider.initialState(), [
  { type: 'SkuRegistered', data: { ...ctx, kind: 'cardKey', lowStockThreshold: null, perOrderCap: null } },
  {
    type: 'CardKeysImported',
    data: {
      ...ctx,
      batchId: 'loops',
      units: [{ unitId: 'loop-1', fingerprint: 'f-loop-1', loop: true }],
      skipped: [],
    },
  },
]);

const answer = (orderId: string, quantity: number) => {
  const placed = inventoryDecider.decide(
    {
      type: 'ReserveStock',
      data: {
        sku: SKU,
        now,
        channel: 'taobao',
        channelOrderId: orderId,
        lines: [{ quantity }],
        expiresAt: now + 60_000,
      },
    },
    state,
  );
  state = fold(state, placed);
  const paid = inventoryDecider.decide(
    { type: 'ConfirmReservation', data: { sku: SKU, now, channel: 'taobao', channelOrderId: orderId } },
    state,
  );
  state = fold(state, paid);
  return [...placed, ...paid];
};

// A reservation accepted before the order bound existed, still in an event store, then paid.
const legacy: InventoryEvent = {
  type: 'StockReserved',
  data: {
    ...ctx,
    channel: 'taobao',
    channelOrderId: 'legacy',
    lines: [{ quantity: 5e8, poolId: null, endless: 5e8 }],
    quantity: 5e8,
    expiresAt: now + 60_000,
  },
};
state = fold(state, [legacy]);
const legacyPaid = inventoryDecider.decide(
  { type: 'ConfirmReservation', data: { sku: SKU, now, channel: 'taobao', channelOrderId: 'legacy' } },
  state,
);
state = fold(state, legacyPaid);

const summary = (events: InventoryEvent[]) =>
  events.map((e) =>
    e.type === 'ReservationConfirmed'
      ? { type: e.type, loopUnits: e.data.loopUnits, allocatedUnitIds: e.data.allocatedUnitIds }
      : e.type === 'ReservationRejected' || e.type === 'CommandRejected'
        ? { type: e.type, reason: e.data.reason }
        : { type: e.type },
  );

process.stdout.write(
  `${JSON.stringify({
    huge: summary(answer('huge', 5e8)),
    large: summary(answer('large', 900_000)),
    legacy: summary(legacyPaid),
    heapUsedMb: Math.round(process.memoryUsage().heapUsed / 1e6),
  })}\n`,
);
