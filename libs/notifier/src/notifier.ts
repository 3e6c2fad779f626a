import type { AlertKind, AlertSeverity } from '@libs/messaging';
import { withTransaction } from '@libs/database';
import { backoffDelayMs, retry, type BackoffPolicy } from '@libs/resilience';
import type { Pool, PoolClient } from 'pg';
import type { Notification } from './format/render';
import { NotifierMetrics } from './notifier.metrics';
import {
  type AlertEvent,
  type AlertState,
  decide,
  type NotificationKind,
  type PolicyOptions,
  remind,
} from './policy/alert-policy';
import { type QuietHours, quietUntil } from './policy/quiet-hours';
import { receiversFor, type Routes } from './policy/routing';
import { isRetryableSendError, type Receiver } from './receivers/receiver';
import { Registry } from 'prom-client';

export interface NotifierOptions {
  routes: Routes;
  quietHours: QuietHours | null;
  /** A reminder this long after the last message while an alert stays open; 0: never. */
  remindAfterMs: number;
  /** Attempts of one message, across passes, before it is given up. */
  maxAttempts: number;
  /** Quick retries inside one pass (the repo's retry helper), for a blip. */
  sendRetry: { attempts: number; initialMs: number; maxMs: number };
  /** The wait before the next pass tries a failed message again, growing per attempt. */
  redeliveryBackoff: BackoffPolicy;
  /** How long a dispatcher holds the messages it claimed; another instance takes them over after. */
  claimMs: number;
  /** Messages claimed per pass. */
  batchSize: number;
  /** Sent and given-up messages, and closed alerts, are deleted this long after. */
  retainMs: number;
  metrics?: NotifierMetrics;
  now?: () => Date;
  /** Hears every failed attempt (the error names no URL or secret). */
  onSendFailure?(receiver: string, error: unknown, attempts: number, givenUp: boolean): void;
}

/** Kinds that are single events (a dead letter): one message each, never reminded or resolved. */
export const ONE_SHOT_KINDS: ReadonlySet<AlertKind> = new Set<AlertKind>(['DEAD_LETTER']);

interface AlertRow {
  kind: AlertKind;
  key: string;
  open: boolean;
  severity: AlertSeverity;
  summary: string;
  labels: Record<string, string>;
  episode: number;
  opened_at: Date | null;
  changed_at: Date;
  last_notified_at: Date | null;
}

interface OutboxRow {
  id: string;
  receiver: string;
  alert_kind: AlertKind;
  notification: NotificationKind;
  content: Notification;
  attempts: number;
}

/**
 * Turns alert changes into messages: each change is decided against the alert's stored state (alert-policy) and
 * its messages are written to notifier_outbox in the same transaction; dispatch() sends what is due, receiver by
 * receiver, so one that is down delays only its own messages.
 */
export class Notifier {
  private readonly receivers: ReadonlyMap<string, Receiver>;
  private readonly metrics: NotifierMetrics;
  private readonly policy: PolicyOptions;
  private readonly now: () => Date;

  constructor(
    private readonly pool: Pool,
    receivers: readonly Receiver[],
    private readonly options: NotifierOptions,
  ) {
    this.receivers = new Map(receivers.map((r) => [r.name, r]));
    this.metrics = options.metrics ?? new NotifierMetrics(new Registry());
    this.policy = { remindAfterMs: options.remindAfterMs, oneShotKinds: ONE_SHOT_KINDS };
    this.now = options.now ?? (() => new Date());
  }

  get receiverNames(): string[] {
    return [...this.receivers.keys()];
  }

  /** When a message of this severity may go: now, or when the quiet hours end (critical ones never wait). */
  dueAt(severity: AlertSeverity, now: Date = this.now()): Date {
    if (severity === 'critical') return now;
    return quietUntil(now, this.options.quietHours) ?? now;
  }

  /**
   * Applies changes in the order given (one partition's batch), in one transaction; resolves with the messages
   * queued. Applying the same changes again queues nothing: each alert's state remembers the newest change.
   */
  async record(events: readonly AlertEvent[]): Promise<number> {
    if (events.length === 0) return 0;
    const now = this.now();
    const counted: { event: AlertEvent; notified: boolean }[] = [];
    const queued = await withTransaction(this.pool, async (client) => {
      let n = 0;
      for (const event of events) {
        const current = await this.lockAlert(client, event.kind, event.key);
        const decision = decide(current, event, this.policy, (s) => this.dueAt(s, now));
        if (decision.state !== current) await this.saveAlert(client, decision.state);
        if (decision.notify)
          n += await this.enqueue(client, decision.state, decision.notify, decision.dueAt!, event.at);
        counted.push({ event, notified: decision.notify !== null });
      }
      return n;
    });
    for (const { event, notified } of counted)
      this.metrics.alertChanges.inc({
        kind: event.kind,
        change: event.type,
        outcome: notified ? 'notified' : 'ignored',
      });
    return queued;
  }

