import fc from 'fast-check';
import { inventoryDecider, mapGet, MAX_UNITS_PER_IMPORT_EVENT, stockLevels } from '@libs/inventory';
import type { CardKeysImported, InventoryState } from '@libs/inventory';
import { command, keysImported, registeredCardKeys } from '../../test/fixtures';

/**
 * The plain rule an import follows, written without parts: walk the rows once; a row is added unless it is
 * invalid, repeats a fingerprint of this batch or of the pool, or reuses a unit id.
 */
function reference(pool: InventoryState, rows: { unitId: string; fingerprint: string; loop?: boolean }[]) {
  const fingerprints = new Set<string>();
  const unitIds = new Set<string>();
  const added: string[] = [];
  const skipped: string[] = [];
  for (const row of rows) {
    const valid = row.unitId !== '' && row.fingerprint !== '';
    const taken =
      fingerprints.has(row.fingerprint) ||
      mapGet(pool.fingerprints, row.fingerprint) !== undefined ||
      unitIds.has(row.unitId) ||
      mapGet(pool.units, row.unitId) !== undefined;
    if (!valid || taken) skipped.push(row.unitId);
    else {
      fingerprints.add(row.fingerprint);
      unitIds.add(row.unitId);
      added.push(row.unitId);
    }
  }
  return { added, skipped };
}

const row = fc.record({
  // Small id spaces, so repeats of unit ids and fingerprints (in the batch and in the pool) are common.
  unitId: fc.oneof(
    fc.integer({ min: 0, max: 4_000 }).map((i) => `k${i}`),
    fc.constant(''),
  ),
  fingerprint: fc.integer({ min: 0, max: 3_500 }).map((i) => `f${i}`),
  loop: fc.integer({ min: 0, max: 9 }).map((i) => i === 0),
});

describe('card-key imports recorded in parts', () => {
  it('given any batch of up to 2,600 rows on a pool that already holds keys, then the parts hold at most the bound, are numbered in order, and add up to the same answer as the rule applied to the whole batch', () => {
    const pool = [registeredCardKeys(), ...[keysImported(50, 'earlier', 1)]].reduce(
      (s, e) => inventoryDecider.evolve(s, e),
      inventoryDecider.initialState(),
    );
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 2_600, size: 'max' }), (rows) => {
        const events = inventoryDecider.decide(
          command('ImportCardKeys', { batchId: 'batch', units: rows }),
          pool,
        );
        const parts = events.filter((e): e is CardKeysImported => e.type === 'CardKeysImported');
        expect(parts).toHaveLength(events.length);
        expect(parts).toHaveLength(Math.max(1, Math.ceil(rows.length / MAX_UNITS_PER_IMPORT_EVENT)));
        parts.forEach((p, i) => {
          expect(p.data.units.length + p.data.skipped.length).toBeLessThanOrEqual(MAX_UNITS_PER_IMPORT_EVENT);
          if (parts.length > 1) expect([p.data.part, p.data.parts]).toEqual([i + 1, parts.length]);
          else expect(p.data.part).toBeUndefined();
        });
        const expected = reference(pool, rows);
        expect(parts.flatMap((p) => p.data.units.map((u) => u.unitId))).toEqual(expected.added);
        expect(parts.flatMap((p) => p.data.skipped.map((u) => u.unitId))).toEqual(expected.skipped);

        const after = events.reduce((s, e) => inventoryDecider.evolve(s, e), pool);
        expect(mapGet(after.batches, 'batch')).toEqual({
          added: expected.added.length,
          skipped: expected.skipped.length,
        });
        const singles = parts.flatMap((p) => p.data.units).filter((u) => !u.loop).length;
        expect(stockLevels(after).onHand).toBe(stockLevels(pool).onHand + singles);
        // The batch is answered once: the same batch id again decides nothing.
        expect(
          inventoryDecider.decide(command('ImportCardKeys', { batchId: 'batch', units: rows }), after),
        ).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });
});
