import { MAX_SUPPLIERS_PER_SKU, type StockKind } from '@libs/inventory';
import { normaliseIdentifier } from '@libs/messaging';
import type { CatalogueItem, ProductKind, ProductStatus } from '@libs/suppliers';

/*
 * The preview of a catalogue sync (主站 → 分站): the main station's catalogue, read through the supplier contract,
 * compared with what StockSync has. Pure: the caller reads the catalogue and the read models and stores the rows.
 */

export const SYNC_ROW_STATUSES = ['new', 'changed', 'unchanged', 'gone', 'invalid'] as const;
export type SyncRowStatus = (typeof SYNC_ROW_STATUSES)[number];

/**
 * Why a product cannot be synced as it is (stable codes):
 * - `invalid_sku`: the SKU the mapping makes of its product id breaks the identifier rule (too long with the
 *   prefix, most often); `detail` holds the rule's code (IDENTIFIER.TOO_LONG …).
 * - `duplicate_product`: the catalogue listed this product id before, on an earlier page; the first one counts.
 * - `duplicate_sku`: another product of the catalogue maps to the same SKU (after normalisation); the first counts.
 * - `kind_conflict`: the SKU is registered with another stock kind, which never changes (`changes` shows it).
 * - `too_many_suppliers`: the SKU already names the most suppliers a SKU may have, none of them this one.
 */
export const INVALID_ROW_REASONS = [
  'invalid_sku',
  'duplicate_product',
  'duplicate_sku',
  'kind_conflict',
  'too_many_suppliers',
] as const;
export type InvalidRowReason = (typeof INVALID_ROW_REASONS)[number];

/**
 * The fields a row compares. The domain keeps no product name, so a renamed product is not a change:
 * - `kind`: the SKU's stock kind (a synced SKU is `supplier`);
 * - `supplierProduct`: the product this supplier's link on the SKU names (null: the SKU does not list the supplier);
 * - `supplyPrice` (fen), `stock` (null: unlimited) and `status` (`on_sale` / `off_sale`): the supplier's last report
 *   as the read model `sku_suppliers` holds it (null before its first report) against the catalogue's.
 */
export type ChangedField = 'kind' | 'supplierProduct' | 'supplyPrice' | 'stock' | 'status';

export interface FieldChange {
  field: ChangedField;
  old: string | number | null;
  new: string | number | null;
}

/** A catalogue product as the row keeps it (the supplier's own fields; prices in fen). */
export interface CatalogueProduct {
  name: string;
  faceValue: number;
  supplyPrice: number;
  stock: number | null;
  status: ProductStatus;
  kind: ProductKind;
}

/** What a supplier last reported for a SKU's link; every field null before its first report. */
export interface SupplierReport {
  supplyPrice: number | null;
  stock: number | null;
  status: ProductStatus | null;
}

export interface SyncRow {
  productId: string;
  /** The SKU the row is about: the mapped one, or for `gone` the SKU linked to the vanished product. */
  sku: string | null;
  status: SyncRowStatus;
  /** The catalogue's product (absent on `gone`). */
  product?: CatalogueProduct;
  /** `changed`, and `kind_conflict`: each field with its value in StockSync and in the catalogue. */
  changes?: FieldChange[];
  /** `invalid` only. */
  reason?: InvalidRowReason;
  detail?: string;
  /** `gone` only: what the supplier last reported for the link. */
  last?: SupplierReport;
}

/**
 * A link's last report as the read model holds it. Before the first report sku_suppliers holds stock 0 (nothing
 * is sold on a supplier's word before it has spoken): that is no report, so every field is null.
 */
export function reportOf(link: {
  observedAt: Date | number | null;
  supplyPrice: number | null;
  stock: number | null;
  onSale: boolean;
}): SupplierReport {
  if (link.observedAt === null) return { supplyPrice: null, stock: null, status: null };
  return { supplyPrice: link.supplyPrice, stock: link.stock, status: link.onSale ? 'on_sale' : 'off_sale' };
}

export interface KnownLink {
  supplierId: string;
  productId: string;
  /** Null fields: not reported yet. */
  report: SupplierReport;
}

/** A registered SKU as the read models hold it: its kind and its suppliers in priority order. */
export interface KnownSku {
  kind: StockKind;
  suppliers: readonly KnownLink[];
}

/**
 * How a product becomes a SKU: `${skuPrefix}${productId}`, normalised by the identifier rule. `skuFrom` names
 * the source field; the product id is the only one the contract keeps stable.
 */
export interface SkuMapping {
  skuPrefix: string;
  skuFrom: 'productId';
}

export const DEFAULT_SKU_MAPPING: SkuMapping = { skuPrefix: '', skuFrom: 'productId' };

/** Longest SKU prefix: a prefix leaves most of the 128 characters of a SKU to the product id. */
export const MAX_SKU_PREFIX_LENGTH = 64;

