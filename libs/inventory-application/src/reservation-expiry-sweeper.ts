import type { Queryable } from '@libs/database';
import type { InventoryCommand } from '@libs/inventory';
import type { InventoryBatchHandler } from './inventory-handler';
import type { InventoryMetrics } from './inventory-metrics';
import { skuStreamId } from './sku-stream';

export interface SweeperOptions {
  intervalMs: number;
  /** SKUs per sweep transaction. */
  batchSize?: number;
  onError?(error: unknown): void;
}

/**
 * Stock held by unpaid orders comes back on its own: the sweeper finds SKUs with reservations past their
 * expiry in the read model and sends each an ExpireReservations command through the normal command path.
 * The read model may lag; that only delays an expiry, since the decider checks every expiry itself.
 */
export class ReservationExpirySweeper {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    private readonly readModels: Queryable,
    private readonly handler: InventoryBatchHandler,
    private readonly options: SweeperOptions,
    private readonly clock: () => number = Date.now,
    private readonly metrics?: InventoryMetrics,
  ) {}

  async sweepOnce(): Promise<number> {
    const now = this.clock();
    const { rows } = await this.readModels.query<{ sku: string }>(
      `SELECT DISTINCT sku FROM reservations WHERE status = 'reserved' AND expires_at <= $1 ORDER BY sku LIMIT $2`,
      [new Date(now), this.options.batchSize ?? 500],
    );
    if (rows.length === 0) return 0;
    const commands = rows.map(({ sku }) => ({
      streamId: skuStreamId(sku),
      command: { type: 'ExpireReservations', data: { sku, now, actor: 'reservation-expiry-sweeper' } } as InventoryCommand,
      commandId: `expire:${sku}:${now}`,
    }));
    const result = await this.handler.handleBatch(commands);
    return result.items.reduce((n, item) => n + item.events.filter((e) => e.type === 'ReservationExpired').length, 0);
  }

  start(): void {
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.sweepOnce()
        .then(() => this.metrics?.expirySweeps.inc({ result: 'ok' }))
        .catch((err) => {
          this.metrics?.expirySweeps.inc({ result: 'failed' });
          this.options.onError?.(err);
        })
        .finally(() => (this.running = undefined));
    }, this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
