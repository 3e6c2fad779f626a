import { readCatalogueRow, type CatalogueRow } from './catalogue-row';
import { catalogueRows } from './catalogue-rows';
import { parseFieldMapping } from './field-mapping';
import { stockKindValues } from './stock-kind-values';

// 商品编码, 商品名称, 类型, 预警, 限购
const columns = { sku: 0, name: 1, stockKind: 2, lowStockThreshold: 3, perOrderCap: 4 };
const kinds = stockKindValues();
const row = (...fields: string[]) => readCatalogueRow(7, fields, columns, kinds);

describe('readCatalogueRow', () => {
  describe('given a complete valid row', () => {
    it('then it is an entry with the mapped settings', () => {
      expect(row(' GIFT-100 ', ' 礼品卡 100 元 ', '卡密', '20', '5')).toEqual({
        kind: 'entry',
        line: 7,
        sku: 'GIFT-100',
        name: '礼品卡 100 元',
        stockKind: 'cardKey',
        lowStockThreshold: 20,
        perOrderCap: 5,
      });
    });
  });

  describe('given empty, 无 or 不限 limits', () => {
    it('then there is no threshold and no cap', () => {
      expect(row('A', '', '普通', '', '不限')).toMatchObject({
        kind: 'entry',
        lowStockThreshold: null,
        perOrderCap: null,
        name: null,
      });
      expect(row('A', 'n', '普通', '无', '')).toMatchObject({ lowStockThreshold: null, perOrderCap: null });
    });
  });

  describe('given a cap of 0 (不限购) and a threshold of 0', () => {
    it('then there is no cap, and the alert fires at zero', () => {
      expect(row('A', 'n', '直充', '0', '0')).toMatchObject({
        stockKind: 'unlimited',
        lowStockThreshold: 0,
        perOrderCap: null,
      });
    });
  });

  describe('given numbers a spreadsheet wrote as decimals', () => {
    it('then whole values are read', () => {
      expect(row('A', 'n', 'quantity', '10.0', '3.00')).toMatchObject({
        lowStockThreshold: 10,
        perOrderCap: 3,
      });
    });
  });

  describe.each<[string, string[], Partial<CatalogueRow>]>([
    ['no SKU', ['', 'n', '卡密', '', ''], { reason: 'missing_sku' }],
    ['a SKU with a space', ['GIFT 100', 'n', '卡密', '', ''], { reason: 'invalid_sku' }],
    ['no stock kind', ['A', 'n', ' ', '', ''], { reason: 'missing_stock_kind', sku: 'A' }],
    ['an unknown stock kind', ['A', 'n', '实物', '', ''], { reason: 'unknown_stock_kind', sku: 'A' }],
    ['a negative threshold', ['A', 'n', '卡密', '-1', ''], { reason: 'invalid_low_stock_threshold' }],
    ['a fractional threshold', ['A', 'n', '卡密', '1.5', ''], { reason: 'invalid_low_stock_threshold' }],
    ['a cap in words', ['A', 'n', '卡密', '', '五'], { reason: 'invalid_per_order_cap' }],
    ['a cap over 10^9', ['A', 'n', '卡密', '', '1000000001'], { reason: 'invalid_per_order_cap' }],
    ['a name over 200 characters', ['A', 'x'.repeat(201), '卡密', '', ''], { reason: 'name_too_long' }],
    [
      'too few fields to reach a mapped column',
      ['A', 'n', '卡密', '5'],
      { reason: 'missing_field', sku: 'A' },
    ],
  ])('given %s', (_, fields, expected) => {
    it('then the row is invalid with that reason', () => {
      expect(row(...fields)).toMatchObject({ kind: 'invalid', line: 7, ...expected });
    });
  });

  describe('given an unmapped optional field', () => {
    it('then it is neither read nor required', () => {
      expect(readCatalogueRow(2, ['A', '卡密'], { sku: 0, stockKind: 1 }, kinds)).toEqual({
        kind: 'entry',
        line: 2,
        sku: 'A',
        name: null,
        stockKind: 'cardKey',
        lowStockThreshold: null,
        perOrderCap: null,
      });
    });
  });
});

describe('catalogueRows', () => {
  async function read(chunks: (string | Buffer)[], mappingText: string): Promise<CatalogueRow[]> {
    async function* source() {
      for (const c of chunks) yield c;
    }
    const out: CatalogueRow[] = [];
    for await (const r of catalogueRows(
      { format: 'csv', body: source() },
      { mapping: parseFieldMapping(mappingText), kinds },
    )) {
      out.push(r);
    }
    return out;
  }

  describe('given a BOM, CRLF, blank lines and a quoted multi-line name', () => {
    it('then rows keep the line they start on and blank lines are counted', async () => {
      const csv =
        '\uFEFF\r\n商品编码,商品名称,类型\r\nA,"礼品卡, ""大""\r\n第二行",卡密\r\n\r\nB,plain,直充\r\n';
      expect(await read([csv], 'sku=商品编码,name=商品名称,stockKind=类型')).toEqual([
        { kind: 'blank', line: 1 },
        {
          kind: 'entry',
          line: 3,
          sku: 'A',
          name: '礼品卡, "大"\n第二行',
          stockKind: 'cardKey',
          lowStockThreshold: null,
          perOrderCap: null,
        },
        { kind: 'blank', line: 5 },
        {
          kind: 'entry',
          line: 6,
          sku: 'B',
          name: 'plain',
          stockKind: 'unlimited',
          lowStockThreshold: null,
          perOrderCap: null,
        },
      ]);
    });
  });

  describe('given a header without a mapped column', () => {
    it('then the file fails with IMPORT.COLUMN_NOT_FOUND before any row', async () => {
      await expect(read(['sku,kind\nA,卡密\n'], 'sku=sku,stockKind=类型')).rejects.toMatchObject({
        code: 'IMPORT.COLUMN_NOT_FOUND',
      });
    });
  });

  describe('given a malformed record', () => {
    it('then that row is invalid and the next one is read', async () => {
      expect(await read(['sku,kind\nA"x,卡密\nB,卡密\n'], 'sku=sku,kind=kind')).toEqual([
        { kind: 'invalid', line: 2, reason: 'malformed_csv' },
        expect.objectContaining({ kind: 'entry', line: 3, sku: 'B' }),
      ]);
    });
  });
});
