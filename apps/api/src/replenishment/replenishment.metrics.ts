import { Injectable } from '@nestjs/common';
import { MetricsRegistry } from '@libs/observability';
import { Counter, Gauge, Histogram } from 'prom-client';

/** The replenishment pass's collectors, on the api's one registry. No SKU as a label: counts only. */
@Injectable()
export class ReplenishmentMetrics {
  readonly passes: Counter<'result'>;
  readonly passSeconds: Histogram;
  readonly skus: Gauge;
  readonly lowCoverSkus: Gauge;
  readonly alerts: Counter<'change'>;

  constructor(metrics: MetricsRegistry) {
    const registers = [metrics.registry];
    this.passes = new Counter({
      name: 'stocksync_replenishment_passes_total',
      help: 'Replenishment passes (every counted SKU forecast again), by result (ok, failed)',
      labelNames: ['result'],
      registers,
    });
    this.passSeconds = new Histogram({
      name: 'stocksync_replenishment_pass_seconds',
      help: 'Duration of one replenishment pass: daily sales read, every SKU forecast, list and alerts written',
      buckets: [0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    });
    this.skus = new Gauge({
      name: 'stocksync_replenishment_skus',
      help: 'Counted SKUs the last replenishment pass forecast',
      registers,
    });
    this.lowCoverSkus = new Gauge({
      name: 'stocksync_replenishment_low_cover_skus',
      help: 'SKUs whose days of cover were below their lead time at the last replenishment pass',
      registers,
    });
    this.alerts = new Counter({
      name: 'stocksync_replenishment_alerts_total',
      help: 'LOW_DAYS_OF_COVER alerts published, by change (raised, resolved)',
      labelNames: ['change'],
      registers,
    });
  }
}
