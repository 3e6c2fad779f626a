import { MAX_SUPPLIERS_PER_SKU, type StockKind } from '@libs/inventory';
import type { CatalogueProduct } from './catalogue-diff';

/*
 * What applying one row of a catalogue sync sends, decided against the SKU's state as its stream holds it at
 * apply time (the preview may be old). Pure; InventoryCommands sends the commands.
 */

export type ApplyStep = 'register' | 'supply' | 'observe';

/** Steps in the order they are sent: each one only for the rows whose earlier steps were not refused. */
export const APPLY_STEPS: readonly ApplyStep[] = ['register', 'supply', 'observe'];

/**
 * The command id of one step of one row: the same sync applied again sends the same ids, so the SKU's owner
 * answers with the first outcome instead of deciding twice.
 */
export function applyCommandId(syncId: string, step: ApplyStep, productId: string): string {
  return `catalogue-sync:${syncId}:${step}:${productId}`;
}

export interface SupplyLink {
  supplierId: string;
  productId: string;
}

/** The part of a SKU's state a plan reads. */
export interface SkuSupplyState {
  /** Null: not registered. */
  kind: StockKind | null;
  suppliers: readonly SupplyLink[];
}

export interface ApplyContext {
  supplierId: string;
  /** For the SKUs the sync registers; an existing SKU keeps its own. */
  safetyBuffer?: number;
  /** When the catalogue was read (epoch ms): the time of the supplier's report the row carries. */
  observedAt: number;
}

export interface Observation {
  supplierId: string;
  productId: string;
  stock: number | null;
  supplyPrice: number;
  onSale: boolean;
  observedAt: number;
}

export type ApplyPlan =
  | { refused: 'kind_conflict' | 'too_many_suppliers' }
  | {
      /** RegisterSku {kind: supplier}: the SKU is not registered yet. */
      register: boolean;
      /** ConfigureSupply with this whole list; null when the SKU already lists this supplier for this product. */
      supply: { suppliers: SupplyLink[]; safetyBuffer?: number; fulfilment?: 'topUp' } | null;
      /** ObserveSupplierStock: the catalogue's stock, price and status as the supplier's report at read time. */
      observe: Observation;
    };

/**
 * A new SKU is registered as a supplier SKU and given this supplier; an existing supplier SKU keeps its list with
 * this supplier's link added at the end (lowest priority) or, when it names another product of this supplier,
 * pointed at this one in place. Another stock kind is refused (the kind never changes), and so is an eleventh
 * supplier. The catalogue row is then recorded as the supplier's report, as of when the catalogue was read.
 */
export function planApply(
  row: { productId: string; product: CatalogueProduct },
  state: SkuSupplyState,
  context: ApplyContext,
): ApplyPlan {
  const { supplierId } = context;
  const { productId, product } = row;
  if (state.kind !== null && state.kind !== 'supplier') return { refused: 'kind_conflict' };
  const observe: Observation = {
    supplierId,
    productId,
    stock: product.stock,
    supplyPrice: product.supplyPrice,
    onSale: product.status === 'on_sale',
    observedAt: context.observedAt,
  };
  if (state.kind === null) {
    const safety = context.safetyBuffer === undefined ? {} : { safetyBuffer: context.safetyBuffer };
    // A top-up product makes a top-up SKU: its orders name the account to credit (an existing SKU keeps its own).
    const fulfilment = product.kind === 'topUp' ? { fulfilment: 'topUp' as const } : {};
    return {
      register: true,
      supply: { suppliers: [{ supplierId, productId }], ...safety, ...fulfilment },
      observe,
    };
  }
  const at = state.suppliers.findIndex((s) => s.supplierId === supplierId);
  const suppliers = state.suppliers.map(({ supplierId: s, productId: p }) => ({
    supplierId: s,
    productId: p,
  }));
  if (at >= 0) {
    if (suppliers[at].productId === productId) return { register: false, supply: null, observe };
    suppliers[at] = { supplierId, productId };
  } else {
    if (suppliers.length >= MAX_SUPPLIERS_PER_SKU) return { refused: 'too_many_suppliers' };
    suppliers.push({ supplierId, productId });
  }
  return { register: false, supply: { suppliers }, observe };
}

export type ApplyResult = 'applied' | 'already_applied' | 'unchanged' | 'refused' | 'rejected';

export interface StepOutcome {
  status: 'applied' | 'duplicate' | 'failed';
  events: readonly { type: string; data: unknown }[];
}

/**
 * A row's result from its steps' outcomes: `rejected` when the inventory refused a step (its reason code),
 * `applied` when a step decided something now, `already_applied` when the steps had been sent before (the same
 * sync applied again), `unchanged` when there was nothing to decide.
 */
export function resultOf(outcomes: readonly StepOutcome[]): { result: ApplyResult; reason?: string } {
  for (const outcome of outcomes) {
    const rejected = outcome.events.find((e) => e.type === 'CommandRejected');
    if (rejected) {
      const reason = (rejected.data as { reason?: string }).reason ?? 'UNKNOWN';
      return { result: 'rejected', reason: `INVENTORY.${reason}` };
    }
  }
  if (outcomes.some((o) => o.status === 'applied' && o.events.length > 0)) return { result: 'applied' };
  if (outcomes.some((o) => o.status === 'duplicate')) return { result: 'already_applied' };
  return { result: 'unchanged' };
}
