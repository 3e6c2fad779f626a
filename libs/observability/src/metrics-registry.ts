import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * The one registry of an app. Components create their collectors on it (metrics live beside what they
 * measure); names follow `stocksync_*`, counters end in `_total`, durations in `_seconds`.
 */
export class MetricsRegistry {
  readonly registry = new Registry();

  constructor(app: string) {
    this.registry.setDefaultLabels({ app });
    collectDefaultMetrics({ register: this.registry, prefix: 'stocksync_' });
  }

  contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
