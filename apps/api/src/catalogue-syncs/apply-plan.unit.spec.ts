import { applyCommandId, planApply, resultOf, type SkuSupplyState } from './apply-plan';
import type { CatalogueProduct } from './catalogue-diff';

const product: CatalogueProduct = {
  name: 'Steam 100',
  faceValue: 10_000,
  supplyPrice: 9_500,
  stock: 7,
  status: 'on_sale',
  kind: 'cardKey',
};
const row = { productId: 'STEAM-100', product };
const context = { supplierId: 'main-station', observedAt: 1_700_000_000_000 };
const observe = {
  supplierId: 'main-station',
  productId: 'STEAM-100',
  stock: 7,
  supplyPrice: 9_500,
  onSale: true,
  observedAt: 1_700_000_000_000,
};
const link = (supplierId: string, productId: string) => ({ supplierId, productId });

function given(state: SkuSupplyState) {
  return { when: (ctx: Parameters<typeof planApply>[2] = context) => planApply(row, state, ctx) };
}

describe('planApply', () => {
  describe('when the SKU is not registered', () => {
    it('then it is registered, given this supplier (with the sync safety buffer) and the report', () => {
      expect(given({ kind: null, suppliers: [] }).when({ ...context, safetyBuffer: 2 })).toEqual({
        register: true,
        supply: { suppliers: [link('main-station', 'STEAM-100')], safetyBuffer: 2 },
        observe,
      });
    });
  });

  describe('when the SKU is a supplier SKU of other suppliers', () => {
    it('then this supplier is added last, the safety buffer left as it is', () => {
      const plan = given({ kind: 'supplier', suppliers: [link('up-a', 'X')] }).when({
        ...context,
        safetyBuffer: 2,
      });
      expect(plan).toEqual({
        register: false,
        supply: { suppliers: [link('up-a', 'X'), link('main-station', 'STEAM-100')] },
        observe,
      });
    });

    it('then an eleventh supplier is refused', () => {
      const ten = Array.from({ length: 10 }, (_, i) => link(`up-${i}`, 'X'));
      expect(given({ kind: 'supplier', suppliers: ten }).when()).toEqual({ refused: 'too_many_suppliers' });
    });
  });

  describe('when the SKU lists this supplier for another product', () => {
    it('then the link points at this product in place (its priority kept)', () => {
      const plan = given({
        kind: 'supplier',
        suppliers: [link('main-station', 'OLD'), link('up-a', 'X')],
      }).when();
      expect(plan).toMatchObject({
        supply: { suppliers: [link('main-station', 'STEAM-100'), link('up-a', 'X')] },
      });
    });
  });

  describe('when the SKU already lists this supplier for this product', () => {
    it('then only the report is sent', () => {
      expect(given({ kind: 'supplier', suppliers: [link('main-station', 'STEAM-100')] }).when()).toEqual({
        register: false,
        supply: null,
        observe,
      });
    });
  });

  describe('when the SKU has another stock kind', () => {
    it('then nothing is sent (kind_conflict)', () => {
      expect(given({ kind: 'cardKey', suppliers: [] }).when()).toEqual({ refused: 'kind_conflict' });
    });
  });

  describe('when the product is off sale with unlimited stock', () => {
    it('then the report says so', () => {
      const plan = planApply(
        { productId: 'STEAM-100', product: { ...product, status: 'off_sale', stock: null } },
        { kind: null, suppliers: [] },
        context,
      );
      expect(plan).toMatchObject({ observe: { onSale: false, stock: null } });
    });
  });
});

describe('applyCommandId', () => {
  it('is the same for the same sync, step and product, and differs otherwise', () => {
    expect(applyCommandId('s1', 'register', 'P1')).toBe(applyCommandId('s1', 'register', 'P1'));
    expect(
      new Set([
        applyCommandId('s1', 'register', 'P1'),
        applyCommandId('s2', 'register', 'P1'),
        applyCommandId('s1', 'supply', 'P1'),
        applyCommandId('s1', 'register', 'P2'),
      ]).size,
    ).toBe(4);
  });
});

describe('resultOf', () => {
  const event = (type: string, data: unknown = {}) => ({ type, data });

  it('is applied when a step decided something now', () => {
    expect(
      resultOf([
        { status: 'applied', events: [event('SkuRegistered')] },
        { status: 'applied', events: [] },
      ]),
    ).toEqual({ result: 'applied' });
  });

  it('is already_applied when the steps were decided by an earlier apply of the same sync', () => {
    expect(
      resultOf([
        { status: 'duplicate', events: [event('SupplierStockObserved')] },
        { status: 'applied', events: [] },
      ]),
    ).toEqual({ result: 'already_applied' });
  });

  it('is unchanged when there was nothing to decide', () => {
    expect(resultOf([{ status: 'applied', events: [] }])).toEqual({ result: 'unchanged' });
  });

  it('is rejected with the inventory reason when a step was refused, even on a repeat', () => {
    expect(
      resultOf([
        { status: 'duplicate', events: [event('CommandRejected', { reason: 'ALREADY_REGISTERED' })] },
      ]),
    ).toEqual({ result: 'rejected', reason: 'INVENTORY.ALREADY_REGISTERED' });
  });
});
