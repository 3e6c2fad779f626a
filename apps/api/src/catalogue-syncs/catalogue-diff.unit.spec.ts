import type { CatalogueItem } from '@libs/suppliers';
import {
  type CatalogueDiffInput,
  countRows,
  diffCatalogue,
  type KnownLink,
  type KnownSku,
  reportOf,
  skuOf,
  type SupplierReport,
} from './catalogue-diff';

const SUPPLIER = 'main-station';

const item = (productId: string, fields: Partial<CatalogueItem> = {}): CatalogueItem => ({
  productId,
  name: `name of ${productId}`,
  faceValue: 1_000,
  supplyPrice: 950,
  stock: 10,
  status: 'on_sale',
  kind: 'cardKey',
  ...fields,
});

const reported = (fields: Partial<SupplierReport> = {}): SupplierReport => ({
  supplyPrice: 950,
  stock: 10,
  status: 'on_sale',
  ...fields,
});
const NOT_REPORTED: SupplierReport = { supplyPrice: null, stock: null, status: null };

const link = (productId: string, report = reported(), supplierId = SUPPLIER): KnownLink => ({
  supplierId,
  productId,
  report,
});
const supplierSku = (...suppliers: KnownLink[]): KnownSku => ({ kind: 'supplier', suppliers });

function given(state: {
  skus?: Record<string, KnownSku>;
  linked?: CatalogueDiffInput['linked'];
  prefix?: string;
}) {
  return {
    when: (products: CatalogueItem[]) =>
      diffCatalogue({
        supplierId: SUPPLIER,
        mapping: { skuPrefix: state.prefix ?? 'ms-', skuFrom: 'productId' },
        products,
        skus: new Map(Object.entries(state.skus ?? {})),
        linked: state.linked ?? [],
      }),
  };
}

