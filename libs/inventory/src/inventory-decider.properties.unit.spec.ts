import fc from 'fast-check';
import {
  availabilityForChannels,
  channelTargets,
  generalAvailable,
  inventoryDecider,
  isEndless,
  InventoryEvent,
  InventoryState,
  mapEntries,
  mapGet,
  mapValues,
  outcomeOf,
  poolFree,
} from '@libs/inventory';
import { keysAwaited } from './decisions/operator-actions';
import { scenario } from '../test/arbitraries';
import { runScenario, StepResult } from '../test/run-scenario';

const RUNS = { numRuns: 1000 };

function check(condition: boolean, message: string, context?: unknown): void {
  if (!condition) throw new Error(`${message}${context === undefined ? '' : `: ${JSON.stringify(context)}`}`);
}

const STATE_PRESERVING: ReadonlySet<InventoryEvent['type']> = new Set(['CommandRejected']);

/** Commands whose first answer is final: re-sent later, they must produce no events at all. */
const ANSWERED_ONCE: ReadonlySet<string> = new Set([
  'RegisterSku',
  'ReceiveStock',
  'ImportCardKeys',
  'ReserveStock',
  'ConfirmReservation',
  'ReleaseReservation',
  'RecordDelivery',
  'AdjustStock',
  'RedeemCardKey',
  'VoidCardKey',
  'RefundOrder',
  'ReplaceCardKey',
  'CloseDedicatedPool',
]);

function changedState(events: readonly InventoryEvent[]): boolean {
  return events.some((event) => !STATE_PRESERVING.has(event.type));
}

function reservationsHeld(state: InventoryState): {
  counted: number;
  endless: number;
  perPool: Map<string, number>;
} {
  let counted = 0;
  let endless = 0;
  const perPool = new Map<string, number>();
  for (const [key] of mapEntries(state.openReservations)) {
    const order = mapGet(state.orders, key);
    check(
      order !== undefined && order.status === 'reserved',
      'an open reservation has a reserved order',
      key,
    );
    for (const line of order?.lines ?? []) {
      counted += line.quantity - line.endless;
      endless += line.endless;
      if (line.poolId !== null) perPool.set(line.poolId, (perPool.get(line.poolId) ?? 0) + line.quantity);
    }
  }
  const reservedOrders = mapValues(state.orders).filter((order) => order.status === 'reserved').length;
  check(reservedOrders === state.openReservations.size, 'every reserved order is an open reservation');
  // Paid orders waiting for keys by hand (manual delivery) hold the stock of the keys they still need.
  for (const order of mapValues(state.orders)) counted += keysAwaited(order);
  return { counted, endless, perPool };
}

/** Objects with the plain prototype, arrays, strings, finite numbers, booleans and null: nothing else. */
function assertPlainJson(value: unknown, path: string): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number')
    return check(Number.isFinite(value) && !Object.is(value, -0), 'finite number', path);
  if (Array.isArray(value)) return value.forEach((item, i) => assertPlainJson(item, `${path}[${i}]`));
  check(typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype, 'plain object', path);
  for (const [key, child] of Object.entries(value as object)) assertPlainJson(child, `${path}.${key}`);
}

