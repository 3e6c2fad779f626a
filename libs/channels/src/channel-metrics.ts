import { REASON_CODES } from '@libs/inventory';
import { BoundedLabel, fulfilmentStages, withBoundedLabels } from '@libs/observability';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { CircuitState } from './outbound/circuit-breaker';

const created = new WeakMap<Registry, ChannelMetrics>();

/** Error codes our own call path gives (http-call.ts, the pusher) and HTTP statuses; platform codes come on top. */
const TRANSPORT_CODES = [
  'TIMEOUT',
  'NETWORK',
  'BAD_RESPONSE',
  'UNEXPECTED',
  'THROTTLED',
  ...Array.from({ length: 500 }, (_, i) => `HTTP_${100 + i}`),
];
/** Distinct platform error codes (a 分站 chooses its own) that get a series of their own; the rest are "other". */
const MAX_PLATFORM_ERROR_CODES = 64;

/** What the connectors report; labels are channel, result and error code only (never SKU or order ids). */
export class ChannelMetrics {
  readonly pushes: Counter<'channel' | 'result'>;
  readonly pushCalls: Counter<'channel' | 'result'>;
  readonly pricePushes: Counter<'channel' | 'result'>;
  readonly pushErrors: Counter<'channel' | 'code'>;
  readonly circuitState: Gauge<'channel'>;
  readonly targetToAck: Histogram<'channel'>;
  readonly targets: Counter<'channel' | 'result'>;
  readonly notifications: Counter<'channel' | 'result'>;
  readonly deliveries: Counter<'channel' | 'result'>;
  readonly undeliveredPaidOrders: Gauge<'channel'>;
  readonly retryAfterClamped: Counter<'channel'>;
  readonly paidOrdersRejected: Counter<'channel' | 'reason'>;
  readonly allocationConflicts: Counter<'channel'>;
  readonly forgedAllocations: Counter<'channel'>;
  /** stocksync_fulfilment_stage_seconds, shared with the inventory service's decision stage. */
  readonly stages: Histogram<'stage'>;

  /** One instance per registry: prom-client refuses a second metric of the same name on a registry. */
  static for(registry: Registry): ChannelMetrics {
    let metrics = created.get(registry);
    if (!metrics) {
      metrics = new ChannelMetrics(registry);
      created.set(registry, metrics);
    }
    return metrics;
  }

  private constructor(registry: Registry) {
    const registers = [registry];
    this.stages = fulfilmentStages(registry);
    this.pushes = new Counter({
      name: 'stocksync_channel_pushes_total',
      help: 'SKU quantities pushed to a platform, by channel and result (acknowledged, refused, failed, dropped).',
      labelNames: ['channel', 'result'],
      registers,
    });
    this.pricePushes = new Counter({
      name: 'stocksync_channel_price_pushes_total',
      help: 'Selling prices sent to a marketplace by its own price call, by channel and result (acknowledged, refused).',
      labelNames: ['channel', 'result'],
      registers,
    });
    this.pushCalls = new Counter({
      name: 'stocksync_channel_push_calls_total',
      help: 'Stock-update API calls made, by channel and result (ok, failed); pushes / calls is the batching ratio.',
      labelNames: ['channel', 'result'],
      registers,
    });
    this.pushErrors = withBoundedLabels(
      new Counter({
        name: 'stocksync_channel_push_errors_total',
        help: `Push failures and refusals, by channel and platform or transport error code (the first ${MAX_PLATFORM_ERROR_CODES} platform codes seen, then "other").`,
        labelNames: ['channel', 'code'],
        registers,
      }),
      { code: new BoundedLabel({ known: TRANSPORT_CODES, maxDynamic: MAX_PLATFORM_ERROR_CODES }) },
    );
    this.circuitState = new Gauge({
      name: 'stocksync_channel_circuit_state',
      help: 'Circuit of the channel push path: 0 closed, 1 half-open, 2 open.',
      labelNames: ['channel'],
      registers,
    });
    this.targetToAck = new Histogram({
      name: 'stocksync_channel_target_to_ack_seconds',
      help: 'From the stock change behind a channel target (a sale, cancellation, restock: the time of its event) to the platform acknowledging that value.',
      labelNames: ['channel'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    });
    this.targets = new Counter({
      name: 'stocksync_channel_targets_total',
      help: 'Channel targets received, by channel and what the push queue did (queued, replaced, stale).',
      labelNames: ['channel', 'result'],
      registers,
    });
    this.notifications = new Counter({
      name: 'stocksync_channel_notifications_total',
      help: 'Order notifications received, by channel and result (emitted, duplicate, rejected, invalid, ignored).',
      labelNames: ['channel', 'result'],
      registers,
    });
    this.deliveries = new Counter({
      name: 'stocksync_card_key_deliveries_total',
      help: 'Card-key delivery attempts per unit, by channel and result (delivered, retried, failed, lease_lost: the lease ran out during the platform call, sent_after_withdrawal: the platform took a key a refund had taken back meanwhile).',
      labelNames: ['channel', 'result'],
      registers,
    });
    this.undeliveredPaidOrders = new Gauge({
      name: 'stocksync_paid_undelivered_orders',
      help: 'Orders with card keys allocated but not delivered for longer than the alert threshold.',
      labelNames: ['channel'],
      registers,
    });
    this.retryAfterClamped = new Counter({
      name: 'stocksync_connector_retry_after_clamped_total',
      help: 'Platform answers (Retry-After, ban time) that asked a channel to wait longer than CONNECTOR_MAX_RETRY_AFTER_MS; the channel waited the maximum.',
      labelNames: ['channel'],
      registers,
    });
    // The reason arrives on a topic: a code the inventory never gives is counted as "other".
    this.paidOrdersRejected = withBoundedLabels(
      new Counter({
        name: 'stocksync_connector_paid_orders_rejected_total',
        help: "order.rejected answers to order.paid that reached this channel's connector, by reason code: the buyer paid and gets nothing. The inventory service counts the same decisions as stocksync_paid_orders_rejected_total.",
        labelNames: ['channel', 'reason'],
        registers,
      }),
      { reason: new BoundedLabel({ known: REASON_CODES }) },
    );
    this.allocationConflicts = new Counter({
      name: 'stocksync_card_key_allocation_conflicts_total',
      help: 'Single card keys announced for an order while already queued for another order: refused, never delivered twice.',
      labelNames: ['channel'],
      registers,
    });
    this.forgedAllocations = new Counter({
      name: 'stocksync_card_key_forged_allocations_total',
      help: 'Card keys announced on card-keys.allocated that the event store did not allocate to that order: refused, nothing revealed.',
      labelNames: ['channel'],
      registers,
    });
  }

  setCircuit(channel: string, state: CircuitState): void {
    this.circuitState.set({ channel }, state === 'closed' ? 0 : state === 'half-open' ? 1 : 2);
  }
}
