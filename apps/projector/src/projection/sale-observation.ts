import { MAX_PRICE_MINOR } from '@libs/inventory';

/**
 * What a platform told us about a sale (unit price, buyer, region, selling shop), as the order's reservation event
 * carries it in `data.sale` (StockReserved's SaleObservation, libs/inventory/src/sale.ts). Read field by field and bounded here rather than trusted: events written before the
 * field existed have none, and a value the read model cannot hold must leave the column null instead of stopping
 * the SKU's projection. The buyer's IP, which the event may carry too, is never read: personal data in the read
 * models is kept to what the reports need.
 */
export interface SaleObservation {
  unitPrice: number | null;
  buyerRef: string | null;
  buyerLevel: string | null;
  province: string | null;
  city: string | null;
  shop: string | null;
}

export const NO_SALE: SaleObservation = {
  unitPrice: null,
  buyerRef: null,
  buyerLevel: null,
  province: null,
  city: null,
  shop: null,
};

/** Longest text kept per field; the channel notices are bounded tighter than this already. */
export const MAX_SALE_TEXT = 200;
/** Fen per unit: the domain's bound on a price (MAX_PRICE_MINOR), which the order notices are checked against. */
export const MAX_UNIT_PRICE_FEN = MAX_PRICE_MINOR;

function text(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed.length === 0 || trimmed.length > MAX_SALE_TEXT ? null : trimmed;
}

function fen(value: unknown): number | null {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= MAX_UNIT_PRICE_FEN
    ? value
    : null;
}

/** The sale observation in an event's data, or NO_SALE. */
export function saleOf(data: unknown): SaleObservation {
  if (typeof data !== 'object' || data === null) return NO_SALE;
  const sale = (data as { sale?: unknown }).sale;
  if (typeof sale !== 'object' || sale === null || Array.isArray(sale)) return NO_SALE;
  const s = sale as Record<string, unknown>;
  return {
    unitPrice: fen(s.unitPrice),
    buyerRef: text(s.buyerRef),
    buyerLevel: text(s.buyerLevel),
    province: text(s.province),
    city: text(s.city),
    shop: text(s.shop),
  };
}
