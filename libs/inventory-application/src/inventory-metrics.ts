import { REASON_CODES } from '@libs/inventory';
import { BoundedLabel, fulfilmentStages, withBoundedLabels } from '@libs/observability';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * Channels with a series of their own in the rejection counters. The channel comes from stock.channel-events,
 * which anyone able to produce to the broker can write; real deployments have a handful (plus 分站).
 */
const MAX_CHANNEL_LABELS = 100;

/** What the inventory service reports about its decisions; registered on the app's one registry. */
export class InventoryMetrics {
  readonly commands: Counter<'command' | 'result'>;
  readonly eventsAppended: Counter;
  readonly batchSize: Histogram;
  readonly batchSeconds: Histogram;
  readonly rejectedReservations: Counter<'reason'>;
  readonly rejectedPayments: Counter<'channel' | 'reason'>;
  readonly expirySweeps: Counter<'result'>;
  readonly expiryRequests: Counter<'source'>;
  readonly booksClosingRequests: Counter;
  readonly closedOrderLookups: Counter;
  /** stocksync_order_rules: the order rules in force at the last read. */
  readonly orderRules: Gauge;
  /** stocksync_order_rulings_total{action}: placements an order rule held, prioritised, routed or refused. */
  readonly orderRulings: Counter<'action'>;
  /** stocksync_fulfilment_stage_seconds: this service times the decision stage of a payment. */
  readonly stages: Histogram<'stage'>;

  constructor(registry: Registry) {
    this.stages = fulfilmentStages(registry);
    this.commands = new Counter({
      name: 'stocksync_commands_total',
      help: 'Commands decided, by command type and result (applied, duplicate, failed).',
      labelNames: ['command', 'result'],
      registers: [registry],
    });
    this.eventsAppended = new Counter({
      name: 'stocksync_events_appended_total',
      help: 'Events appended to the event store by the inventory service.',
      registers: [registry],
    });
    this.batchSize = new Histogram({
      name: 'stocksync_command_batch_size',
      help: 'Commands per batch committed in one transaction.',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000],
      registers: [registry],
    });
    this.batchSeconds = new Histogram({
      name: 'stocksync_decision_batch_seconds',
      help: 'Time to load, decide and append one batch of commands.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    });
    const reason = new BoundedLabel({ known: REASON_CODES });
    this.rejectedReservations = withBoundedLabels(
      new Counter({
        name: 'stocksync_reservations_rejected_total',
        help: 'Reservations rejected, by reason code.',
        labelNames: ['reason'],
        registers: [registry],
      }),
      { reason },
    );
    this.rejectedPayments = withBoundedLabels(
      new Counter({
        name: 'stocksync_paid_orders_rejected_total',
        help: `Payments answered order.rejected (a paid order that will not be delivered), by channel (the first ${MAX_CHANNEL_LABELS} seen, then "other") and reason code.`,
        labelNames: ['channel', 'reason'],
        registers: [registry],
      }),
      { channel: new BoundedLabel({ maxDynamic: MAX_CHANNEL_LABELS }), reason },
    );
    this.expiryRequests = new Counter({
      name: 'stocksync_reservation_expiry_requests_total',
      help: "SKUs asked to expire their due reservations, by who asked: the owner's clock (owner) or the read-model safety net (sweeper).",
      labelNames: ['source'],
      registers: [registry],
    });
    this.booksClosingRequests = new Counter({
      name: 'stocksync_books_closing_requests_total',
      help: 'SKUs asked by their owner to close their books (drop order records settled before the horizon).',
      registers: [registry],
    });
    this.orderRules = new Gauge({
      name: 'stocksync_order_rules',
      help: 'Order rules in force (enabled, usable) at the last read of order_rules by this SKU owner.',
      registers: [registry],
    });
    this.orderRulings = new Counter({
      name: 'stocksync_order_rulings_total',
      help: 'Placements an order rule acted on, by action (hold, priority, route, refuse).',
      labelNames: ['action'],
      registers: [registry],
    });
    this.closedOrderLookups = new Counter({
      name: 'stocksync_closed_order_lookups_total',
      help: "Order ids looked up in a SKU's stream because its books were closed and its state no longer knew them (new orders of such a SKU included).",
      registers: [registry],
    });
    this.expirySweeps = new Counter({
      name: 'stocksync_reservation_expiry_sweeps_total',
      help: 'Expiry sweeps run, by result (ok, failed).',
      labelNames: ['result'],
      registers: [registry],
    });
  }
}
