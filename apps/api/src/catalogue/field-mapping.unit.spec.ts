import { ApiError } from '../common/api-error';
import { parseFieldMapping, resolveColumns } from './field-mapping';
import { stockKindOf, stockKindValues } from './stock-kind-values';

function errorOf(fn: () => unknown): { code: string; details?: unknown } {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    const { code, details } = error as ApiError;
    return { code, details };
  }
  throw new Error('expected an ApiError');
}

describe('parseFieldMapping', () => {
  describe('given a complete mapping with Chinese column names', () => {
    const text = ' sku = 商品编码 ,name=商品名称,stockKind=类型,lowStockThreshold=预警,perOrderCap=限购';

    it('then each field names its column, trimmed', () => {
      expect(parseFieldMapping(text)).toEqual({
        sku: '商品编码',
        name: '商品名称',
        stockKind: '类型',
        lowStockThreshold: '预警',
        perOrderCap: '限购',
      });
    });
  });

  describe('given field names in another case or the alias kind', () => {
    it('then they name our fields', () => {
      expect(parseFieldMapping('SKU=code,Kind=type')).toEqual({ sku: 'code', stockKind: 'type' });
    });
  });

  describe('given a column name holding "="', () => {
    it('then only the first "=" separates', () => {
      expect(parseFieldMapping('sku=a=b,stockKind=t')).toEqual({ sku: 'a=b', stockKind: 't' });
    });
  });

  describe('given a required field left unmapped', () => {
    it('then it is IMPORT.MAPPING_INCOMPLETE naming every missing field', () => {
      expect(errorOf(() => parseFieldMapping('name=商品名称'))).toEqual({
        code: 'IMPORT.MAPPING_INCOMPLETE',
        details: { missing: ['sku', 'stockKind'] },
      });
    });
  });

  describe.each([
    ['an unknown field', 'sku=a,stockKind=b,price=售价'],
    ['a field mapped twice', 'sku=a,stockKind=b,sku=c'],
    ['a pair without "="', 'sku=a,stockKind'],
    ['an empty column', 'sku=,stockKind=b'],
    ['an empty entry', 'sku=a,,stockKind=b'],
  ])('given %s', (_, text) => {
    it('then it is IMPORT.INVALID_MAPPING', () => {
      expect(errorOf(() => parseFieldMapping(text)).code).toBe('IMPORT.INVALID_MAPPING');
    });
  });
});

describe('resolveColumns', () => {
  const mapping = { sku: '商品编码', stockKind: 'Type', perOrderCap: '限购' };

  describe('given a header holding every mapped column', () => {
    it('then each field gets its index, names matched trimmed and case-insensitively', () => {
      expect(resolveColumns(mapping, ['名称', 'type', '商品编码', '限购'])).toEqual({
        sku: 2,
        stockKind: 1,
        perOrderCap: 3,
      });
    });
  });

  describe('given a header missing mapped columns', () => {
    it('then it is IMPORT.COLUMN_NOT_FOUND listing them with the header', () => {
      expect(errorOf(() => resolveColumns(mapping, ['商品编码', '类型']))).toEqual({
        code: 'IMPORT.COLUMN_NOT_FOUND',
        details: {
          missing: [
            { field: 'stockKind', column: 'Type' },
            { field: 'perOrderCap', column: '限购' },
          ],
          header: ['商品编码', '类型'],
        },
      });
    });
  });

  describe('given a header naming a mapped column twice', () => {
    it('then it is IMPORT.INVALID_HEADER', () => {
      expect(errorOf(() => resolveColumns(mapping, ['商品编码', 'type', '限购', 'TYPE'])).code).toBe(
        'IMPORT.INVALID_HEADER',
      );
    });
  });
});

describe('stockKindValues', () => {
  describe('given the built-in values', () => {
    const kinds = stockKindValues();
    it.each([
      ['卡密', 'cardKey'],
      [' CardKey ', 'cardKey'],
      ['直充', 'unlimited'],
      ['普通', 'quantity'],
      ['Quantity', 'quantity'],
      ['实物', undefined],
    ])('then %j is %s', (cell, kind) => {
      expect(stockKindOf(kinds, cell)).toBe(kind);
    });
  });

  describe('given extra value=kind pairs', () => {
    const kinds = stockKindValues('实物=quantity,直充=Quantity');
    it('then they add to and override the built-in values', () => {
      expect(stockKindOf(kinds, '实物')).toBe('quantity');
      expect(stockKindOf(kinds, '直充')).toBe('quantity');
      expect(stockKindOf(kinds, '卡密')).toBe('cardKey');
    });
  });

  describe('given a pair naming no stock kind', () => {
    it('then it is IMPORT.INVALID_MAPPING', () => {
      expect(errorOf(() => stockKindValues('实物=physical')).code).toBe('IMPORT.INVALID_MAPPING');
    });
  });
});