/** A prefix: 0 to 64 characters without control, format or whitespace characters. */
export const SKU_PREFIX_PATTERN = new RegExp(
  `^[^\\p{Cc}\\p{Cf}\\p{Cs}\\p{Z}\\s]{0,${MAX_SKU_PREFIX_LENGTH}}$`,
  'u',
);

export function skuOf(
  mapping: SkuMapping,
  productId: string,
): { ok: true; sku: string } | { ok: false; detail: string } {
  const result = normaliseIdentifier(`${mapping.skuPrefix}${productId}`);
  return result.ok ? { ok: true, sku: result.value } : { ok: false, detail: result.reason };
}

export interface CatalogueDiffInput {
  supplierId: string;
  mapping: SkuMapping;
  /** The whole catalogue, in the supplier's order. */
  products: readonly CatalogueItem[];
  /** The registered SKUs among those the products map to. */
  skus: ReadonlyMap<string, KnownSku>;
  /** Every SKU that lists this supplier, with the product its link names (for `gone`). */
  linked: readonly { sku: string; productId: string; report: SupplierReport }[];
}

export type SyncCounts = Record<SyncRowStatus, number>;

function productOf(item: CatalogueItem): CatalogueProduct {
  const { name, faceValue, supplyPrice, stock, status, kind } = item;
  return { name, faceValue, supplyPrice, stock, status, kind };
}

function reportChanges(report: SupplierReport, item: CatalogueItem): FieldChange[] {
  const changes: FieldChange[] = [];
  if (report.supplyPrice !== item.supplyPrice)
    changes.push({ field: 'supplyPrice', old: report.supplyPrice, new: item.supplyPrice });
  if (report.stock !== item.stock) changes.push({ field: 'stock', old: report.stock, new: item.stock });
  if (report.status !== item.status) changes.push({ field: 'status', old: report.status, new: item.status });
  return changes;
}

/**
 * One row per catalogue product, in catalogue order, then one `gone` row per SKU that lists this supplier for a
 * product the catalogue no longer has (by SKU). A SKU that a catalogue product maps to is never `gone`: its row
 * shows the link moving to that product instead.
 */
export function diffCatalogue(input: CatalogueDiffInput): SyncRow[] {
  const { supplierId, mapping } = input;
  const rows: SyncRow[] = [];
  const seenProducts = new Set<string>();
  const seenSkus = new Set<string>();
  for (const item of input.products) {
    const { productId } = item;
    const product = productOf(item);
    const mapped = skuOf(mapping, productId);
    if (seenProducts.has(productId)) {
      rows.push({
        productId,
        sku: mapped.ok ? mapped.sku : null,
        status: 'invalid',
        product,
        reason: 'duplicate_product',
      });
      continue;
    }
    seenProducts.add(productId);
    if (!mapped.ok) {
      rows.push({
        productId,
        sku: null,
        status: 'invalid',
        product,
        reason: 'invalid_sku',
        detail: mapped.detail,
      });
      continue;
    }
    const { sku } = mapped;
    if (seenSkus.has(sku)) {
      rows.push({ productId, sku, status: 'invalid', product, reason: 'duplicate_sku' });
      continue;
    }
    seenSkus.add(sku);
    const known = input.skus.get(sku);
    if (known === undefined) {
      rows.push({ productId, sku, status: 'new', product });
      continue;
    }
    if (known.kind !== 'supplier') {
      rows.push({
        productId,
        sku,
        status: 'invalid',
        product,
        reason: 'kind_conflict',
        changes: [{ field: 'kind', old: known.kind, new: 'supplier' }],
      });
      continue;
    }
    const link = known.suppliers.find((s) => s.supplierId === supplierId);
    if (link === undefined && known.suppliers.length >= MAX_SUPPLIERS_PER_SKU) {
      rows.push({ productId, sku, status: 'invalid', product, reason: 'too_many_suppliers' });
      continue;
    }
    const changes: FieldChange[] = [];
    if (link?.productId !== productId)
      changes.push({ field: 'supplierProduct', old: link?.productId ?? null, new: productId });
    // A link to another product (or none) has no report about this one: every report field is new.
    const report: SupplierReport =
      link?.productId === productId ? link.report : { supplyPrice: null, stock: null, status: null };
    changes.push(...reportChanges(report, item));
    rows.push(
      changes.length === 0
        ? { productId, sku, status: 'unchanged', product }
        : { productId, sku, status: 'changed', product, changes },
    );
  }
  const gone = input.linked
    .filter((l) => !seenProducts.has(l.productId) && !seenSkus.has(l.sku))
    .sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
  for (const l of gone) rows.push({ productId: l.productId, sku: l.sku, status: 'gone', last: l.report });
  return rows;
}

export function countRows(rows: readonly Pick<SyncRow, 'status'>[]): SyncCounts {
  const counts: SyncCounts = { new: 0, changed: 0, unchanged: 0, gone: 0, invalid: 0 };
  for (const row of rows) counts[row.status] += 1;
  return counts;
}
