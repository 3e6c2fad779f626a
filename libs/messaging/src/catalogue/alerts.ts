import {
  IsIn,
  IsISO8601,
  IsString,
  Matches,
  MaxLength,
  MinLength,
  registerDecorator,
  type ValidationOptions,
} from 'class-validator';
import { defineTopic } from './define-topic';

/*
 * stock.alerts: something a person should hear about, raised and later resolved. Any app may publish (through
 * AlertPublisher); the notifier consumes it, deduplicates by kind:key, and sends messages to the configured
 * receivers. A summary is read by people in chat groups and mailboxes: it never carries a secret (a card key, a
 * token), only ids and counts.
 */

/** Stable codes of what an alert is about. A new kind is added here, and routed by its code in NOTIFIER_ROUTES. */
export const ALERT_KINDS = [
  /** A SKU's on-hand stock fell to or below its threshold (the projector's stock_alerts). Key: SKU. */
  'LOW_STOCK',
  /** A paid order's card keys were not delivered within the limit. Key: channel:orderId. */
  'PAID_NOT_DELIVERED',
  /** The inventory refused an order the platform reports as paid (the buyer paid for nothing). Key: channel:orderId. */
  'PAID_ORDER_REJECTED',
  /** Card-key delivery of an order was given up after its attempts. Key: channel:orderId. */
  'DELIVERY_FAILED',
  /**
   * A card key reached the platform after a refund or a replacement took it back from the order: its send was
   * already under way and cannot be called back. The buyer may hold a key that is back in stock (and may be sold
   * again): void it. Raised once per key; never resolved by the system. Key: channel:orderId:unitId.
   */
  'KEY_SENT_AFTER_WITHDRAWAL',
  /**
   * A paid order of a supplier-backed SKU no supplier fulfilled within the limit (still forwarding, or every supplier
   * failed). Key: channel:orderId.
   */
  'PAID_NOT_FULFILLED',
  /**
   * A SKU's days of cover (available / forecast sales velocity) fell below its replenishment lead time: it sells out
   * before an order placed now arrives. Raised and resolved by the api's replenishment pass. Key: SKU.
   */
  'LOW_DAYS_OF_COVER',
  /**
   * A 串货 (diversion) rule was broken: a sale below its price floor, outside its regions, or above its volume per
   * buyer, IP or shop. Raised once per rule, subject and window by the notifier's diversion engine; resolved when
   * the window ends. Key: ruleId:subjectKind=subject:windowStart.
   */
  'DIVERSION_SUSPECTED',
  /** A reconciliation run found listed stock that differs from the truth. Key: the channel, or `all`. */
  'STOCK_DRIFT',
  /** The projector set a SKU aside (projection_quarantine). Key: SKU. */
  'SKU_QUARANTINED',
  /** A consumer set a record aside on stock.dlq. Key: source topic:partition:offset. */
  'DEAD_LETTER',
  /** A Prometheus alert that Alertmanager sent to the notifier's intake. Key: the alert's fingerprint. */
  'PROMETHEUS',
  /** A test message an operator asked for (POST /v1/receivers/:name/test on the notifier). */
  'NOTIFIER_TEST',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/** critical is sent even in quiet hours; warning and info wait until they end. */
export const ALERT_SEVERITIES = ['info', 'warning', 'critical'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/** Longest key (characters): a channel and an order id, a topic:partition:offset. */
export const MAX_ALERT_KEY_LENGTH = 200;
export const MAX_ALERT_SUMMARY_LENGTH = 1000;
export const MAX_ALERT_LABELS = 16;
export const MAX_ALERT_LABEL_VALUE_LENGTH = 200;
/** Label names as Prometheus writes them, so Alertmanager's labels pass through unchanged. */
export const ALERT_LABEL_NAME_PATTERN = /^[a-zA-Z_][a-zA-Z0-9_]{0,63}$/;
// No control characters (a chat message or mail header could be split by one), no whitespace at either end.
const ALERT_KEY_PATTERN = /^[^\p{Cc}\p{Cf}\s](?:[^\p{Cc}\p{Cf}]*[^\p{Cc}\p{Cf}\s])?$/u;

/** Stable codes for an alert refused before it is published (AlertPublisher) or when consumed. */
export const AlertErrorCodes = {
  INVALID_ALERT: 'ALERT.INVALID',
} as const;

/** A flat object of at most MAX_ALERT_LABELS string values with Prometheus-style names. */
function IsAlertLabels(options?: ValidationOptions): PropertyDecorator {
  return (target, property) => {
    registerDecorator({
      name: 'isAlertLabels',
      target: target.constructor,
      propertyName: property as string,
      options: {
        message: `$property must be an object of at most ${MAX_ALERT_LABELS} string values (names like "channel", values up to ${MAX_ALERT_LABEL_VALUE_LENGTH} characters)`,
        ...options,
      },
      validator: { validate: (value: unknown) => isAlertLabels(value) },
    });
  };
}

export function isAlertLabels(value: unknown): value is Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const entries = Object.entries(value);
  if (entries.length > MAX_ALERT_LABELS) return false;
  return entries.every(
    ([name, v]) =>
      ALERT_LABEL_NAME_PATTERN.test(name) &&
      typeof v === 'string' &&
      v.length <= MAX_ALERT_LABEL_VALUE_LENGTH &&
      !/[\p{Cc}]/u.test(v),
  );
}

/** The same fields for both message types: a resolved alert says in its summary what cleared it. */
export class AlertChange {
  @IsIn(ALERT_KINDS)
  kind!: AlertKind;

  /** What the alert is about, within its kind (a SKU, channel:orderId, a channel). */
  @IsString()
  @MinLength(1)
  @MaxLength(MAX_ALERT_KEY_LENGTH)
  @Matches(ALERT_KEY_PATTERN, { message: '$property must have no control characters or edge whitespace' })
  key!: string;

  @IsIn(ALERT_SEVERITIES)
  severity!: AlertSeverity;

  /** One or two sentences for a person: ids and counts only, never a secret. */
  @IsString()
  @MinLength(1)
  @MaxLength(MAX_ALERT_SUMMARY_LENGTH)
  summary!: string;

  @IsAlertLabels()
  labels!: Record<string, string>;

  /** When the condition began (raised) or ended (resolved) at its source; orders changes of one alert. */
  @IsISO8601({ strict: true })
  at!: string;
}

export const AlertsTopic = defineTopic({
  id: 'alerts',
  name: 'stock.alerts',
  description:
    'Alerts raised and resolved by any app (low stock, delivery, drift, quarantine, dead letters).',
  defaultPartitions: 3,
  cleanupPolicy: 'delete',
  keyDescription: 'kind:key',
  key: (payload) => `${payload.kind}:${payload.key}`,
  messages: {
    'alert.raised': { schemaVersion: 1, payload: AlertChange },
    'alert.resolved': { schemaVersion: 1, payload: AlertChange },
  },
});
