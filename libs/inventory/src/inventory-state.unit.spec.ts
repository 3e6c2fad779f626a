import fc from 'fast-check';
import { inventoryDecider, reviveInventoryState, type InventoryState } from '@libs/inventory';
import { scenario } from '../test/arbitraries';
import { runScenario } from '../test/run-scenario';

describe('reviveInventoryState: a snapshot read back shares the empty values', () => {
  it('given a registered SKU read back from JSON, then its empty collections are the shared ones and nothing else changed', () => {
    const registered = inventoryDecider
      .decide(
        { type: 'RegisterSku', data: { sku: 'S1', now: 0, kind: 'quantity' } },
        inventoryDecider.initialState(),
      )
      .reduce(inventoryDecider.evolve, inventoryDecider.initialState());
    const parsed = JSON.parse(JSON.stringify(registered)) as InventoryState;
    const revived = reviveInventoryState(parsed);
    const fresh = inventoryDecider.initialState();
    expect(revived).toEqual(registered);
    for (const key of [
      'orders',
      'units',
      'fingerprints',
      'batches',
      'unitQueue',
      'loopUnitIds',
      'pools',
    ] as const)
      expect(revived[key]).toBe(fresh[key]);
  });

  it('given any scenario, when its final state is read back from JSON and revived, then it is equal to it (pure decisions on equal states are equal)', () => {
    fc.assert(
      fc.property(scenario(), (s) => {
        const state = runScenario(s, () => undefined);
        const revived = reviveInventoryState(JSON.parse(JSON.stringify(state)) as InventoryState);
        expect(revived).toEqual(state);
      }),
      { numRuns: 200 },
    );
  });
});
