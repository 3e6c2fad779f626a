import type { MigrationSet } from '@libs/database';

export const reconciliationMigrations: MigrationSet = {
  component: 'reconciliation',
  migrations: [
    {
      version: 1,
      name: 'runs and items',
      up: `
CREATE TABLE reconciliation_runs (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  trigger          text        NOT NULL,
  status           text        NOT NULL,
  started_at       timestamptz NOT NULL DEFAULT now(),
  finished_at      timestamptz,
  listings_checked integer     NOT NULL DEFAULT 0,
  skus_checked     integer     NOT NULL DEFAULT 0,
  differences      integer     NOT NULL DEFAULT 0,
  corrections      integer     NOT NULL DEFAULT 0,
  error            text
);

CREATE TABLE reconciliation_items (
  run_id         bigint  NOT NULL REFERENCES reconciliation_runs (id),
  channel        text    NOT NULL,
  sku            text    NOT NULL,
  class          text    NOT NULL,
  listed         integer,
  target         integer,
  target_version bigint,
  action         text    NOT NULL,
  note           text,
  PRIMARY KEY (run_id, channel, sku, class)
);
CREATE INDEX reconciliation_items_class_idx ON reconciliation_items (run_id, class);
`,
    },
  ],
};
