import { Counter, Histogram, type Registry } from 'prom-client';

export class ReconciliationMetrics {
  readonly differences: Counter<'channel' | 'class'>;
  readonly corrections: Counter<'channel' | 'result'>;
  readonly listingsChecked: Counter<'channel'>;
  readonly runSeconds: Histogram;

  constructor(registry: Registry) {
    this.differences = new Counter({
      name: 'stocksync_reconciliation_differences_total',
      help: 'Differences found by reconciliation, by channel and class.',
      labelNames: ['channel', 'class'],
      registers: [registry],
    });
    this.corrections = new Counter({
      name: 'stocksync_reconciliation_corrections_total',
      help: 'Corrections handed to the connectors by reconciliation, by channel and result (acknowledged, refused, queued, stale, failed).',
      labelNames: ['channel', 'result'],
      registers: [registry],
    });
    this.listingsChecked = new Counter({
      name: 'stocksync_reconciliation_listings_checked_total',
      help: 'Channel listings compared with their targets.',
      labelNames: ['channel'],
      registers: [registry],
    });
    this.runSeconds = new Histogram({
      name: 'stocksync_reconciliation_run_seconds',
      help: 'Duration of a reconciliation run.',
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1200],
      registers: [registry],
    });
  }
}
