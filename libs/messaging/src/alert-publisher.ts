import {
  AlertsTopic,
  MAX_ALERT_SUMMARY_LENGTH,
  type AlertKind,
  type AlertSeverity,
} from './catalogue/alerts';
import type { MessageBus } from './message-bus';

/** One alert as a caller states it; `at` defaults to now. */
export interface AlertNotice {
  kind: AlertKind;
  /** What it is about within its kind: a SKU, `channel:orderId`, a channel. At most 200 characters. */
  key: string;
  severity: AlertSeverity;
  /** For a person to read: ids and counts, never a secret (no card key, no token). Longer text is cut. */
  summary: string;
  /** Up to 16 `name: value` pairs (names like `channel`, `sku`), shown with the message and used in routing. */
  labels?: Record<string, string>;
  /** When the condition began (raise) or ended (resolve) at its source. */
  at?: Date;
  /**
   * A stable id for this change when the caller may publish the same fact twice (a redelivered batch): the
   * notifier deduplicates by kind and key anyway, this only keeps the topic free of copies.
   */
  eventId?: string;
}

/**
 * Where an app reports alerts. Resolves once the alert is durably on stock.alerts; rejects when it is not (the
 * broker is away, or the alert is invalid: MESSAGING.INVALID_MESSAGE). A caller on an asynchronous path decides
 * whether that failure is worth redelivering its own work or only a log line.
 */
export interface AlertSink {
  /** The condition holds (again). Raising an alert already open sends nothing new; it refreshes its summary. */
  raise(alert: AlertNotice): Promise<void>;
  /** The condition no longer holds. Resolving an alert that is not open sends nothing. */
  resolve(alert: AlertNotice): Promise<void>;
}

/** An AlertSink that drops everything: for apps and tests that have no bus, and as a default. */
export const NO_ALERTS: AlertSink = {
  raise: () => Promise.resolve(),
  resolve: () => Promise.resolve(),
};

/** Publishes alerts on stock.alerts, keyed kind:key, so one alert's changes stay in order. */
export class AlertPublisher implements AlertSink {
  constructor(
    private readonly bus: MessageBus,
    private readonly now: () => Date = () => new Date(),
  ) {}

  raise(alert: AlertNotice): Promise<void> {
    return this.publish('alert.raised', alert);
  }

  resolve(alert: AlertNotice): Promise<void> {
    return this.publish('alert.resolved', alert);
  }

  private async publish(type: 'alert.raised' | 'alert.resolved', alert: AlertNotice): Promise<void> {
    const at = (alert.at ?? this.now()).toISOString();
    await this.bus.publish(AlertsTopic, [
      {
        type,
        payload: {
          kind: alert.kind,
          key: alert.key,
          severity: alert.severity,
          summary: clip(alert.summary, MAX_ALERT_SUMMARY_LENGTH),
          labels: alert.labels ?? {},
          at,
        },
        occurredAt: at,
        ...(alert.eventId ? { eventId: alert.eventId } : {}),
      },
    ]);
  }
}

/** Cuts text to `max` characters (code points), ending with "…" when cut. */
export function clip(text: string, max: number): string {
  const points = Array.from(text);
  return points.length <= max ? text : points.slice(0, max - 1).join('') + '…';
}
