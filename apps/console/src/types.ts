/** The shapes the console reads from the operations API (see docs/reference and /docs, the OpenAPI page). */
export type Role = 'admin' | 'inventory-admin' | 'order-operator' | 'analyst';

/** GET /v1/me: who the signed-in key is. */
export interface Me {
  keyId: string;
  name: string;
  role: Role;
}

export interface ChannelRow {
  channel: string;
  target: number | null;
  targetVersion: number | null;
  targetPublishedAt: string | null;
  lastPushed: number | null;
  lastPushedVersion: number | null;
  lastPushedAt: string | null;
  lastAcked: number | null;
  lastAckedVersion: number | null;
  lastAckedAt: string | null;
  /** The platform's last refusal or failure for this SKU, cleared by its next acknowledgement. */
  lastErrorCode: string | null;
  lastErrorAt: string | null;
}

export interface SkuAlert {
  threshold: number;
  onHand: number;
  raisedAt: string;
  clearedAt: string | null;
  open: boolean;
}

export interface SkuRow {
  sku: string;
  kind: string;
  onHand: number;
  reserved: number;
  heldInPools: number;
  available: number;
  endless: boolean;
  lowStockThreshold: number | null;
  perOrderCap: number | null;
  version: number;
  updatedAt: string;
  channels: ChannelRow[];
  alert: SkuAlert | null;
}

export interface SkuDetail extends SkuRow {
  cardKeys: { state: string; count: number }[];
}

export interface Page<T> {
  items: T[];
  next?: string | number | null;
}

export interface SkuEvent {
  version: number;
  type: string;
  at: string;
  actor: string | null;
  summary: Record<string, unknown>;
}

export interface ChannelPolicy {
  channel: string;
  bufferQuantity: number;
  sharePercent: number;
  maxListed: number | null;
  endWhenAtOrBelow: number | null;
  unlimitedListed: number;
}

export interface DedicatedPool {
  poolId: string;
  status: 'open' | 'closed';
  quantity: number;
  reserved: number;
  sold: number;
  returned: number;
  perOrderCap: number | null;
}

/** GET /v1/skus/:sku/decision-settings: what the SKU's decisions follow, as its stream holds it. */
export interface DecisionSettings {
  sku: string;
  version: number;
  kind: string;
  deliveryMode: 'automatic' | 'manual' | null;
  lowStockThreshold: number | null;
  perOrderCap: number | null;
  channelPolicies: ChannelPolicy[];
  pools: DedicatedPool[];
}

/** A preview row's status (GET /v1/catalogue/syncs/:id; apps/api/README.md, Catalogue sync). */
export const SYNC_ROW_STATUSES = ['new', 'changed', 'unchanged', 'gone', 'invalid'] as const;
export type SyncRowStatus = (typeof SYNC_ROW_STATUSES)[number];

/** An apply's answer for a row. */
export const APPLY_RESULTS = ['applied', 'already_applied', 'unchanged', 'refused', 'rejected'] as const;
export type ApplyResult = (typeof APPLY_RESULTS)[number];

/** GET /v1/catalogue/syncs: one sync with its counts per status and who applied it. */
export interface CatalogueSync {
  syncId: string;
  supplierId: string;
  mapping: { skuPrefix: string; skuFrom: string };
  safetyBuffer: number | null;
  source: 'operator' | 'schedule';
  requestedBy: string;
  fetchedAt: string;
  createdAt: string;
  products: number;
  counts: Record<SyncRowStatus, number>;
  firstAppliedAt: string | null;
  firstAppliedBy: string | null;
  lastAppliedAt: string | null;
  lastAppliedBy: string | null;
}

/** A field of a changed row: in StockSync (old) and in the catalogue (new); prices in fen. */
export interface FieldChange {
  field: 'kind' | 'supplierProduct' | 'supplyPrice' | 'stock' | 'status';
  old: string | number | null;
  new: string | number | null;
}

export interface SyncRow {
  productId: string;
  sku: string | null;
  status: SyncRowStatus;
  /** The catalogue's product (absent on gone rows); prices in fen, stock null: unlimited. */
  product?: {
    name: string;
    faceValue: number;
    supplyPrice: number;
    stock: number | null;
    status: string;
    kind: string;
  };
  changes?: FieldChange[];
  reason?: string;
  detail?: string;
  /** Gone rows: what the supplier last reported. */
  last?: { supplyPrice: number | null; stock: number | null; status: string | null };
  applied: { at?: string; by?: string; result?: ApplyResult; reason?: string } | null;
}

/** GET /v1/catalogue/syncs/:id and the answer of POST /v1/catalogue/syncs: the sync and a page of its rows. */
export interface CatalogueSyncPage extends CatalogueSync {
  rows: SyncRow[];
  nextCursor: string | null;
}

/** POST /v1/catalogue/syncs/:id/apply. */
export interface ApplyReport {
  syncId: string;
  supplierId: string;
  appliedBy: string;
  appliedAt: string;
  counts: Record<ApplyResult, number>;
  rows: {
    productId: string;
    sku: string | null;
    status: SyncRowStatus;
    result: ApplyResult;
    reason?: string;
  }[];
  skipped: { productId: string; sku: string | null; status: SyncRowStatus }[];
  gone: { count: number; note: string };
}

/** GET /v1/skus/:sku/suppliers: a supplier SKU's suppliers in priority order with what each last reported. */
export interface SkuSuppliers {
  sku: string;
  suppliers: {
    supplierId: string;
    productId: string;
    priority: number;
    /** Null: unlimited. */
    stock: number | null;
    onSale: boolean;
    /** Fen; null before the first report. */
    supplyPrice: number | null;
    observedAt: string | null;
  }[];
}
