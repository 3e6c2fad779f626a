import { HttpStatus } from '@nestjs/common';
import { STOCK_KINDS, type StockKind } from '@libs/inventory';
import { ApiError } from '../common/api-error';
import { parsePairs } from './field-mapping';

/**
 * How Chinese shop and 卡盟 exports name the stock kind, besides our own names. 直充 (direct top-up) is fulfilled
 * upstream, with no stock counted here, hence unlimited; a shop that counts it sends `stockKindValues=直充=quantity`.
 */
export const BUILT_IN_STOCK_KIND_VALUES: Readonly<Record<string, StockKind>> = {
  quantity: 'quantity',
  普通: 'quantity',
  普通商品: 'quantity',
  数量: 'quantity',
  cardkey: 'cardKey',
  card_key: 'cardKey',
  'card-key': 'cardKey',
  卡密: 'cardKey',
  卡密商品: 'cardKey',
  unlimited: 'unlimited',
  直充: 'unlimited',
  直充商品: 'unlimited',
  不限: 'unlimited',
  无限: 'unlimited',
};

/** Cell text → stock kind; looked up trimmed and lower-cased. */
export type StockKindValues = ReadonlyMap<string, StockKind>;

const normalise = (value: string) => value.trim().toLowerCase();

/** The built-in table, extended (or overridden) by `value=kind` pairs such as `实物=quantity,代充=unlimited`. */
export function stockKindValues(extra?: string): StockKindValues {
  const values = new Map(Object.entries(BUILT_IN_STOCK_KIND_VALUES));
  if (extra === undefined) return values;
  for (const [value, kindName] of parsePairs(extra, 'stockKindValues')) {
    const kind = STOCK_KINDS.find((k) => k.toLowerCase() === kindName.toLowerCase());
    if (!kind) {
      throw new ApiError(
        HttpStatus.BAD_REQUEST,
        'IMPORT.INVALID_MAPPING',
        `stockKindValues: "${kindName}" is not a stock kind (${STOCK_KINDS.join(', ')})`,
        { value, kind: kindName },
      );
    }
    values.set(normalise(value), kind);
  }
  return values;
}

export function stockKindOf(values: StockKindValues, cell: string): StockKind | undefined {
  return values.get(normalise(cell));
}
