import type { Queryable } from '@libs/database';
import { Counter, Gauge, type Registry } from 'prom-client';

/** What the notifier reports; registered on the app's one registry. Labels are bounded: receivers and kinds are ours. */
export class NotifierMetrics {
  /** receiver, kind (alert kind), notification (raised/reminder/resolved), result (sent/failed/given_up). */
  readonly notifications: Counter<'receiver' | 'kind' | 'notification' | 'result'>;
  /** kind, change (raised/resolved), outcome (notified: a message was queued; ignored: a copy, late, or no change). */
  readonly alertChanges: Counter<'kind' | 'change' | 'outcome'>;

  /** `db`: where pending messages are counted on each scrape (absent in tests that do not need it). */
  constructor(registry: Registry, db?: Queryable) {
    this.notifications = new Counter({
      name: 'stocksync_notifications_total',
      help: 'Messages to receivers, by receiver, alert kind, notification (raised, reminder, resolved) and result: sent, failed (an attempt failed; it is tried again later), given_up (no attempt left, or refused for good).',
      labelNames: ['receiver', 'kind', 'notification', 'result'],
      registers: [registry],
    });
    this.alertChanges = new Counter({
      name: 'stocksync_alert_changes_total',
      help: 'Alert changes the notifier applied, by kind, change (raised, resolved) and outcome: notified (messages queued) or ignored (a copy, late, or nothing new to say).',
      labelNames: ['kind', 'change', 'outcome'],
      registers: [registry],
    });
    if (db) {
      new Gauge({
        name: 'stocksync_notifications_pending',
        help: 'Messages not sent yet (held by quiet hours, waiting for a retry, or due), by receiver; read from notifier_outbox on each scrape.',
        labelNames: ['receiver'],
        registers: [registry],
        async collect() {
          this.reset();
          const { rows } = await db.query<{ receiver: string; n: string }>(
            `SELECT receiver, count(*) AS n FROM notifier_outbox WHERE state = 'pending' GROUP BY receiver`,
          );
          for (const row of rows) this.set({ receiver: row.receiver }, Number(row.n));
        },
      });
    }
  }
}