describe('inventory decider properties (random command sequences)', () => {
  it('never lets on hand − reserved go below 0, nor general or pooled availability', () => {
    fc.assert(
      fc.property(scenario(), (s) => {
        runScenario(s, ({ before, after, command, events }) => {
          for (const event of events) {
            if (event.type !== 'StockReserved') continue;
            const endless = event.data.lines.some((line) => line.endless > 0);
            check(
              !endless || isEndless(before),
              'only an endless SKU serves orders beyond its counted stock',
              event,
            );
          }
          const { onHand, reserved, endlessReserved } = after.counters;
          check(onHand - reserved >= 0, 'on hand − reserved ≥ 0', { command, counters: after.counters });
          check(generalAvailable(after) >= 0, 'general availability ≥ 0', {
            command,
            counters: after.counters,
          });
          const held = reservationsHeld(after);
          check(
            held.counted === reserved && held.endless === endlessReserved,
            'reserved counters match open reservations',
          );
          for (const pool of Object.values(after.pools)) {
            check(pool.reserved >= 0 && pool.sold >= 0 && poolFree(pool) >= 0, 'pool counts ≥ 0', pool);
            check(
              pool.reserved === (held.perPool.get(pool.poolId) ?? 0),
              'pool reserved matches its open reservations',
            );
          }
        });
      }),
      RUNS,
    );
  });

  it('never allocates a single-use card key to two orders', () => {
    fc.assert(
      fc.property(scenario(['cardKey']), (s) => {
        const owner = new Map<string, string>();
        runScenario(s, ({ before, events }) => {
          for (const event of events) {
            if (event.type === 'OrderRefunded') {
              // Keys the buyer never received went back to stock: they may be sold to another order now.
              for (const unitId of event.data.returnedUnitIds) {
                check(mapGet(before.units, unitId)?.status === 'allocated', 'only undelivered keys return');
                owner.delete(unitId);
              }
              continue;
            }
            if (event.type === 'CardKeyReplaced') {
              const { replacementUnitId, unitId } = event.data;
              const order = `${event.data.channel}/${event.data.channelOrderId}`;
              check(owner.get(unitId) === order, 'only a key of the order is replaced', { unitId, order });
              check(!owner.has(replacementUnitId), 'a replacement is no other order’s key', {
                replacementUnitId,
                first: owner.get(replacementUnitId),
              });
              const unit = mapGet(before.units, replacementUnitId);
              check(unit?.status === 'available' && !unit.loop, 'a replacement is an available single key');
              owner.set(replacementUnitId, order);
              continue;
            }
            if (event.type === 'KeysAllocatedManually') {
              const order = `${event.data.channel}/${event.data.channelOrderId}`;
              for (const unitId of event.data.unitIds) {
                check(!owner.has(unitId), 'a key given by hand is no other order’s', { unitId });
                const unit = mapGet(before.units, unitId);
                check(unit?.status === 'available' && !unit.loop, 'only an available single key is given');
                owner.set(unitId, order);
              }
              continue;
            }
            if (event.type === 'DeliveryRepeated') {
              for (const unitId of event.data.unitIds)
                check(mapGet(before.units, unitId)?.status !== 'voided', 'a voided key is never sent again');
              continue;
            }
            if (event.type !== 'ReservationConfirmed') continue;
            const order = `${event.data.channel}/${event.data.channelOrderId}`;
            for (const unitId of event.data.allocatedUnitIds) {
              check(!owner.has(unitId), 'unit allocated twice', {
                unitId,
                first: owner.get(unitId),
                second: order,
              });
              const unit = mapGet(before.units, unitId);
              check(
                unit?.status === 'available' && !unit.loop,
                'only an available single-use key is allocated',
                unit,
              );
              owner.set(unitId, order);
            }
            for (const { unitId } of event.data.loopUnits)
              check(mapGet(before.units, unitId)?.loop === true, 'loop ids are loop keys');
          }
        });
      }),
      RUNS,
    );
  });

  it('changes nothing when a reserve, confirm, release or import is repeated, now or later', () => {
    fc.assert(
      fc.property(scenario(), (s) => {
        runScenario(s, (step: StepResult) => {
          const again = inventoryDecider.decide(step.command, step.after);
          check(!changedState(again), 'an immediate repeat emits no state-changing event', {
            command: step.command,
            again,
          });
          if (changedState(step.events) && ANSWERED_ONCE.has(step.command.type)) {
            check(again.length === 0, 'an immediate repeat of an answered command emits nothing', {
              command: step.command,
              again,
            });
          }
          const first = step.replayOf;
          if (first === null || !ANSWERED_ONCE.has(first.command.type)) return;
          if (!changedState(first.events)) return;
          check(step.events.length === 0, 'a later repeat emits nothing', {
            command: step.command,
            events: step.events,
          });
          if (step.command.type === 'ReserveStock') {
            const { channel, channelOrderId } = step.command.data;
            const outcome = outcomeOf(step.after, channel, channelOrderId);
            check(outcome !== null, 'a repeated order keeps its outcome');
          }
        });
      }),
      RUNS,
    );
  });

  it('conserves stock: received − adjusted − delivered = on hand, and on hand = unsold keys', () => {
    fc.assert(
      fc.property(scenario(), (s) => {
        runScenario(s, ({ after, command }) => {
          const { received, adjusted, delivered, onHand } = after.counters;
          check(received - adjusted - delivered === onHand, 'conservation', {
            command,
            counters: after.counters,
          });
          if (after.kind === 'cardKey') {
            const unsold = mapValues(after.units).filter((u) => !u.loop && u.status === 'available').length;
            check(unsold === onHand, 'on hand equals the unsold single-use keys', { unsold, onHand });
          }
          if (after.kind === 'unlimited')
            check(onHand === 0 && received === 0, 'unlimited stock counts nothing');
        });
      }),
      RUNS,
    );
  });

  it('keeps every channel target between 0 and what is available', () => {
    fc.assert(
      fc.property(scenario(), (s) => {
        runScenario(s, ({ after }) => {
          const availability = availabilityForChannels(after);
          for (const [channel, target] of Object.entries(channelTargets(after))) {
            check(Number.isSafeInteger(target) && target >= 0, 'target is a whole number ≥ 0', {
              channel,
              target,
            });
            if (!availability.endless) {
              check(target <= availability.quantity, 'target ≤ available', { channel, target, availability });
            }
          }
        });
      }),
      RUNS,
    );
  });

  it('raises the low-stock alert once per downward crossing and holds it exactly while stock is low', () => {
    fc.assert(
      fc.property(scenario(), (s) => {
        let moved = false;
        runScenario(s, ({ before, after, events }) => {
          const level = (state: InventoryState) => (isEndless(state) ? null : state.counters.onHand);
          if (after.kind !== null && level(after) !== level(before) && before.kind !== null) moved = true;
          const threshold = after.lowStockThreshold;
          const afterLevel = level(after);
          const low = threshold !== null && afterLevel !== null && afterLevel <= threshold;
          check(after.lowStockAlertActive === (moved && low), 'alert raised exactly while low', {
            moved,
            low,
            events,
          });
          const raised = events.filter((event) => event.type === 'LowStockAlerted').length;
          check(
            raised === (!before.lowStockAlertActive && after.lowStockAlertActive ? 1 : 0),
            'one alert per crossing',
          );
        });
      }),
      RUNS,
    );
  });

  it('keeps the state plain JSON: a reloaded snapshot decides exactly like the live state', () => {
    fc.assert(
      fc.property(scenario(), (s) => {
        runScenario(s, ({ before, command, events }) => {
          assertPlainJson(before, 'state');
          const snapshot = JSON.stringify(before);
          const reloaded = JSON.parse(snapshot) as InventoryState;
          check(JSON.stringify(reloaded) === snapshot, 'a snapshot reloads unchanged');
          const again = inventoryDecider.decide(command, reloaded);
          check(JSON.stringify(again) === JSON.stringify(events), 'a reloaded state decides the same', {
            command,
          });
        });
      }),
      RUNS,
    );
  });
});
