import type { Queryable } from '@libs/database';
import { PeriodicTask } from '@libs/resilience';
import type { InventoryMetrics } from './inventory-metrics';
import { expiryRequest, type LaneRequest } from './lane-commands';

export interface SweeperOptions {
  intervalMs: number;
  /** SKUs per sweep. */
  batchSize?: number;
  /**
   * Only reservations overdue by more than this are looked at: the owner expires the others itself from the
   * state it holds (ReservationExpiryDriver), and the read model lags it.
   */
  graceMs?: number;
  onError?(error: unknown): void;
}

/**
 * The safety net behind the owner's reservation clock. After a restart or a rebalance an owner knows the deadlines
 * of the SKUs it has decided since, not of those it has not touched yet; this sweep finds reservations still open
 * well past their expiry in the read model and asks each SKU's owner, through the SKU lane, to expire them. It
 * writes nothing itself: the SKU's single writer decides, and checks every expiry against its own state.
 */
export class ReservationExpirySweeper {
  private readonly loop: PeriodicTask;

  constructor(
    private readonly readModels: Queryable,
    private readonly send: (requests: LaneRequest[]) => Promise<unknown>,
    private readonly options: SweeperOptions,
    private readonly clock: () => number = Date.now,
    private readonly metrics?: InventoryMetrics,
  ) {
    this.loop = new PeriodicTask(
      async () => {
        await this.sweepOnce();
        this.metrics?.expirySweeps.inc({ result: 'ok' });
      },
      {
        intervalMs: options.intervalMs,
        onError: (err) => {
          this.metrics?.expirySweeps.inc({ result: 'failed' });
          this.options.onError?.(err);
        },
      },
    );
  }

  /** Resolves with the number of SKUs whose owner was asked. */
  async sweepOnce(): Promise<number> {
    const now = this.clock();
    const { rows } = await this.readModels.query<{ sku: string }>(
      `SELECT DISTINCT sku FROM reservations WHERE status = 'reserved' AND expires_at <= $1 ORDER BY sku LIMIT $2`,
      [new Date(now - (this.options.graceMs ?? 0)), this.options.batchSize ?? 500],
    );
    if (rows.length === 0) return 0;
    await this.send(rows.map(({ sku }) => expiryRequest(sku, now, 'reservation-expiry-sweeper')));
    this.metrics?.expiryRequests.inc({ source: 'sweeper' }, rows.length);
    return rows.length;
  }

  start(): void {
    this.loop.start();
  }

  /** Resolves once the sweep under way, if any, has finished. */
  stop(): Promise<void> {
    return this.loop.stop();
  }
}
