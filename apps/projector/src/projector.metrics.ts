import type { Queryable } from '@libs/database';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** What the projector reports about its batches; registered on the app's one registry. */
export class ProjectorMetrics {
  readonly events: Counter<'result'>;
  readonly batchSeconds: Histogram;
  readonly lagSeconds: Gauge;
  readonly batchFailures: Counter;
  readonly outboxRowsWritten: Counter;
  readonly quarantined: Counter<'reason'>;
  readonly quarantineRetries: Counter<'result'>;
  readonly gapsFilled: Counter;

  /** `readModels`: where open low-stock alerts are counted on each scrape (absent in tests that do not need it). */
  constructor(registry: Registry, readModels?: Queryable) {
    this.events = new Counter({
      name: 'stocksync_projector_events_total',
      help: 'Events delivered to the projector, by result: applied, already_applied (a replay or redelivery), quarantined (not projected: their SKU is set aside), other_stream.',
      labelNames: ['result'],
      registers: [registry],
    });
    this.batchSeconds = new Histogram({
      name: 'stocksync_projector_batch_seconds',
      help: 'Time to load, fold and commit one delivered batch of events.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    });
    this.lagSeconds = new Gauge({
      name: 'stocksync_projector_lag_seconds',
      help: 'At the last commit: time from the last projected event being recorded in the store to its projection.',
      registers: [registry],
    });
    this.batchFailures = new Counter({
      name: 'stocksync_projector_batch_failures_total',
      help: 'Batches that failed and will be delivered again.',
      registers: [registry],
    });
    if (readModels) {
      new Gauge({
        name: 'stocksync_low_stock_alerts_open',
        help: 'SKUs whose low-stock alert is open (stock at or below the threshold), by stock kind, read from stock_alerts on each scrape.',
        labelNames: ['kind'],
        registers: [registry],
        async collect() {
          this.reset();
          const { rows } = await readModels.query<{ kind: string; open: string }>(
            `SELECT s.kind, count(*) AS open FROM stock_alerts a JOIN sku_stock s USING (sku)
              WHERE a.open GROUP BY s.kind`,
          );
          for (const row of rows) this.set({ kind: row.kind }, Number(row.open));
        },
      });
    }
    this.quarantined = new Counter({
      name: 'stocksync_projection_quarantined_total',
      help: 'SKUs set aside by the projector because an event of theirs cannot be projected, by reason code.',
      labelNames: ['reason'],
      registers: [registry],
    });
    this.gapsFilled = new Counter({
      name: 'stocksync_projector_stream_gaps_filled_total',
      help: "Times a SKU's delivered events skipped past its projected version and the missing versions were read from its stream.",
      registers: [registry],
    });
    this.quarantineRetries = new Counter({
      name: 'stocksync_projection_quarantine_retries_total',
      help: 'Retries of set-aside SKUs, by result: released (projected again) or still_quarantined.',
      labelNames: ['result'],
      registers: [registry],
    });
    if (readModels) {
      new Gauge({
        name: 'stocksync_projection_quarantined_skus',
        help: 'SKUs set aside by the projector (their read models and channel targets are not updated), read from projection_quarantine on each scrape.',
        registers: [registry],
        async collect() {
          const { rows } = await readModels.query<{ n: string }>(
            'SELECT count(*) AS n FROM projection_quarantine',
          );
          this.set(Number(rows[0].n));
        },
      });
    }
    this.outboxRowsWritten = new Counter({
      name: 'stocksync_outbox_rows_written_total',
      help: 'Channel targets written to the outbox by the projector.',
      registers: [registry],
    });
  }
}
