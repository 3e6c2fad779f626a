import { Histogram, type Registry } from 'prom-client';

/**
 * The steps of the payment path, from a payment notice reaching a connector to the platform acknowledging the
 * card key, in order. Each is timed where it happens: the connector times inbox, publish, outcome, ledger, claim,
 * reveal, delivery_call and acknowledged; the inventory service times decision. Stages that span two processes
 * start at the Kafka record's timestamp (set by the producer), so they include the broker and the consumer's lag.
 */
export const FULFILMENT_STAGES = [
  /** Webhook received → the notice durable in the connector's inbox. */
  'inbox',
  /** Durable in the inbox → published on stock.channel-events (the broker acknowledged). */
  'publish',
  /** Published → decided by the inventory service, its events appended and the outcome published. */
  'decision',
  /** Outcome published (card-keys.allocated) → read by the connector's fulfilment consumer. */
  'outcome',
  /** Read → checked against the event store and recorded in the delivery ledger. */
  'ledger',
  /** Recorded in the ledger → taken by a delivery pass. */
  'claim',
  /** Taken → the order's keys revealed from the vault. */
  'reveal',
  /** The platform's delivery call. */
  'delivery_call',
  /** The platform answered → the keys marked delivered in the ledger. */
  'acknowledged',
] as const;

export type FulfilmentStage = (typeof FULFILMENT_STAGES)[number];

const created = new WeakMap<Registry, Histogram<'stage'>>();

/**
 * stocksync_fulfilment_stage_seconds{stage}: one histogram per registry, shared by every component that times a
 * stage (an embedded process registers the connector's and the inventory service's stages on one registry).
 */
export function fulfilmentStages(registry: Registry): Histogram<'stage'> {
  let histogram = created.get(registry);
  if (!histogram) {
    histogram = new Histogram({
      name: 'stocksync_fulfilment_stage_seconds',
      help: `Time spent in each stage of the payment path, payment notice → card key acknowledged by the platform (${FULFILMENT_STAGES.join(', ')}).`,
      labelNames: ['stage'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    });
    created.set(registry, histogram);
  }
  return histogram;
}

/**
 * Observes the time from `startMs` to `endMs` (epoch milliseconds) for one stage. Never negative (the clocks of two
 * hosts may disagree a little); nothing is observed when the start is unknown (a message without a broker
 * timestamp): a metric never fails the work it measures.
 */
export function observeStage(
  histogram: Histogram<'stage'> | undefined,
  stage: FulfilmentStage,
  startMs: number,
  endMs: number = Date.now(),
): void {
  if (!histogram || !Number.isFinite(startMs) || !Number.isFinite(endMs)) return;
  histogram.observe({ stage }, Math.max(0, endMs - startMs) / 1000);
}
