/**
 * What reconciliation needs of one channel: page through its listings and push full-set corrections. The
 * connector kit's platform adapters have exactly this shape.
 */
export interface ChannelAccess {
  readonly channel: string;
  readonly maxBatchSize: number;
  readListings(
    cursor: string | undefined,
    pageSize: number,
  ): Promise<{ items: { sku: string; quantity: number; listed: boolean }[]; nextCursor?: string }>;
  push(
    targets: readonly { sku: string; quantity: number; skuVersion: number; publishedAt: number }[],
  ): Promise<({ sku: string; outcome: 'acknowledged' } | { sku: string; outcome: 'refused'; code: string; message: string })[]>;
}
