import fc from 'fast-check';
import type { RecordedEvent } from '@libs/event-store';
import {
  channelTargets,
  inventoryDecider,
  mapEntries,
  mapValues,
  stockLevels,
  type InventoryState,
} from '@libs/inventory';
import { InMemoryReadModels } from '../../test/in-memory-read-models';
import { commandSequence, SKUS, UNREGISTERED } from '../../test/inventory-commands.arbitrary';
import { commandsFor, record, RecordedStreams, T0 } from '../../test/recorded-streams';
import { eventsBySku, projectBatch } from './batch-projection';
import { unprojectedSku, type ProjectedSku } from './projected-sku';
import { EventProjectionError, QuarantineReasons } from './projection-failure';
import { foldSkuBatch, isStateSavePoint, ProjectionGapError } from './sku-batch-fold';

const SKU = 'GIFT-100';
const c = commandsFor(SKU);

/** Projects the events in the given batches, carrying each SKU's state from batch to batch as the projector does. */
function projectInBatches(
  batches: RecordedEvent[][],
  stateSaveEvery: number,
  tables = new InMemoryReadModels(),
) {
  const projected = new Map<string, ProjectedSku>();
  for (const batch of batches) {
    const { bySku, otherStreams } = eventsBySku(batch);
    for (const sku of bySku.keys()) if (!projected.has(sku)) projected.set(sku, unprojectedSku(sku));
    const result = projectBatch(bySku, projected, { stateSaveEvery }, otherStreams);
    tables.apply(result.changes);
    for (const end of result.ends) projected.set(end.sku, end);
  }
  return { tables, projected };
}

function split(events: RecordedEvent[], cuts: number[]): RecordedEvent[][] {
  const points = [...new Set(cuts.map((c) => c % (events.length + 1)))].sort((a, b) => a - b);
  const batches: RecordedEvent[][] = [];
  let from = 0;
  for (const p of [...points, events.length]) {
    if (p > from) batches.push(events.slice(from, p));
    from = Math.max(from, p);
  }
  return batches;
}

