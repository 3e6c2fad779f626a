import { OrderOutcomesTopic, type MessageBatch } from '@libs/messaging';
import type { ChannelMetrics } from '../channel-metrics';
import { backoffDelayMs, type BackoffPolicy } from '../outbound/backoff';
import type { PlatformAdapter } from '../outbound/platform-adapter';
import { PlatformCallError } from '../outbound/platform-errors';
import type { DeliveryLedger, DueDelivery } from './delivery-ledger';

/** The part of the card vault delivery needs; the vault records every reveal. */
export interface SecretRevealer {
  reveal(unitId: string, context: { orderId: string; channel: string; actor: string }): Promise<string>;
}

export interface DelivererOptions {
  pollMs: number;
  /** How long a claimed delivery is left alone before another attempt may claim it. */
  leaseMs: number;
  maxAttempts: number;
  /** Orders delivered at once within a pass (default 1). */
  concurrency?: number;
  backoff: BackoffPolicy;
  /** An order paid (keys allocated) and not delivered after this long raises an alert. Default 5 minutes. */
  alertAfterMs: number;
}

export interface DelivererLogger {
  info?(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/**
 * Delivers allocated card keys exactly once per (channel, order, unit): the allocation is recorded in the
 * ledger (idempotent), a worker claims due rows, reveals each secret from the vault just before the call, and
 * marks the rows delivered after the platform acknowledged. Secrets are never logged nor stored here.
 */
export class CardKeyDeliverer {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly adapter: PlatformAdapter,
    private readonly ledger: DeliveryLedger,
    private readonly vault: SecretRevealer,
    private readonly metrics: ChannelMetrics,
    private readonly options: DelivererOptions,
    private readonly logger?: DelivererLogger,
  ) {}

  /** The stock.order-outcomes handler: records this channel's allocations before the offsets are committed. */
  readonly onOutcomes = async (batch: MessageBatch<typeof OrderOutcomesTopic>): Promise<void> => {
    let added = 0;
    for (const { envelope } of batch.messages) {
      if (envelope.type !== 'card-keys.allocated' || envelope.payload.channel !== this.adapter.channel)
        continue;
      const p = envelope.payload;
      added += await this.ledger.recordAllocation(p.channel, p.channelOrderId, p.sku, p.unitIds);
    }
    if (added > 0) this.kick();
  };

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Runs one pass now (also used by tests). */
  async runOnce(): Promise<number> {
    const due = await this.ledger.claimDue(this.adapter.channel, 100, this.options.leaseMs);
    const byOrder = new Map<string, DueDelivery[]>();
    for (const d of due)
      byOrder.set(`${d.orderId}\u0000${d.sku}`, [...(byOrder.get(`${d.orderId}\u0000${d.sku}`) ?? []), d]);
    // Orders are independent and each holds its own lease: deliver several at once, so the rate is not capped at
    // one platform round trip per order.
    const orders = [...byOrder.values()];
    const workers = Math.max(1, Math.min(this.options.concurrency ?? 1, orders.length));
    await Promise.all(
      Array.from({ length: workers }, async () => {
        for (let next = orders.shift(); next; next = orders.shift()) await this.deliverOrder(next);
      }),
    );
    await this.checkOverdue();
    return due.length;
  }

  private kick(): void {
    if (!this.stopped && !this.running) this.schedule(0);
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.runOnce()
        .catch((err: Error) =>
          this.logger?.warn({ channel: this.adapter.channel, err: err.message }, 'delivery pass failed'),
        )
        .then(() => {
          this.running = undefined;
          if (!this.stopped) this.schedule(this.options.pollMs);
        });
    }, ms);
  }

  private async deliverOrder(rows: DueDelivery[]): Promise<void> {
    const { channel, orderId, sku } = rows[0];
    const unitIds = rows.map((r) => r.unitId);
    try {
      const cards = [];
      for (const unitId of unitIds) {
        cards.push({
          unitId,
          secret: await this.vault.reveal(unitId, { orderId, channel, actor: `connector-${channel}` }),
        });
      }
      await this.adapter.deliverCardKeys(orderId, sku, cards);
      await this.ledger.markDelivered(channel, orderId, unitIds);
      this.metrics.deliveries.inc({ channel, result: 'delivered' }, unitIds.length);
      // The ids an operator traces an order by; the secrets stay out (they were in `cards`, never logged).
      this.logger?.info?.({ channel, orderId, sku, units: unitIds.length }, 'card keys delivered');
    } catch (err) {
      const attempts = Math.max(...rows.map((r) => r.attempts));
      const retryable = !(err instanceof PlatformCallError) || err.retryable;
      const giveUp = !retryable || attempts >= this.options.maxAttempts;
      const code =
        err instanceof PlatformCallError
          ? err.code
          : ((err as { code?: string }).code ?? (err as Error).name);
      await this.ledger.markAttemptFailed(
        channel,
        orderId,
        unitIds,
        code,
        giveUp ? undefined : Math.max(50, backoffDelayMs(attempts, this.options.backoff)),
      );
      this.metrics.deliveries.inc({ channel, result: giveUp ? 'failed' : 'retried' }, unitIds.length);
      // Never the error message of a vault or platform call verbatim: the code and the ids say enough.
      (giveUp ? this.logger?.error : this.logger?.warn)?.call(
        this.logger,
        { channel, orderId, sku, units: unitIds.length, attempts, code },
        giveUp ? 'card-key delivery failed; needs an operator' : 'card-key delivery will be retried',
      );
    }
  }

  private async checkOverdue(): Promise<void> {
    const { count, newlyOverdue } = await this.ledger.overdue(
      this.adapter.channel,
      this.options.alertAfterMs,
    );
    this.metrics.undeliveredPaidOrders.set({ channel: this.adapter.channel }, count);
    for (const o of newlyOverdue) {
      this.logger?.error(
        {
          channel: this.adapter.channel,
          orderId: o.orderId,
          sku: o.sku,
          afterMs: this.options.alertAfterMs,
          alert: 'PAID_NOT_DELIVERED',
        },
        'order paid but card keys not delivered',
      );
    }
  }
}
