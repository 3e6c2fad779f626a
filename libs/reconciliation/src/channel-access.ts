/** What reconciliation sees of a listing. */
export interface ListingPage {
  items: { sku: string; quantity: number; listed: boolean }[];
  nextCursor?: string;
}

/** A correction's outcome, as the connector reports it. */
export type CorrectionOutcome =
  | { sku: string; result: 'acknowledged' | 'queued' | 'stale' }
  | { sku: string; result: 'refused'; code: string };

/**
 * What reconciliation needs of one channel: page through its listings and hand corrections to the channel's
 * writer. In production both go through the channel's connector (ConnectorClient), which owns the platform's
 * credentials, rate budget, circuit breaker and version ordering; reconciliation never calls a platform itself.
 */
export interface ChannelAccess {
  readonly channel: string;
  /** The most corrections one `correct` call takes. */
  readonly maxBatchSize: number;
  readListings(cursor: string | undefined, pageSize: number): Promise<ListingPage>;
  correct(
    targets: readonly { sku: string; quantity: number; skuVersion: number }[],
  ): Promise<CorrectionOutcome[]>;
}
