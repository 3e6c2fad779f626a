import fc from 'fast-check';
import {
  inventoryDecider,
  InventoryCommand,
  InventoryEvent,
  InventoryState,
  mapEntries,
  mapGet,
  MIN_BOOKS_HORIZON_MS,
  outcomeOf,
} from '@libs/inventory';
import { scenario } from '../test/arbitraries';
import { deepFreeze } from '../test/decider-specification';
import { SKU, T0 } from '../test/fixtures';
import { runScenario } from '../test/run-scenario';

const RUNS = { numRuns: 1000 };
const recall = inventoryDecider.recall!;

interface Played {
  readonly command: InventoryCommand;
  readonly events: InventoryEvent[];
  readonly after: InventoryState;
}

/**
 * The same commands decided a second time with the books closed at the given points, the way the batch handler
 * does it: before each command, the events its lookup keys name are read from the stream written so far (here:
 * the run's own event log, in order) and handed to the command.
 */
function playWithClosedBooks(
  played: readonly Played[],
  closings: ReadonlyMap<number, number>,
  onStep: (i: number, events: InventoryEvent[], after: InventoryState) => void,
): void {
  let state = deepFreeze(inventoryDecider.initialState());
  const log: InventoryEvent[] = [];
  const apply = (events: InventoryEvent[]) => {
    log.push(...events);
    state = deepFreeze(events.reduce(inventoryDecider.evolve, state));
  };
  played.forEach(({ command }, i) => {
    const closeAt = closings.get(i);
    if (closeAt !== undefined) {
      const now = command.data.now + MIN_BOOKS_HORIZON_MS;
      const before = Math.min(closeAt, command.data.now);
      apply(inventoryDecider.decide({ type: 'CloseBooks', data: { sku: SKU, now, before } }, state));
    }
    const keys = new Set(recall.keysFor(command, state));
    const history = log.filter((e) => keys.has((e.data as { channelOrderId?: string }).channelOrderId ?? ''));
    const events = inventoryDecider.decide(recall.withHistory(command, state, history), state);
    apply(events);
    onStep(i, events, state);
  });
}

function check(condition: boolean, message: string, context?: unknown): void {
  if (!condition) throw new Error(`${message}${context === undefined ? '' : `: ${JSON.stringify(context)}`}`);
}

describe('closing the books (random command sequences)', () => {
  it('decides every command exactly as the full history would, wherever the books are closed', () => {
    let recalls = 0;
    fc.assert(
      fc.property(
        scenario(),
        fc.array(fc.record({ at: fc.nat(60), before: fc.integer({ min: 0, max: 400 }) }), { maxLength: 6 }),
        (s, points) => {
          const full: Played[] = [];
          runScenario(s, ({ command, events, after }) => full.push({ command, events, after }));
          const closings = new Map(points.map((p) => [p.at % full.length, T0 + p.before] as const));

          playWithClosedBooks(full, closings, (i, events, after) => {
            const expected = full[i];
            const decided = events.filter((e) => e.type !== 'OrdersRecalled');
            check(
              JSON.stringify(decided) === JSON.stringify(expected.events),
              'the same events as with the full history',
              { command: expected.command, expected: expected.events, decided },
            );
            // What the state still holds is what the full history holds; only closed records are missing.
            check(
              JSON.stringify(after.counters) === JSON.stringify(expected.after.counters),
              'the same counters',
            );
            for (const [key, record] of mapEntries(after.orders)) {
              check(
                JSON.stringify(record) === JSON.stringify(mapGet(expected.after.orders, key)),
                'a record kept is the record of the full history',
                { key },
              );
            }
            const data = expected.command.data as { channel?: unknown; channelOrderId?: unknown };
            if (typeof data.channel === 'string' && typeof data.channelOrderId === 'string') {
              const outcome = outcomeOf(after, data.channel, data.channelOrderId);
              const truth = outcomeOf(expected.after, data.channel, data.channelOrderId);
              // After a command about an order, its answer is readable again (recalled if it had been closed).
              if (truth !== null)
                check(JSON.stringify(outcome) === JSON.stringify(truth), 'the same answer for the order', {
                  key: data,
                  outcome,
                  truth,
                });
            }
            if (events.some((e) => e.type === 'OrdersRecalled')) recalls += 1;
          });
        },
      ),
      RUNS,
    );
    // Not vacuous: records were closed and then needed again in many of the runs.
    expect(recalls).toBeGreaterThan(100);
  });

  it('cannot be fed a record: a recalled record the command is not about, or one never closable, is ignored', () => {
    fc.assert(
      fc.property(scenario(['quantity']), (s) => {
        const full: Played[] = [];
        runScenario(s, ({ command, events, after }) => full.push({ command, events, after }));
        const last = full[full.length - 1].after;
        const closed = inventoryDecider.decide(
          { type: 'CloseBooks', data: { sku: SKU, now: T0 + 10 * MIN_BOOKS_HORIZON_MS, before: T0 + 1e6 } },
          last,
        );
        const state = closed.reduce(inventoryDecider.evolve, last);
        const forged = {
          channel: 'taobao',
          channelOrderId: 'forged',
          status: 'confirmed' as const,
          reason: null,
          lines: [{ quantity: 1, poolId: null, endless: 0 }],
          quantity: 1,
          expiresAt: null,
          allocatedUnitIds: [],
          loopUnits: [],
          settledAt: T0,
        };
        const events = inventoryDecider.decide(
          {
            type: 'ReserveStock',
            data: {
              sku: SKU,
              now: T0 + 11 * MIN_BOOKS_HORIZON_MS,
              channel: 'pdd',
              channelOrderId: 'other',
              lines: [{ quantity: 1 }],
              expiresAt: T0 + 12 * MIN_BOOKS_HORIZON_MS,
              recalled: [forged],
            },
          },
          state,
        );
        check(!events.some((e) => e.type === 'OrdersRecalled'), 'no record slipped in', events);
      }),
      { numRuns: 200 },
    );
  });
});
