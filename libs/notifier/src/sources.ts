import {
  ALERT_LABEL_NAME_PATTERN,
  type AlertChange,
  type AlertSeverity,
  clip,
  type DeadLetter,
  MAX_ALERT_KEY_LENGTH,
  MAX_ALERT_LABEL_VALUE_LENGTH,
  MAX_ALERT_LABELS,
  MAX_ALERT_SUMMARY_LENGTH,
} from '@libs/messaging';
import type { AlertEvent } from './policy/alert-policy';

/*
 * Where alert changes come from, each turned into the one AlertEvent the policy decides on. Pure.
 */

/** A message of stock.alerts (already validated by the bus). */
export function fromAlertMessage(type: 'alert.raised' | 'alert.resolved', payload: AlertChange): AlertEvent {
  return {
    type: type === 'alert.raised' ? 'raised' : 'resolved',
    kind: payload.kind,
    key: payload.key,
    severity: payload.severity,
    summary: payload.summary,
    labels: payload.labels,
    at: new Date(payload.at),
  };
}

/**
 * One DEAD_LETTER alert per dead letter, keyed by its source position: the same record dead-lettered twice (a
 * redelivery of stock.dlq) is one alert. The summary names where and why, never the record's content or the
 * handler's message (either could quote a payload).
 */
export function fromDeadLetter(letter: DeadLetter, occurredAt: string): AlertEvent {
  const at = letter.firstFailedAt ?? occurredAt;
  const type = letter.originalType ? ` (${letter.originalType})` : '';
  return {
    type: 'raised',
    kind: 'DEAD_LETTER',
    key: clip(`${letter.sourceTopic}:${letter.sourcePartition}:${letter.sourceOffset}`, MAX_ALERT_KEY_LENGTH),
    severity: 'warning',
    summary: clip(
      `Consumer group ${letter.consumerGroup} set aside a record of ${letter.sourceTopic} partition ` +
        `${letter.sourcePartition} offset ${letter.sourceOffset}${type}: ${letter.reasonCode}, after ` +
        `${letter.attempts} attempt(s). Inspect it on stock.dlq before replaying it.`,
      MAX_ALERT_SUMMARY_LENGTH,
    ),
    labels: safeLabels({
      consumer_group: letter.consumerGroup,
      source_topic: letter.sourceTopic,
      reason_code: letter.reasonCode,
    }),
    at: new Date(at),
  };
}

/** The part of Alertmanager's webhook body (version 4) the notifier reads. */
export interface AlertmanagerAlert {
  status?: unknown;
  labels?: unknown;
  annotations?: unknown;
  startsAt?: unknown;
  endsAt?: unknown;
  fingerprint?: unknown;
}

export const AlertmanagerErrorCodes = {
  BAD_BODY: 'NOTIFIER.ALERTMANAGER_BODY',
} as const;

/** At most this many alerts are read from one Alertmanager request (its default max_alerts is 0: all). */
export const MAX_ALERTMANAGER_ALERTS = 500;

/**
 * Prometheus alerts from Alertmanager's webhook: firing is raised, resolved is resolved, keyed by alertname and
 * fingerprint, severity from the `severity` label. Returns null for a body that is not Alertmanager's.
 */
export function fromAlertmanager(body: unknown): AlertEvent[] | null {
  const alerts = (body as { alerts?: unknown } | null)?.alerts;
  if (!Array.isArray(alerts) || alerts.length > MAX_ALERTMANAGER_ALERTS) return null;
  const events: AlertEvent[] = [];
  for (const raw of alerts as AlertmanagerAlert[]) {
    const labels = stringRecord(raw?.labels);
    const annotations = stringRecord(raw?.annotations);
    const fingerprint = typeof raw?.fingerprint === 'string' ? raw.fingerprint : '';
    const name = labels.alertname ?? 'unnamed';
    const firing = raw?.status === 'firing';
    const at = new Date(String(firing ? raw.startsAt : raw.endsAt));
    if (raw?.status !== 'firing' && raw?.status !== 'resolved') return null;
    if (Number.isNaN(at.getTime()) || !/^[0-9a-f]{1,64}$/.test(fingerprint)) return null;
    events.push({
      type: firing ? 'raised' : 'resolved',
      kind: 'PROMETHEUS',
      key: clip(`${name}:${fingerprint}`, MAX_ALERT_KEY_LENGTH).replace(/[\p{Cc}\p{Cf}\s]/gu, '_'),
      severity: severityOf(labels.severity),
      summary: clip(annotations.summary ?? annotations.description ?? name, MAX_ALERT_SUMMARY_LENGTH),
      labels: safeLabels(labels),
      at,
    });
  }
  return events;
}

function severityOf(label: string | undefined): AlertSeverity {
  if (label === 'critical' || label === 'page') return 'critical';
  if (label === 'info' || label === 'none') return 'info';
  return 'warning';
}

function stringRecord(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** Labels within the topic's bounds: valid names, values cut, control characters dropped, at most 16. */
export function safeLabels(labels: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) {
    if (Object.keys(out).length >= MAX_ALERT_LABELS) break;
    if (!ALERT_LABEL_NAME_PATTERN.test(k)) continue;
    out[k] = clip(v.replace(/\p{Cc}/gu, ' '), MAX_ALERT_LABEL_VALUE_LENGTH);
  }
  return out;
}