describe('folding one SKU of a batch', () => {
  const streams = new RecordedStreams();
  const events = streams.runAll([
    c.register(T0, 'quantity'),
    c.policy(T0 + 1, 'taobao'),
    c.policy(T0 + 2, 'pinduoduo', { bufferQuantity: 2 }),
    c.receive(T0 + 3, 'b1', 10),
    c.reserve(T0 + 4, 'taobao', 'T1', 3),
  ]);

  it('skips the events at or below the projected version, so a redelivery changes nothing', () => {
    const first = foldSkuBatch(unprojectedSku(SKU), events, { stateSaveEvery: 1000 });
    const again = foldSkuBatch(first.end, events, { stateSaveEvery: 1000 });
    expect(again.applied).toBe(0);
    expect(again.alreadyApplied).toBe(events.length);
    expect(again).toMatchObject({
      skuStock: null,
      state: null,
      movements: [],
      reservations: [],
      targets: [],
    });
    expect(again.end).toEqual(first.end);
    expect(again.end.state).toBe(first.end.state);
  });

  it('refuses a stream that skips a version', () => {
    expect(() => foldSkuBatch(unprojectedSku(SKU), events.slice(1), { stateSaveEvery: 1000 })).toThrow(
      ProjectionGapError,
    );
  });

  it('writes each changed channel target once per batch, at the SKU version after the batch', () => {
    const fold = foldSkuBatch(unprojectedSku(SKU), events, { stateSaveEvery: 1000 });
    expect(fold.targets).toEqual([
      { channel: 'taobao', sku: SKU, quantity: 7, price: null, version: 5, occurredAt: new Date(T0 + 4) },
      { channel: 'pinduoduo', sku: SKU, quantity: 5, price: null, version: 5, occurredAt: new Date(T0 + 4) },
    ]);
  });

  it('announces a policy change even when the listed quantity stays the same', () => {
    const before = foldSkuBatch(unprojectedSku(SKU), events, { stateSaveEvery: 1000 }).end;
    const more = new RecordedStreams();
    more.runAll([
      c.register(T0, 'quantity'),
      c.policy(T0 + 1, 'taobao'),
      c.policy(T0 + 2, 'pinduoduo', { bufferQuantity: 2 }),
      c.receive(T0 + 3, 'b1', 10),
      c.reserve(T0 + 4, 'taobao', 'T1', 3),
    ]);
    const next = more.run(c.policy(T0 + 5, 'taobao', { maxListed: 100 }));
    const fold = foldSkuBatch(before, next, { stateSaveEvery: 1000 });
    expect(fold.targets).toEqual([
      { channel: 'taobao', sku: SKU, quantity: 7, price: null, version: 6, occurredAt: new Date(T0 + 5) },
    ]);
  });

  it('announces a changed selling price with the quantity, even when the quantity stays the same', () => {
    const before = foldSkuBatch(unprojectedSku(SKU), events, { stateSaveEvery: 1000 }).end;
    const next = [
      record(SKU, 6, 99, {
        type: 'PricingSet',
        data: {
          sku: SKU,
          at: T0 + 9,
          actor: 'ops',
          pricing: {
            faceValue: 1000,
            costPrice: 800,
            defaultRule: { kind: 'percent', value: 2500 },
            channelRules: {},
            rounding: { step: 10, mode: 'up' },
            floor: null,
          },
        },
      }),
    ];
    const fold = foldSkuBatch(before, next, { stateSaveEvery: 1000 });
    expect(fold.targets).toEqual([
      { channel: 'taobao', sku: SKU, quantity: 7, price: 1000, version: 6, occurredAt: new Date(T0 + 9) },
      { channel: 'pinduoduo', sku: SKU, quantity: 5, price: 1000, version: 6, occurredAt: new Date(T0 + 9) },
    ]);
  });

  it('writes no target when nothing a channel lists has changed', () => {
    const before = foldSkuBatch(unprojectedSku(SKU), events, { stateSaveEvery: 1000 }).end;
    const next = [
      record(SKU, 6, 99, {
        type: 'CommandRejected',
        data: {
          sku: SKU,
          at: T0 + 9,
          actor: null,
          command: 'ConfirmReservation',
          reason: 'RESERVATION_NOT_FOUND',
          channel: 'shop',
          channelOrderId: 'X',
          ref: null,
        },
      }),
    ];
    const fold = foldSkuBatch(before, next, { stateSaveEvery: 1000 });
    expect(fold.targets).toEqual([]);
    expect(fold.skuStock).toMatchObject({ version: 6, updatedAt: new Date(T0 + 9) });
  });

  it('writes the SKU row with its new threshold and per-order cap after a settings change', () => {
    const before = foldSkuBatch(unprojectedSku(SKU), events, { stateSaveEvery: 1000 }).end;
    const more = new RecordedStreams();
    more.runAll([
      c.register(T0, 'quantity'),
      c.policy(T0 + 1, 'taobao'),
      c.policy(T0 + 2, 'pinduoduo', { bufferQuantity: 2 }),
      c.receive(T0 + 3, 'b1', 10),
      c.reserve(T0 + 4, 'taobao', 'T1', 3),
    ]);
    const next = more.run(c.changeSettings(T0 + 5, { lowStockThreshold: 12, perOrderCap: 2 }));
    const fold = foldSkuBatch(before, next, { stateSaveEvery: 1000 });
    expect(fold.skuStock).toMatchObject({ lowStockThreshold: 12, perOrderCap: 2, version: 7 });
    expect(fold.alert).toMatchObject({ sku: SKU, threshold: 12, onHand: 10 });
    expect(fold.targets).toEqual([]);
  });

  it('keeps the state at exact multiples of the save interval, whatever the batch boundaries', () => {
    const whole = foldSkuBatch(unprojectedSku(SKU), events, { stateSaveEvery: 2 });
    expect(whole.state?.saved?.version).toBe(4);
    expect(whole.end.savedVersion).toBe(4);
    const first = foldSkuBatch(unprojectedSku(SKU), events.slice(0, 3), { stateSaveEvery: 2 });
    const second = foldSkuBatch(first.end, events.slice(3), { stateSaveEvery: 2 });
    expect(first.state?.saved?.version).toBe(2);
    expect(second.state?.saved).toEqual(whole.state?.saved);
    const none = foldSkuBatch(second.end, streams.run(c.receive(T0 + 9, 'b2', 1)), { stateSaveEvery: 2 });
    expect(none.state).toEqual({ sku: SKU, version: 5 + 1, saved: expect.objectContaining({ version: 6 }) });
  });

  it('saves at multiples of the interval, spaced out as the stream grows', () => {
    const points = (upTo: number) =>
      Array.from({ length: upTo }, (_, i) => i + 1).filter((v) => isStateSavePoint(v, 10));
    expect(points(160)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150, 160]);
    expect(points(640).filter((v) => v > 160)).toEqual([
      180, 200, 220, 240, 260, 280, 300, 320, 360, 400, 440, 480, 520, 560, 600, 640,
    ]);
    // Bounded work per event: about 8 saves per doubling of the stream.
    expect(points(100_000).length).toBeLessThan(16 + 8 * 10);
    expect(isStateSavePoint(5, 0)).toBe(false);
  });

  it('stops at an event type it does not know, naming that event', () => {
    const start = foldSkuBatch(unprojectedSku(SKU), events, { stateSaveEvery: 1000 }).end;
    const unknown = record(SKU, 6, 50, { type: 'StockTeleported', data: { sku: SKU, at: T0 + 7 } });
    let thrown: unknown;
    try {
      foldSkuBatch(start, [unknown], { stateSaveEvery: 1000 });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(EventProjectionError);
    expect(thrown).toMatchObject({ event: unknown, reason: QuarantineReasons.UNKNOWN_EVENT_TYPE });
  });

  it('names an event whose data cannot be read, and folds the events before it', () => {
    const broken = { ...record(SKU, 6, 50, { type: 'StockReceived', data: {} }), data: 'not an object' };
    expect(() => foldSkuBatch(unprojectedSku(SKU), [...events, broken], { stateSaveEvery: 1000 })).toThrow(
      expect.objectContaining({ event: broken, reason: QuarantineReasons.UNDECODABLE_EVENT }),
    );
    expect(foldSkuBatch(unprojectedSku(SKU), events, { stateSaveEvery: 1000 }).end.version).toBe(5);
  });

  it('shows no stock for a SKU nobody registered, but remembers its version', () => {
    const other = new RecordedStreams();
    const rejected = other.run(commandsFor('GHOST').receive(T0, 'b1', 5));
    const fold = foldSkuBatch(unprojectedSku('GHOST'), rejected, { stateSaveEvery: 1000 });
    expect(fold.skuStock).toBeNull();
    expect(fold.state).toEqual({ sku: 'GHOST', version: 1, saved: null });
  });
});

