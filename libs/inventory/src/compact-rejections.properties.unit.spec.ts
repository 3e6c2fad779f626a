import fc from 'fast-check';
import {
  inventoryDecider,
  mapEntries,
  mergedRejections,
  type InventoryState,
  type InventoryEvent,
  type ReservationRejected,
} from '@libs/inventory';
import { scenario } from '../test/arbitraries';
import { runScenario } from '../test/run-scenario';

/**
 * The batch handler stores a batch's rejections of one SKU as one ReservationsRejected after the batch's other
 * events (Decider.compaction). That is only sound if the state folded from the stored form is the state the
 * decisions were taken on: evolving the merged event at the batch's end equals evolving the parts where they were.
 */
/** The state with its persistent maps as sorted entries: the same entries inserted in another order are equal. */
function canonical(state: InventoryState): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(state).map(([key, value]) => {
      const isMap = value !== null && typeof value === 'object' && 'root' in value && 'size' in value;
      return [
        key,
        isMap ? mapEntries(value as never).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : value,
      ];
    }),
  );
}

describe('compact rejections (random command sequences, cut into random batches)', () => {
  it('folds to the same state at every batch end as the events in decision order', () => {
    let merged = 0;
    fc.assert(
      fc.property(
        scenario(),
        fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 20 }),
        (s, cuts) => {
          const log: InventoryEvent[] = [];
          runScenario(s, ({ events }) => log.push(...events));
          const { evolve, initialState } = inventoryDecider;
          let decided = initialState();
          let stored = initialState();
          let at = 0;
          for (let b = 0; at < log.length; b++) {
            const batch = log.slice(at, at + cuts[b % cuts.length]);
            at += batch.length;
            const rejections = batch.filter(
              (e): e is ReservationRejected => e.type === 'ReservationRejected',
            );
            const others = batch.filter((e) => e.type !== 'ReservationRejected');
            const storedForm = rejections.length > 1 ? [...others, mergedRejections(rejections)] : batch;
            if (rejections.length > 1) merged += 1;
            decided = batch.reduce(evolve, decided);
            stored = storedForm.reduce(evolve, stored);
            expect(canonical(stored)).toEqual(canonical(decided));
          }
        },
      ),
      { numRuns: 1000 },
    );
    expect(merged).toBeGreaterThan(100);
  });
});
