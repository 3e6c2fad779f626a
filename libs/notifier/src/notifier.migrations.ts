import type { MigrationSet } from '@libs/database';

/** The notifier's own tables: what it knows of each alert, and the messages it has to send. */
export const notifierMigrations: MigrationSet = {
  component: 'notifier',
  migrations: [
    {
      version: 1,
      name: 'alert states and the notification outbox',
      up: `
-- One row per alert (kind, key) ever seen: open or not, and when its last message was due. Written in the same
-- transaction as the outbox rows its change produced, so a restart neither repeats nor loses a message.
CREATE TABLE notifier_alerts (
  kind             text        NOT NULL,
  key              text        NOT NULL,
  open             boolean     NOT NULL,
  severity         text        NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
  summary          text        NOT NULL,
  labels           jsonb       NOT NULL DEFAULT '{}',
  episode          integer     NOT NULL,
  opened_at        timestamptz,
  changed_at       timestamptz NOT NULL,
  last_notified_at timestamptz,
  updated_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (kind, key)
);
CREATE INDEX notifier_alerts_open_idx ON notifier_alerts (last_notified_at) WHERE open;
CREATE INDEX notifier_alerts_closed_idx ON notifier_alerts (updated_at) WHERE NOT open;

-- One row per message per receiver. A row is due at due_at (quiet hours move it), claimed for a while by the
-- dispatcher that sends it, then sent or given up.
CREATE TABLE notifier_outbox (
  id            bigserial   PRIMARY KEY,
  receiver      text        NOT NULL,
  alert_kind    text        NOT NULL,
  alert_key     text        NOT NULL,
  episode       integer     NOT NULL,
  notification  text        NOT NULL CHECK (notification IN ('raised', 'reminder', 'resolved')),
  severity      text        NOT NULL,
  content       jsonb       NOT NULL,
  state         text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'given_up')),
  due_at        timestamptz NOT NULL,
  attempts      integer     NOT NULL DEFAULT 0,
  claimed_until timestamptz,
  last_error    text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  finished_at   timestamptz
);
CREATE INDEX notifier_outbox_due_idx ON notifier_outbox (due_at, id) WHERE state = 'pending';
CREATE INDEX notifier_outbox_finished_idx ON notifier_outbox (finished_at) WHERE state <> 'pending';
`,
    },
  ],
};