describe('any command sequence, split into any batches', () => {
  const fold = (events: RecordedEvent[], sku: string): InventoryState =>
    events
      .filter((e) => e.streamId === `sku-${sku}`)
      .reduce(
        (s, e) => inventoryDecider.evolve(s, { type: e.type, data: e.data } as never),
        inventoryDecider.initialState(),
      );

  it('gives the same tables as one batch, matching the fold of the events, and a replay adds nothing', () => {
    fc.assert(
      fc.property(
        commandSequence,
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.integer({ min: 1, max: 7 }),
        (commands, cuts, stateSaveEvery) => {
          const streams = new RecordedStreams();
          const events = streams.runAll(commands);
          const whole = projectInBatches([events], stateSaveEvery);
          const pieces = projectInBatches(split(events, cuts), stateSaveEvery);
          expect(pieces.tables.snapshot()).toEqual(whole.tables.snapshot());

          // A second delivery of everything, from the projected states, changes no table and writes no target.
          const outboxBefore = pieces.tables.outbox.length;
          const replay = projectBatch(eventsBySku(events).bySku, pieces.projected, { stateSaveEvery });
          expect(replay.counts).toMatchObject({ applied: 0, alreadyApplied: events.length });
          pieces.tables.apply(replay.changes);
          expect(pieces.tables.snapshot()).toEqual(whole.tables.snapshot());
          expect(pieces.tables.outbox).toHaveLength(outboxBefore);

          const latest = pieces.tables.latestTargets();
          for (const sku of [...SKUS, UNREGISTERED]) {
            const state = fold(events, sku);
            const levels = stockLevels(state);
            const row = pieces.tables.skuStock.get(sku);
            if (state.kind === null) expect(row).toBeUndefined();
            else
              expect(row).toMatchObject({
                ...levels,
                lowStockThreshold: state.lowStockThreshold,
                perOrderCap: state.perOrderCap,
                version: streams.version(sku),
              });

            // Movements add up to the levels.
            const moves = [...pieces.tables.movements.values()].filter((m) => m.sku === sku);
            const sum = (k: 'deltaOnHand' | 'deltaReserved' | 'deltaAvailable') =>
              moves.reduce((n, m) => n + m[k], 0);
            expect({
              onHand: sum('deltaOnHand'),
              reserved: sum('deltaReserved'),
              available: sum('deltaAvailable'),
            }).toEqual({
              onHand: levels.onHand,
              reserved: levels.reserved,
              available: levels.available,
            });

            // Every remembered order has its row, with the domain's status.
            const orders = mapValues(state.orders).map((o) => [o.channel, o.channelOrderId, o.status]);
            const rows = [...pieces.tables.reservations.values()]
              .filter((r) => r.sku === sku)
              .map((r) => [r.channel, r.channelOrderId, r.status]);
            expect(new Set(rows.map((r) => r.join('|')))).toEqual(new Set(orders.map((o) => o.join('|'))));

            // Card-key counts per batch and status equal the units.
            const expected = new Map<string, number>();
            for (const [, unit] of mapEntries(state.units)) {
              const key = `${sku}|${unit.batchId}|${unit.status}`;
              expected.set(key, (expected.get(key) ?? 0) + 1);
            }
            const counted = new Map(
              [...pieces.tables.cardKeyCounts].filter(([k]) => k.startsWith(`${sku}|`)),
            );
            expect(counted).toEqual(expected);

            // The alert row is open exactly while the domain holds the alert.
            expect(pieces.tables.alerts.get(sku)?.open ?? false).toBe(state.lowStockAlertActive);

            // The last target written per channel is the domain's target now.
            const targets = channelTargets(state);
            const written = Object.fromEntries(
              [...latest.values()].filter((t) => t.sku === sku).map((t) => [t.channel, t.quantity]),
            );
            expect(written).toEqual(targets);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
