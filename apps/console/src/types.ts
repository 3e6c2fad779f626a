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
