import { Counter, Gauge, type Registry } from 'prom-client';

/** What the outbox relay reports; registered on the app's one registry. */
export class OutboxRelayMetrics {
  readonly pending: Gauge;
  readonly published: Counter;
  readonly publishFailures: Counter;
  readonly rejected: Counter;

  constructor(registry: Registry) {
    this.pending = new Gauge({
      name: 'stocksync_outbox_pending',
      help: "Channel targets in the outbox not yet published, as of the relay's last look.",
      registers: [registry],
    });
    this.published = new Counter({
      name: 'stocksync_outbox_published_total',
      help: 'Outbox rows settled by a publish to stock.channel-targets (rows superseded within a page included).',
      registers: [registry],
    });
    this.publishFailures = new Counter({
      name: 'stocksync_outbox_publish_failures_total',
      help: 'Relay rounds whose publish failed (broker unreachable, …); the rows stay and are retried.',
      registers: [registry],
    });
    this.rejected = new Counter({
      name: 'stocksync_outbox_rejected_total',
      help: 'Outbox rows the topic schema refuses (kept with their reason, never published).',
      registers: [registry],
    });
  }
}
