import type { MigrationSet } from '@libs/database';

/*
 * Component 'diversion'. The api writes the rules (and their versions); the notifier's diversion engine writes the
 * rest. Both apply this set at boot, whichever starts first.
 */
export const diversionMigrations: MigrationSet = {
  component: 'diversion',
  migrations: [
    {
      version: 1,
      name: 'diversion rules, versions, processed notices, volume observations and alerts',
      up: `
        CREATE TABLE diversion_rules (
          id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          version     integer     NOT NULL,
          name        text        NOT NULL,
          definition  jsonb       NOT NULL,
          deleted     boolean     NOT NULL DEFAULT false,
          updated_by  text        NOT NULL,
          updated_at  timestamptz NOT NULL
        );
        -- Every change, as it was: the current row is the latest version.
        CREATE TABLE diversion_rule_versions (
          rule_id     bigint      NOT NULL REFERENCES diversion_rules (id),
          version     integer     NOT NULL,
          name        text        NOT NULL,
          definition  jsonb       NOT NULL,
          deleted     boolean     NOT NULL,
          changed_by  text        NOT NULL,
          changed_at  timestamptz NOT NULL,
          PRIMARY KEY (rule_id, version)
        );
        -- Order notices already evaluated (event id = channel, order, status and SKU): a redelivery counts nothing.
        CREATE TABLE diversion_processed (
          event_id     text        PRIMARY KEY,
          processed_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX diversion_processed_at_idx ON diversion_processed (processed_at);
        -- One row per order and volume rule that looks at it: the windowed counts, and the trace of a volume alert.
        CREATE TABLE diversion_volume (
          id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          rule_id    text        NOT NULL,
          subject    text        NOT NULL,
          at         timestamptz NOT NULL,
          amount     integer     NOT NULL,
          event_id   text        NOT NULL,
          channel    text        NOT NULL,
          order_id   text        NOT NULL,
          sku        text        NOT NULL,
          quantity   integer     NOT NULL,
          unit_price bigint,
          shop       text,
          province   text,
          city       text,
          ip         text,
          buyer_ref  text
        );
        CREATE INDEX diversion_volume_window_idx ON diversion_volume (rule_id, subject, at);
        CREATE INDEX diversion_volume_at_idx ON diversion_volume (at);
        -- One row per alert key (rule:subject:window): the unique key is what makes it once per window.
        CREATE TABLE diversion_alerts (
          id           uuid        PRIMARY KEY,
          alert_key    text        NOT NULL UNIQUE,
          rule_id      text        NOT NULL,
          rule_version integer     NOT NULL,
          rule_name    text        NOT NULL,
          rule_type    text        NOT NULL,
          subject_kind text        NOT NULL,
          subject      text        NOT NULL,
          window_start timestamptz NOT NULL,
          window_end   timestamptz NOT NULL,
          sku          text        NOT NULL,
          channel      text        NOT NULL,
          shop         text,
          first_at     timestamptz NOT NULL,
          last_at      timestamptz NOT NULL,
          violations   integer     NOT NULL DEFAULT 1,
          detail       jsonb       NOT NULL,
          orders       jsonb       NOT NULL,
          created_at   timestamptz NOT NULL DEFAULT now(),
          published_at timestamptz
        );
        CREATE INDEX diversion_alerts_first_at_idx ON diversion_alerts (first_at DESC);
        CREATE INDEX diversion_alerts_unpublished_idx ON diversion_alerts (created_at) WHERE published_at IS NULL;
      `,
    },
    {
      version: 2,
      name: 'diversion alerts resolved when their window ends',
      // Without it the notifier would remind of a closed window every NOTIFIER_REMIND_AFTER_MS for ever.
      up: `
        ALTER TABLE diversion_alerts ADD COLUMN resolved_at timestamptz;
        CREATE INDEX diversion_alerts_open_idx ON diversion_alerts (window_end)
          WHERE published_at IS NOT NULL AND resolved_at IS NULL;
      `,
    },
  ],
};
