import type { AlertNotice, AlertSink } from '@libs/messaging';
import { retry } from '@libs/resilience';
import type { Logger } from 'pino';
import type { ProjectionFailure } from './projection/projection-failure';
import type { StockAlertRow } from './projection/read-model-rows';
import type { ProjectorOptions } from './projector';

/**
 * The projector's alerts on stock.alerts: low stock raised and cleared (what stock_alerts records), and SKUs set
 * aside and released. Published after the batch has committed, off the projection path: a broker that is away
 * delays an alert (a few retries, then a log line), never a projection. stock_alerts and projection_quarantine stay
 * the truth; an alert lost that way is seen there and in the Prometheus gauges.
 */
export function projectorAlerts(
  sink: AlertSink,
  logger: Pick<Logger, 'warn'>,
): Required<Pick<ProjectorOptions, 'onStockAlerts' | 'onRelease'>> & {
  onQuarantine(failure: ProjectionFailure): void;
} {
  const send = (change: 'raise' | 'resolve', alert: AlertNotice) => {
    retry(() => sink[change](alert), { attempts: 4, initialMs: 200, maxMs: 5_000 }).catch((err: unknown) =>
      logger.warn(
        { kind: alert.kind, key: alert.key, change, err: (err as Error).message },
        'alert not published; stock_alerts and projection_quarantine still hold it',
      ),
    );
  };
  return {
    onStockAlerts: (alerts) => {
      for (const a of alerts) send(a.open ? 'raise' : 'resolve', lowStockAlert(a));
    },
    onQuarantine: (failure) => send('raise', quarantineAlert(failure)),
    onRelease: (sku) =>
      send('resolve', {
        kind: 'SKU_QUARANTINED',
        key: sku,
        severity: 'critical',
        summary: `SKU ${sku} is projected again: a retry released it from projection_quarantine.`,
        labels: { sku },
      }),
  };
}

/** Raised at or below the threshold (critical at zero: nothing left to sell), cleared above it. */
export function lowStockAlert(a: StockAlertRow): AlertNotice {
  const at = (a.open ? a.raisedAt : a.clearedAt) ?? undefined;
  return {
    kind: 'LOW_STOCK',
    key: a.sku,
    severity: a.onHand <= 0 ? 'critical' : 'warning',
    summary: a.open
      ? `SKU ${a.sku} is low: ${a.onHand} on hand, at or below its threshold of ${a.threshold}.`
      : `SKU ${a.sku} is back above its threshold of ${a.threshold}: ${a.onHand} on hand.`,
    labels: { sku: a.sku, threshold: String(a.threshold), on_hand: String(a.onHand) },
    ...(at ? { at, eventId: `low-stock:${a.sku}:${a.open ? 'raised' : 'cleared'}:${at.toISOString()}` } : {}),
  };
}

/**
 * The reason code and the event, not the detail: a database's message may quote the event's data. Dated now (the
 * publisher's default), so setting the same SKU aside again after a release is a new crossing.
 */
export function quarantineAlert(f: ProjectionFailure): AlertNotice {
  return {
    kind: 'SKU_QUARANTINED',
    key: f.sku,
    severity: 'critical',
    summary:
      `The projector set SKU ${f.sku} aside at version ${f.event.version} (${f.event.type}): ${f.reason}. ` +
      'Its read models and channel targets are not updated until it is retried (docs/runbook.md).',
    labels: { sku: f.sku, reason: f.reason, event_type: f.event.type.slice(0, 200) },
  };
}
