import type { StockKind } from '@libs/inventory';
import { normaliseIdentifier } from '@libs/messaging';
import type { ColumnIndexes } from './field-mapping';
import { stockKindOf, type StockKindValues } from './stock-kind-values';

export const MAX_NAME_LENGTH = 200;

/**
 * The SKU of the import template's example row (GET /v1/catalogue/imports/template). A row that still names it is
 * `invalid` (`example_row`): a template filled in below its example would otherwise register it.
 */
export const TEMPLATE_EXAMPLE_SKU = 'EXAMPLE-SKU-示例-请删除此行';
/** The largest threshold or cap POST /v1/skus accepts. */
const MAX_LIMIT = 1_000_000_000;

export type RowInvalidReason =
  | 'line_too_long'
  | 'invalid_encoding'
  | 'malformed_csv'
  | 'missing_field'
  | 'missing_sku'
  | 'invalid_sku'
  | 'missing_stock_kind'
  | 'unknown_stock_kind'
  | 'invalid_low_stock_threshold'
  | 'invalid_per_order_cap'
  | 'name_too_long'
  | 'example_row';

/** The settings a row asks the SKU to be registered with. */
export interface CatalogueEntry {
  line: number;
  sku: string;
  stockKind: StockKind;
  lowStockThreshold: number | null;
  perOrderCap: number | null;
  name: string | null;
}

export type CatalogueRow =
  | ({ kind: 'entry' } & CatalogueEntry)
  | { kind: 'blank'; line: number }
  /** `sku` when the row named a valid one: it still claims the SKU against later rows of the file. */
  | { kind: 'invalid'; line: number; reason: RowInvalidReason; sku?: string };

/** Cells that mean "no limit" in a threshold or cap column. */
const NO_LIMIT = new Set(['', '无', '不限']);

/**
 * A whole number, or null for no limit. Spreadsheets may write 10 as "10.0". Returns undefined when the cell
 * holds anything else.
 */
function limitOf(cell: string, min: number): number | null | undefined {
  const text = cell.trim();
  if (NO_LIMIT.has(text)) return null;
  const match = /^(\d{1,10})(?:\.0+)?$/.exec(text);
  if (!match) return undefined;
  const value = Number(match[1]);
  return value >= min && value <= MAX_LIMIT ? value : undefined;
}

/**
 * Checks one data row against the mapping. A row too short to reach every mapped column is refused rather than
 * read as empty cells: an empty limit cell means "no limit", so a truncated row would remove an existing SKU's
 * threshold or per-order cap.
 */
export function readCatalogueRow(
  line: number,
  fields: string[],
  columns: ColumnIndexes,
  kinds: StockKindValues,
): CatalogueRow {
  const cell = (index: number | undefined) => (index === undefined ? '' : (fields[index] ?? '').trim());
  const reach = Math.max(...Object.values(columns).map((i) => i ?? 0));
  const sku = cell(columns.sku);
  const normalSku = normaliseIdentifier(sku);
  const validSku = normalSku.ok ? normalSku.value : undefined;
  const invalid = (reason: RowInvalidReason): CatalogueRow => ({
    kind: 'invalid',
    line,
    reason,
    ...(validSku ? { sku: validSku } : {}),
  });
  if (fields.length <= reach) return invalid('missing_field');
  if (sku === '') return invalid('missing_sku');
  if (!validSku) return invalid('invalid_sku');
  if (validSku === TEMPLATE_EXAMPLE_SKU) return invalid('example_row');

  const kindCell = cell(columns.stockKind);
  if (kindCell === '') return invalid('missing_stock_kind');
  const stockKind = stockKindOf(kinds, kindCell);
  if (!stockKind) return invalid('unknown_stock_kind');

  const lowStockThreshold = limitOf(cell(columns.lowStockThreshold), 0);
  if (lowStockThreshold === undefined) return invalid('invalid_low_stock_threshold');
  // 0 is how Chinese shops write "no purchase limit" (不限购), never "nobody may buy".
  const perOrderCap = limitOf(cell(columns.perOrderCap), 0);
  if (perOrderCap === undefined) return invalid('invalid_per_order_cap');

  const name = cell(columns.name);
  if (name.length > MAX_NAME_LENGTH) return invalid('name_too_long');

  return {
    kind: 'entry',
    line,
    sku,
    stockKind,
    lowStockThreshold,
    perOrderCap: perOrderCap === 0 ? null : perOrderCap,
    name: name === '' ? null : name,
  };
}
