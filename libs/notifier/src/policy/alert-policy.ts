import type { AlertKind, AlertSeverity } from '@libs/messaging';

/*
 * When an alert becomes a message. Pure: the state comes in, the new state and at most one message to send come
 * out; the store keeps the state in the same transaction as the messages, so a restart or a redelivered batch
 * neither repeats nor loses one.
 */

/** What a message says about its alert. */
export type NotificationKind = 'raised' | 'reminder' | 'resolved';

/** A change as the notifier applies it: from stock.alerts, a dead letter, or Alertmanager. */
export interface AlertEvent {
  type: 'raised' | 'resolved';
  kind: AlertKind;
  key: string;
  severity: AlertSeverity;
  summary: string;
  labels: Record<string, string>;
  /** When the condition began or ended at its source: orders the changes of one alert. */
  at: Date;
}

/** What the notifier remembers of one alert (kind, key): a row of notifier_alerts. */
export interface AlertState {
  kind: AlertKind;
  key: string;
  open: boolean;
  severity: AlertSeverity;
  summary: string;
  labels: Record<string, string>;
  /** Counts the openings: a message names the opening it belongs to, so a resolved one matches its raised one. */
  episode: number;
  openedAt: Date | null;
  /** Source time of the newest change applied; an older or equal one is a copy or came late, and is ignored. */
  changedAt: Date;
  /** When the last raised or reminder message of the current opening is (or was) due. */
  lastNotifiedAt: Date | null;
}

export interface PolicyOptions {
  /** A reminder this long after the last message while the alert stays open; 0: never. */
  remindAfterMs: number;
  /** Kinds that are single events, not conditions (a dead letter): one message, never a reminder or resolved. */
  oneShotKinds: ReadonlySet<AlertKind>;
}

/** When a message of this severity may go (quiet hours hold the non-critical ones). */
export type Schedule = (severity: AlertSeverity) => Date;

export interface Decision {
  /** Unchanged (the same object) when the change was ignored. */
  state: AlertState;
  notify: NotificationKind | null;
  /** When the message is due; set with `notify`. */
  dueAt: Date | null;
}

const RANK: Record<AlertSeverity, number> = { info: 0, warning: 1, critical: 2 };

export function initialState(event: AlertEvent): AlertState {
  return {
    kind: event.kind,
    key: event.key,
    open: false,
    severity: event.severity,
    summary: event.summary,
    labels: event.labels,
    episode: 0,
    openedAt: null,
    changedAt: new Date(0),
    lastNotifiedAt: null,
  };
}

/**
 * Applies one raised or resolved change. A crossing (closed → open) sends `raised`; a rise in severity while
 * open (warning → critical) sends `raised` again, since a person should hear that it got worse; anything else
 * while open only refreshes the summary. Closing an open alert sends `resolved`.
 */
export function decide(
  current: AlertState | undefined,
  event: AlertEvent,
  options: PolicyOptions,
  schedule: Schedule,
): Decision {
  const state = current ?? initialState(event);
  if (event.at.getTime() <= state.changedAt.getTime()) return { state, notify: null, dueAt: null };
  const refreshed = {
    ...state,
    severity: event.severity,
    summary: event.summary,
    labels: event.labels,
    changedAt: event.at,
  };
  if (event.type === 'raised') {
    if (options.oneShotKinds.has(event.kind)) {
      const dueAt = schedule(event.severity);
      const next = { ...refreshed, open: false, episode: state.episode + 1, openedAt: event.at };
      return { state: { ...next, lastNotifiedAt: dueAt }, notify: 'raised', dueAt };
    }
    if (!state.open) {
      const dueAt = schedule(event.severity);
      const next = { ...refreshed, open: true, episode: state.episode + 1, openedAt: event.at };
      return { state: { ...next, lastNotifiedAt: dueAt }, notify: 'raised', dueAt };
    }
    if (RANK[event.severity] > RANK[state.severity]) {
      const dueAt = schedule(event.severity);
      return { state: { ...refreshed, lastNotifiedAt: dueAt }, notify: 'raised', dueAt };
    }
    return { state: refreshed, notify: null, dueAt: null };
  }
  if (!state.open) return { state: { ...refreshed, severity: state.severity }, notify: null, dueAt: null };
  // The resolved message keeps the severity the alert had, so quiet hours hold it exactly when they held the raise.
  const closed = { ...refreshed, severity: state.severity, open: false };
  return { state: closed, notify: 'resolved', dueAt: schedule(state.severity) };
}

/**
 * A reminder once `remindAfterMs` has passed since the last message of an alert still open. None while a
 * non-critical alert is in quiet hours (`quietNow`): one reminder follows when they end, not one per interval.
 */
export function remind(state: AlertState, now: Date, options: PolicyOptions, quietNow: boolean): Decision {
  const none = { state, notify: null, dueAt: null };
  if (!state.open || options.remindAfterMs <= 0 || options.oneShotKinds.has(state.kind)) return none;
  if (quietNow && state.severity !== 'critical') return none;
  const last = state.lastNotifiedAt?.getTime() ?? 0;
  if (now.getTime() - last < options.remindAfterMs) return none;
  return { state: { ...state, lastNotifiedAt: now }, notify: 'reminder', dueAt: now };
}
