import { Injectable } from '@nestjs/common';
import { MetricsRegistry } from '@libs/observability';
import { Counter, Histogram } from 'prom-client';

/** The operations API's collectors, on the app's one registry. No SKU, key or batch ids as labels. */
@Injectable()
export class ApiMetrics {
  readonly requests: Counter<'method' | 'route' | 'status'>;
  readonly authFailures: Counter<'reason'>;
  readonly rateLimited: Counter;
  readonly importRows: Counter<'result'>;
  readonly importDuration: Histogram;
  readonly catalogueImportRows: Counter<'result'>;
  readonly catalogueImportDuration: Histogram;

  constructor(metrics: MetricsRegistry) {
    const registers = [metrics.registry];
    this.requests = new Counter({
      name: 'stocksync_api_requests_total',
      help: 'Operations API requests by route template, method and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.authFailures = new Counter({
      name: 'stocksync_api_auth_failures_total',
      help: 'Requests refused by authentication or authorisation, by reason (missing, invalid, forbidden, source_limited: 429 to an address past its failed authentications)',
      labelNames: ['reason'],
      registers,
    });
    this.rateLimited = new Counter({
      name: 'stocksync_api_rate_limited_total',
      help: 'Requests refused with 429 by the per-key rate limiter',
      registers,
    });
    this.importRows = new Counter({
      name: 'stocksync_card_key_import_rows_total',
      help: 'Card-key import rows by result (imported, duplicate_in_file, already_in_pool, invalid)',
      labelNames: ['result'],
      registers,
    });
    this.importDuration = new Histogram({
      name: 'stocksync_card_key_import_duration_seconds',
      help: 'Duration of a card-key import request, upload included',
      buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers,
    });
    this.catalogueImportRows = new Counter({
      name: 'stocksync_catalogue_import_rows_total',
      help: 'Catalogue import rows by result (registered, updated, unchanged, duplicate_in_file, conflict, invalid)',
      labelNames: ['result'],
      registers,
    });
    this.catalogueImportDuration = new Histogram({
      name: 'stocksync_catalogue_import_duration_seconds',
      help: 'Duration of a catalogue import request, upload included',
      buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers,
    });
  }
}
