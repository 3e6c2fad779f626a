import { mapGet, MAX_UNITS_PER_IMPORT_EVENT, stockLevels } from '@libs/inventory';
import { given } from '../../test/decider-specification';
import {
  command,
  event,
  keysImported,
  received,
  registeredCardKeys,
  registeredQuantity,
  registeredUnlimited,
} from '../../test/fixtures';

describe('ReceiveStock', () => {
  describe('when the SKU is not registered', () => {
    it('rejects with UNKNOWN_SKU', () => {
      given([])
        .when(command('ReceiveStock', { batchId: 'b1', quantity: 5 }))
        .thenRejects('UNKNOWN_SKU');
    });
  });

  describe('when the SKU counts quantity', () => {
    it('adds the quantity and attributes it to the actor', () => {
      given([registeredQuantity()])
        .when(command('ReceiveStock', { batchId: 'b1', quantity: 5, actor: 'ops:bob' }))
        .then([event('StockReceived', { batchId: 'b1', quantity: 5, actor: 'ops:bob' })]);
    });

    it('adds nothing for a batch id it has already received', () => {
      given([registeredQuantity(), received(5, 'b1')])
        .when(command('ReceiveStock', { batchId: 'b1', quantity: 5 }))
        .thenNothing();
    });

    it('rejects a quantity that is not a positive whole number', () => {
      for (const quantity of [0, -3, 1.5, Number.NaN]) {
        given([registeredQuantity()])
          .when(command('ReceiveStock', { batchId: 'b1', quantity }))
          .thenRejects('INVALID_QUANTITY');
      }
    });

    it('rejects an empty batch id', () => {
      given([registeredQuantity()])
        .when(command('ReceiveStock', { batchId: '', quantity: 1 }))
        .thenRejects('INVALID_REFERENCE');
    });

    it('rejects a card-key batch', () => {
      given([registeredQuantity()])
        .when(command('ImportCardKeys', { batchId: 'b1', units: [{ unitId: 'k1', fingerprint: 'f1' }] }))
        .thenRejects('KIND_MISMATCH');
    });
  });

  describe('when the SKU is unlimited', () => {
    it('rejects receipts: there is nothing to count', () => {
      given([registeredUnlimited()])
        .when(command('ReceiveStock', { batchId: 'b1', quantity: 5 }))
        .thenRejects('KIND_MISMATCH');
    });
  });
});

