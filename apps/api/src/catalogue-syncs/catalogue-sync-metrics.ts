import { Injectable } from '@nestjs/common';
import { MetricsRegistry } from '@libs/observability';
import { Counter, Histogram } from 'prom-client';

/** The catalogue sync's collectors. No supplier, product or SKU ids as labels. */
@Injectable()
export class CatalogueSyncMetrics {
  readonly previewRows: Counter<'status'>;
  readonly appliedRows: Counter<'result'>;
  readonly failures: Counter<'reason'>;
  readonly duration: Histogram<'step'>;

  constructor(metrics: MetricsRegistry) {
    const registers = [metrics.registry];
    this.previewRows = new Counter({
      name: 'stocksync_catalogue_sync_rows_total',
      help: 'Catalogue sync preview rows by status (new, changed, unchanged, gone, invalid)',
      labelNames: ['status'],
      registers,
    });
    this.appliedRows = new Counter({
      name: 'stocksync_catalogue_sync_applied_rows_total',
      help: 'Catalogue sync rows applied, by result (applied, already_applied, unchanged, refused, rejected)',
      labelNames: ['result'],
      registers,
    });
    this.failures = new Counter({
      name: 'stocksync_catalogue_sync_failures_total',
      help: 'Catalogue syncs that stored no preview, by reason (supplier_failed, too_many_products, timeout)',
      labelNames: ['reason'],
      registers,
    });
    this.duration = new Histogram({
      name: 'stocksync_catalogue_sync_duration_seconds',
      help: 'Duration of a catalogue sync step (preview: read, compare and store; apply)',
      labelNames: ['step'],
      buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers,
    });
  }
}