describe('diffCatalogue', () => {
  describe('given nothing in StockSync', () => {
    it('then every product is new, under the prefixed SKU, with its catalogue fields', () => {
      const rows = given({}).when([item('P1'), item('P2', { stock: null, kind: 'topUp' })]);
      expect(rows).toEqual([
        {
          productId: 'P1',
          sku: 'ms-P1',
          status: 'new',
          product: {
            name: 'name of P1',
            faceValue: 1_000,
            supplyPrice: 950,
            stock: 10,
            status: 'on_sale',
            kind: 'cardKey',
          },
        },
        expect.objectContaining({ productId: 'P2', sku: 'ms-P2', status: 'new' }),
      ]);
      expect(countRows(rows)).toEqual({ new: 2, changed: 0, unchanged: 0, gone: 0, invalid: 0 });
    });
  });

  describe('given a SKU linked to the product with the same report', () => {
    it('then the row is unchanged', () => {
      const rows = given({ skus: { 'ms-P1': supplierSku(link('P1')) } }).when([item('P1')]);
      expect(rows).toEqual([expect.objectContaining({ sku: 'ms-P1', status: 'unchanged' })]);
      expect(rows[0].changes).toBeUndefined();
    });

    it('then a renamed product or another face value is still unchanged (the domain keeps neither)', () => {
      const rows = given({ skus: { 'ms-P1': supplierSku(link('P1')) } }).when([
        item('P1', { name: 'new name', faceValue: 2_000 }),
      ]);
      expect(rows[0].status).toBe('unchanged');
    });
  });

  describe('given the supplier reported another price, stock and status', () => {
    it('then the row is changed, each field old → new, prices in fen', () => {
      const rows = given({
        skus: {
          'ms-P1': supplierSku(link('P1', reported({ supplyPrice: 950, stock: 3, status: 'off_sale' }))),
        },
      }).when([item('P1', { supplyPrice: 990, stock: 10, status: 'on_sale' })]);
      expect(rows[0]).toMatchObject({
        status: 'changed',
        changes: [
          { field: 'supplyPrice', old: 950, new: 990 },
          { field: 'stock', old: 3, new: 10 },
          { field: 'status', old: 'off_sale', new: 'on_sale' },
        ],
      });
    });

    it('then unlimited stock (null) is compared as a value', () => {
      const rows = given({ skus: { 'ms-P1': supplierSku(link('P1', reported({ stock: null }))) } }).when([
        item('P1', { stock: 5 }),
      ]);
      expect(rows[0].changes).toEqual([{ field: 'stock', old: null, new: 5 }]);
    });
  });

  describe('given a SKU linked to the product that the supplier never reported', () => {
    it('then the report fields are new (null → the catalogue)', () => {
      const rows = given({ skus: { 'ms-P1': supplierSku(link('P1', NOT_REPORTED)) } }).when([item('P1')]);
      expect(rows[0]).toMatchObject({
        status: 'changed',
        changes: [
          { field: 'supplyPrice', old: null, new: 950 },
          { field: 'stock', old: null, new: 10 },
          { field: 'status', old: null, new: 'on_sale' },
        ],
      });
    });
  });

  describe('given the mapped SKU is a supplier SKU of other suppliers only', () => {
    it('then the row is changed: this supplier is added, and its report is new', () => {
      const rows = given({ skus: { 'ms-P1': supplierSku(link('X9', reported(), 'other-supplier')) } }).when([
        item('P1'),
      ]);
      expect(rows[0]).toMatchObject({
        status: 'changed',
        changes: [
          { field: 'supplierProduct', old: null, new: 'P1' },
          { field: 'supplyPrice', old: null, new: 950 },
          { field: 'stock', old: null, new: 10 },
          { field: 'status', old: null, new: 'on_sale' },
        ],
      });
    });
  });

  describe('given the mapped SKU links this supplier to another product', () => {
    it('then the link moves (supplierProduct old → new) and the SKU is not also gone', () => {
      const rows = given({
        skus: { 'ms-P1': supplierSku(link('OLD')) },
        linked: [{ sku: 'ms-P1', productId: 'OLD', report: reported() }],
      }).when([item('P1')]);
      expect(rows).toHaveLength(1);
      expect(rows[0].changes?.[0]).toEqual({ field: 'supplierProduct', old: 'OLD', new: 'P1' });
    });
  });

  describe('given SKUs linked to products the catalogue no longer lists', () => {
    it('then each is gone, after the catalogue rows, by SKU, with what the supplier last reported', () => {
      const rows = given({
        skus: { 'ms-P1': supplierSku(link('P1')) },
        linked: [
          { sku: 'ms-P1', productId: 'P1', report: reported() },
          { sku: 'zz-kept', productId: 'P8', report: reported({ supplyPrice: 70 }) },
          { sku: 'aa-kept', productId: 'P9', report: NOT_REPORTED },
        ],
      }).when([item('P1')]);
      expect(rows.map((r) => [r.status, r.sku, r.productId])).toEqual([
        ['unchanged', 'ms-P1', 'P1'],
        ['gone', 'aa-kept', 'P9'],
        ['gone', 'zz-kept', 'P8'],
      ]);
      expect(rows[2]).toEqual({
        productId: 'P8',
        sku: 'zz-kept',
        status: 'gone',
        last: { supplyPrice: 70, stock: 10, status: 'on_sale' },
      });
    });

    it('then a product still listed, under another SKU of ours, is not gone', () => {
      const rows = given({ linked: [{ sku: 'my-own-name', productId: 'P1', report: reported() }] }).when([
        item('P1'),
      ]);
      expect(rows.map((r) => r.status)).toEqual(['new']);
    });
  });

  describe('given rows StockSync cannot take as they are', () => {
    it('then a SKU of another stock kind is invalid (kind_conflict), showing the kinds', () => {
      const rows = given({ skus: { 'ms-P1': { kind: 'quantity', suppliers: [] } } }).when([item('P1')]);
      expect(rows[0]).toMatchObject({
        status: 'invalid',
        reason: 'kind_conflict',
        changes: [{ field: 'kind', old: 'quantity', new: 'supplier' }],
      });
    });

    it('then a product id too long for a SKU with the prefix is invalid (invalid_sku) with the rule broken', () => {
      const long = 'P'.repeat(128);
      const rows = given({}).when([item(long)]);
      expect(rows[0]).toMatchObject({
        productId: long,
        sku: null,
        status: 'invalid',
        reason: 'invalid_sku',
        detail: 'IDENTIFIER.TOO_LONG',
      });
    });

    it('then a product listed twice (on two pages) is invalid the second time (duplicate_product)', () => {
      const rows = given({}).when([item('P1'), item('P1', { supplyPrice: 1 })]);
      expect(rows.map((r) => [r.status, r.reason])).toEqual([
        ['new', undefined],
        ['invalid', 'duplicate_product'],
      ]);
    });

    it('then two products that map to one SKU leave the second invalid (duplicate_sku)', () => {
      // NFKC makes the fullwidth ｍｓ-AB the same SKU as ms-AB.
      const clash = given({ prefix: '' }).when([item('ms-AB'), item('ｍｓ-AB')]);
      expect(clash.map((r) => [r.status, r.reason])).toEqual([
        ['new', undefined],
        ['invalid', 'duplicate_sku'],
      ]);
    });

    it('then an eleventh supplier is invalid (too_many_suppliers)', () => {
      const ten = Array.from({ length: 10 }, (_, i) => link(`Q${i}`, reported(), `other-${i}`));
      const rows = given({ skus: { 'ms-P1': supplierSku(...ten) } }).when([item('P1')]);
      expect(rows[0]).toMatchObject({ status: 'invalid', reason: 'too_many_suppliers' });
    });
  });
});

describe('skuOf', () => {
  it('puts the prefix before the product id and normalises the result', () => {
    expect(skuOf({ skuPrefix: 'ms-', skuFrom: 'productId' }, 'P1')).toEqual({ ok: true, sku: 'ms-P1' });
    expect(skuOf({ skuPrefix: '', skuFrom: 'productId' }, 'ＳＫＵ１')).toEqual({ ok: true, sku: 'SKU1' });
  });
});

describe('reportOf', () => {
  it('reads a link never reported as no report at all, not as stock 0', () => {
    expect(reportOf({ observedAt: null, supplyPrice: null, stock: 0, onSale: false })).toEqual(NOT_REPORTED);
    expect(reportOf({ observedAt: new Date(), supplyPrice: 5, stock: 0, onSale: false })).toEqual({
      supplyPrice: 5,
      stock: 0,
      status: 'off_sale',
    });
  });
});