describe('ImportCardKeys', () => {
  describe('when the pool is empty', () => {
    it('adds every unit, single-use and loop', () => {
      const result = given([registeredCardKeys()]).when(
        command('ImportCardKeys', {
          batchId: 'b1',
          units: [
            { unitId: 'k1', fingerprint: 'f1' },
            { unitId: 'k2', fingerprint: 'f2', loop: true },
          ],
        }),
      );
      result.then([
        event('CardKeysImported', {
          batchId: 'b1',
          units: [
            { unitId: 'k1', fingerprint: 'f1', loop: false },
            { unitId: 'k2', fingerprint: 'f2', loop: true },
          ],
          skipped: [],
        }),
      ]);
      expect(stockLevels(result.state)).toMatchObject({ received: 1, onHand: 1, endless: true });
    });

    it('reports a fingerprint repeated inside the batch instead of adding it', () => {
      given([registeredCardKeys()])
        .when(
          command('ImportCardKeys', {
            batchId: 'b1',
            units: [
              { unitId: 'k1', fingerprint: 'f1' },
              { unitId: 'k2', fingerprint: 'f1' },
            ],
          }),
        )
        .then([
          event('CardKeysImported', {
            batchId: 'b1',
            units: [{ unitId: 'k1', fingerprint: 'f1', loop: false }],
            skipped: [{ unitId: 'k2', fingerprint: 'f1', reason: 'DUPLICATE_IN_BATCH' }],
          }),
        ]);
    });

    it('reports a reused unit id and an incomplete row', () => {
      given([registeredCardKeys()])
        .when(
          command('ImportCardKeys', {
            batchId: 'b1',
            units: [
              { unitId: 'k1', fingerprint: 'f1' },
              { unitId: 'k1', fingerprint: 'f2' },
              { unitId: 'k3', fingerprint: '' },
            ],
          }),
        )
        .then([
          event('CardKeysImported', {
            batchId: 'b1',
            units: [{ unitId: 'k1', fingerprint: 'f1', loop: false }],
            skipped: [
              { unitId: 'k1', fingerprint: 'f2', reason: 'UNIT_ID_TAKEN' },
              { unitId: 'k3', fingerprint: '', reason: 'INVALID_UNIT' },
            ],
          }),
        ]);
    });

    it('rejects an empty batch', () => {
      given([registeredCardKeys()])
        .when(command('ImportCardKeys', { batchId: 'b1', units: [] }))
        .thenRejects('INVALID_QUANTITY');
    });
  });

  describe('when keys are already in the pool', () => {
    const pool = [registeredCardKeys(), keysImported(2, 'b1')];

    it('reports a secret already in the pool instead of adding it again', () => {
      given(pool)
        .when(
          command('ImportCardKeys', {
            batchId: 'b2',
            units: [
              { unitId: 'k9', fingerprint: 'f1' },
              { unitId: 'k3', fingerprint: 'f3' },
            ],
          }),
        )
        .then([
          event('CardKeysImported', {
            batchId: 'b2',
            units: [{ unitId: 'k3', fingerprint: 'f3', loop: false }],
            skipped: [{ unitId: 'k9', fingerprint: 'f1', reason: 'ALREADY_IN_POOL' }],
          }),
        ]);
    });

    it('adds nothing when the same batch arrives again', () => {
      given(pool)
        .when(command('ImportCardKeys', { batchId: 'b1', units: [{ unitId: 'k7', fingerprint: 'f7' }] }))
        .thenNothing();
    });

    it('still records a batch made only of duplicates, so its result can be read back', () => {
      const result = given(pool).when(
        command('ImportCardKeys', { batchId: 'b2', units: [{ unitId: 'k1', fingerprint: 'f1' }] }),
      );
      expect(result.events).toHaveLength(1);
      expect(stockLevels(result.state).onHand).toBe(2);
      given([...pool, ...result.events])
        .when(command('ImportCardKeys', { batchId: 'b2', units: [{ unitId: 'k5', fingerprint: 'f5' }] }))
        .thenNothing();
    });
  });

  describe('a large import', () => {
    const units = (n: number, from = 0) =>
      Array.from({ length: n }, (_, i) => ({ unitId: `k${from + i}`, fingerprint: `f${from + i}` }));

    it(`given ${MAX_UNITS_PER_IMPORT_EVENT * 2 + 500} new keys, when imported, then the result is recorded in parts of at most ${MAX_UNITS_PER_IMPORT_EVENT} units, numbered, with the batch counted once in full`, () => {
      const total = MAX_UNITS_PER_IMPORT_EVENT * 2 + 500;
      const result = given([registeredCardKeys()]).when(
        command('ImportCardKeys', { batchId: 'big', units: units(total) }),
      );
      expect(result.events.map((e) => e.type)).toEqual([
        'CardKeysImported',
        'CardKeysImported',
        'CardKeysImported',
      ]);
      const parts = result.events.map(
        (e) => e.data as unknown as { units: unknown[]; skipped: unknown[]; part?: number; parts?: number },
      );
      expect(parts.map((p) => [p.units.length, p.part, p.parts])).toEqual([
        [MAX_UNITS_PER_IMPORT_EVENT, 1, 3],
        [MAX_UNITS_PER_IMPORT_EVENT, 2, 3],
        [500, 3, 3],
      ]);
      expect(stockLevels(result.state).onHand).toBe(total);
      expect(mapGet(result.state.batches, 'big')).toEqual({ added: total, skipped: 0 });
      given([registeredCardKeys(), ...result.events])
        .when(command('ImportCardKeys', { batchId: 'big', units: units(3) }))
        .thenNothing();
    });

    it('given duplicates among many keys, then added and reported keys share the parts, and no part holds more than the bound', () => {
      const fresh = units(MAX_UNITS_PER_IMPORT_EVENT + 10);
      const repeated = units(40); // the same fingerprints again: reported, not added
      const result = given([registeredCardKeys()]).when(
        command('ImportCardKeys', { batchId: 'mixed', units: [...fresh, ...repeated] }),
      );
      const parts = result.events.map((e) => e.data as unknown as { units: unknown[]; skipped: unknown[] });
      for (const part of parts)
        expect(part.units.length + part.skipped.length).toBeLessThanOrEqual(MAX_UNITS_PER_IMPORT_EVENT);
      expect(parts.reduce((n, p) => n + p.units.length, 0)).toBe(fresh.length);
      expect(parts.reduce((n, p) => n + p.skipped.length, 0)).toBe(repeated.length);
      expect(mapGet(result.state.batches, 'mixed')).toEqual({
        added: fresh.length,
        skipped: repeated.length,
      });
    });

    it('given a small import, then it stays one event without part numbers', () => {
      const result = given([registeredCardKeys()]).when(
        command('ImportCardKeys', { batchId: 'small', units: units(3) }),
      );
      expect(result.events).toHaveLength(1);
      expect(result.events[0].data).not.toHaveProperty('part');
    });
  });
});