  /** Queues a reminder for each open alert whose last message is older than the reminder interval. */
  async remindDue(): Promise<number> {
    if (this.options.remindAfterMs <= 0) return 0;
    const now = this.now();
    const quietNow = quietUntil(now, this.options.quietHours) !== null;
    return withTransaction(this.pool, async (client) => {
      const { rows } = await client.query<AlertRow>(
        `SELECT * FROM notifier_alerts
          WHERE open AND last_notified_at <= $1
          ORDER BY last_notified_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [new Date(now.getTime() - this.options.remindAfterMs), this.options.batchSize],
      );
      let n = 0;
      for (const row of rows) {
        const decision = remind(stateOf(row), now, this.policy, quietNow);
        if (!decision.notify) continue;
        await this.saveAlert(client, decision.state);
        n += await this.enqueue(client, decision.state, decision.notify, decision.dueAt!, now);
      }
      return n;
    });
  }

  /**
   * Sends the messages that are due. Receivers in parallel; one receiver's messages in order, and after its first
   * failure the rest of its messages wait for the next pass, so an alert's resolved never overtakes its raised.
   */
  async dispatch(): Promise<number> {
    const now = this.now();
    const { rows } = await this.pool.query<OutboxRow>(
      `UPDATE notifier_outbox SET claimed_until = $2
        WHERE id IN (SELECT id FROM notifier_outbox
                      WHERE state = 'pending' AND due_at <= $1 AND (claimed_until IS NULL OR claimed_until < $1)
                      ORDER BY due_at, id LIMIT $3 FOR UPDATE SKIP LOCKED)
        RETURNING id, receiver, alert_kind, notification, content, attempts`,
      [now, new Date(now.getTime() + this.options.claimMs), this.options.batchSize],
    );
    const byReceiver = new Map<string, OutboxRow[]>();
    for (const row of rows.sort((a, b) => Number(a.id) - Number(b.id)))
      byReceiver.set(row.receiver, [...(byReceiver.get(row.receiver) ?? []), row]);
    const sent = await Promise.all([...byReceiver].map(([name, list]) => this.sendAll(name, list)));
    return sent.reduce((a, b) => a + b, 0);
  }

  /**
   * Sends one test message to a receiver now, outside the outbox and the quiet hours, and throws what it answered
   * (ReceiverError). False when no receiver of that name is configured.
   */
  async sendTest(name: string): Promise<boolean> {
    const receiver = this.receivers.get(name);
    if (!receiver) return false;
    const at = this.now().toISOString();
    await receiver.send({
      id: `test-${Date.now()}`,
      notification: 'raised',
      kind: 'NOTIFIER_TEST',
      key: name,
      severity: 'info',
      summary: `A test message from the StockSync notifier to the ${name} receiver: if you read this, it works.`,
      labels: {},
      episode: 0,
      openedAt: null,
      at,
    });
    return true;
  }

  /** Deletes finished messages and closed alerts older than the retention. */
  async purge(): Promise<void> {
    const before = new Date(this.now().getTime() - this.options.retainMs);
    await this.pool.query(`DELETE FROM notifier_outbox WHERE state <> 'pending' AND finished_at < $1`, [
      before,
    ]);
    await this.pool.query(`DELETE FROM notifier_alerts WHERE NOT open AND updated_at < $1`, [before]);
  }

  async close(): Promise<void> {
    await Promise.all([...this.receivers.values()].map((r) => r.close?.()));
  }

  private async sendAll(name: string, rows: OutboxRow[]): Promise<number> {
    const receiver = this.receivers.get(name);
    let sent = 0;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const labels = { receiver: name, kind: row.alert_kind, notification: row.notification };
      if (!receiver) {
        await this.finish(
          row,
          'given_up',
          'NOTIFIER.RECEIVER_NOT_CONFIGURED: the receiver was removed from the configuration',
        );
        this.metrics.notifications.inc({ ...labels, result: 'given_up' });
        continue;
      }
      try {
        await retry(() => receiver.send({ ...row.content, id: row.id }), {
          ...this.options.sendRetry,
          shouldRetry: isRetryableSendError,
        });
        await this.finish(row, 'sent', null);
        this.metrics.notifications.inc({ ...labels, result: 'sent' });
        sent++;
      } catch (err) {
        const attempts = row.attempts + 1;
        const givenUp = !isRetryableSendError(err) || attempts >= this.options.maxAttempts;
        const detail = (err instanceof Error ? err.message : String(err)).slice(0, 500);
        if (givenUp) await this.finish(row, 'given_up', detail);
        else await this.later(row, attempts, detail);
        this.metrics.notifications.inc({ ...labels, result: givenUp ? 'given_up' : 'failed' });
        this.options.onSendFailure?.(name, err, attempts, givenUp);
        if (!givenUp) {
          await this.release(rows.slice(i + 1));
          break;
        }
      }
    }
    return sent;
  }

  private async finish(row: OutboxRow, state: 'sent' | 'given_up', error: string | null): Promise<void> {
    await this.pool.query(
      `UPDATE notifier_outbox SET state = $2, attempts = attempts + 1, finished_at = $3, claimed_until = NULL,
              last_error = COALESCE($4, last_error)
        WHERE id = $1`,
      [row.id, state, this.now(), error],
    );
  }

  private async later(row: OutboxRow, attempts: number, error: string): Promise<void> {
    const delay = backoffDelayMs(attempts, this.options.redeliveryBackoff);
    await this.pool.query(
      `UPDATE notifier_outbox SET attempts = $2, due_at = $3, claimed_until = NULL, last_error = $4 WHERE id = $1`,
      [
        row.id,
        attempts,
        new Date(this.now().getTime() + Math.max(delay, this.options.redeliveryBackoff.initialMs)),
        error,
      ],
    );
  }

  private async release(rows: OutboxRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.pool.query(`UPDATE notifier_outbox SET claimed_until = NULL WHERE id = ANY($1::bigint[])`, [
      rows.map((r) => r.id),
    ]);
  }

  private async lockAlert(client: PoolClient, kind: AlertKind, key: string): Promise<AlertState | undefined> {
    // The row may not exist yet: an advisory lock on (kind, key) keeps two instances (a rebalance) from both
    // inserting it; it ends with the transaction. FOR UPDATE: a reminder pass skips the row meanwhile (SKIP LOCKED),
    // and this change waits for a reminder pass that holds it, then reads what it wrote.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`notifier:${kind}:${key}`]);
    const { rows } = await client.query<AlertRow>(
      'SELECT * FROM notifier_alerts WHERE kind = $1 AND key = $2 FOR UPDATE',
      [kind, key],
    );
    return rows[0] ? stateOf(rows[0]) : undefined;
  }

  private async saveAlert(client: PoolClient, s: AlertState): Promise<void> {
    await client.query(
      `INSERT INTO notifier_alerts (kind, key, open, severity, summary, labels, episode, opened_at, changed_at,
                                    last_notified_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now())
       ON CONFLICT (kind, key) DO UPDATE SET open = $3, severity = $4, summary = $5, labels = $6, episode = $7,
              opened_at = $8, changed_at = $9, last_notified_at = $10, updated_at = now()`,
      [
        s.kind,
        s.key,
        s.open,
        s.severity,
        s.summary,
        JSON.stringify(s.labels),
        s.episode,
        s.openedAt,
        s.changedAt,
        s.lastNotifiedAt,
      ],
    );
  }

  /** One outbox row per receiver the alert's kind routes to (and that is configured). */
  private async enqueue(
    client: PoolClient,
    s: AlertState,
    notification: NotificationKind,
    dueAt: Date,
    at: Date,
  ): Promise<number> {
    const receivers = receiversFor(s.kind, this.options.routes).filter((r) => this.receivers.has(r));
    const content: Omit<Notification, 'id'> = {
      notification,
      kind: s.kind,
      key: s.key,
      severity: s.severity,
      summary: s.summary,
      labels: s.labels,
      episode: s.episode,
      openedAt: s.openedAt?.toISOString() ?? null,
      at: at.toISOString(),
    };
    for (const receiver of receivers)
      await client.query(
        `INSERT INTO notifier_outbox (receiver, alert_kind, alert_key, episode, notification, severity, content, due_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [receiver, s.kind, s.key, s.episode, notification, s.severity, JSON.stringify(content), dueAt],
      );
    return receivers.length;
  }
}

function stateOf(row: AlertRow): AlertState {
  return {
    kind: row.kind,
    key: row.key,
    open: row.open,
    severity: row.severity,
    summary: row.summary,
    labels: row.labels,
    episode: row.episode,
    openedAt: row.opened_at,
    changedAt: row.changed_at,
    lastNotifiedAt: row.last_notified_at,
  };
}
