import { runMigrations, type MigrationSet } from '@libs/database';
import type { Pool } from 'pg';

/**
 * The read models the projector writes and analysts, the api, the reconciler and the expiry sweeper read.
 * Column meanings: libs/read-models/README.md.
 */
export const readModelMigrations: MigrationSet = {
  component: 'read-models',
  migrations: [
    {
      version: 1,
      name: 'stock, channels, reservations, movements, card keys, alerts, projection state and outbox',
      up: `
CREATE TABLE sku_stock (
  sku                 text        PRIMARY KEY,
  kind                text        NOT NULL CONSTRAINT sku_stock_kind_check CHECK (kind IN ('quantity', 'cardKey', 'unlimited')),
  received            integer     NOT NULL,
  adjusted            integer     NOT NULL,
  delivered           integer     NOT NULL,
  on_hand             integer     NOT NULL,
  reserved            integer     NOT NULL,
  held_in_pools       integer     NOT NULL,
  available           integer     NOT NULL,
  endless             boolean     NOT NULL,
  endless_reserved    integer     NOT NULL,
  endless_delivered   integer     NOT NULL,
  low_stock_threshold integer,
  version             bigint      NOT NULL,
  updated_at          timestamptz NOT NULL
);

CREATE TABLE channel_stock (
  channel             text        NOT NULL,
  sku                 text        NOT NULL,
  target              integer,
  target_version      bigint,
  target_published_at timestamptz,
  last_pushed         integer,
  last_pushed_version bigint,
  last_pushed_at      timestamptz,
  last_acked          integer,
  last_acked_version  bigint,
  last_acked_at       timestamptz,
  CONSTRAINT channel_stock_pkey PRIMARY KEY (channel, sku)
);
CREATE INDEX channel_stock_sku_idx ON channel_stock (sku);

CREATE TABLE reservations (
  channel            text        NOT NULL,
  channel_order_id   text        NOT NULL,
  sku                text        NOT NULL,
  quantity           integer     NOT NULL,
  status             text        NOT NULL CONSTRAINT reservations_status_check
                       CHECK (status IN ('reserved', 'confirmed', 'delivered', 'released', 'expired', 'rejected')),
  reason             text,
  expires_at         timestamptz,
  allocated_unit_ids text[]      NOT NULL,
  loop_unit_ids      text[]      NOT NULL,
  created_at         timestamptz NOT NULL,
  updated_at         timestamptz NOT NULL,
  updated_version    bigint      NOT NULL,
  CONSTRAINT reservations_pkey PRIMARY KEY (channel, channel_order_id, sku)
);
-- Serves the expiry sweeper's "SELECT DISTINCT sku FROM reservations WHERE status = 'reserved' AND
-- expires_at <= $1": only open reservations are indexed, so the index stays as small as the unpaid orders.
CREATE INDEX reservations_open_expiry_idx ON reservations (expires_at, sku) WHERE status = 'reserved';
CREATE INDEX reservations_sku_idx ON reservations (sku);

CREATE TABLE stock_movements (
  id                  bigint      PRIMARY KEY,
  event_id            uuid        NOT NULL,
  sku                 text        NOT NULL,
  version             bigint      NOT NULL,
  event_type          text        NOT NULL,
  channel             text,
  channel_order_id    text,
  quantity            integer     NOT NULL,
  delta_on_hand       integer     NOT NULL,
  delta_reserved      integer     NOT NULL,
  delta_held_in_pools integer     NOT NULL,
  delta_available     integer     NOT NULL,
  on_hand_after       integer     NOT NULL,
  available_after     integer     NOT NULL,
  reason              text,
  ref                 text,
  note                text,
  actor               text,
  occurred_at         timestamptz NOT NULL,
  CONSTRAINT stock_movements_event_id_key UNIQUE (event_id),
  CONSTRAINT stock_movements_sku_version_key UNIQUE (sku, version)
);
CREATE INDEX stock_movements_occurred_at_idx ON stock_movements (occurred_at);

CREATE TABLE card_key_counts (
  sku      text    NOT NULL,
  batch_id text    NOT NULL,
  state    text    NOT NULL CONSTRAINT card_key_counts_state_check
             CHECK (state IN ('available', 'allocated', 'delivered', 'redeemed', 'voided')),
  count    integer NOT NULL,
  CONSTRAINT card_key_counts_pkey PRIMARY KEY (sku, batch_id, state)
);

CREATE TABLE stock_alerts (
  sku        text        PRIMARY KEY,
  kind       text        NOT NULL,
  threshold  integer     NOT NULL,
  on_hand    integer     NOT NULL,
  raised_at  timestamptz NOT NULL,
  cleared_at timestamptz,
  open       boolean     NOT NULL
);

CREATE TABLE projection_checkpoints (
  name            text        PRIMARY KEY,
  transaction_id  bigint      NOT NULL,
  global_position bigint      NOT NULL,
  updated_at      timestamptz NOT NULL DEFAULT now()
);

-- state is json, not jsonb: it is only ever written and read whole, and parsing a hot SKU's multi-megabyte
-- state into jsonb costs about four times as much as storing it as checked text.
CREATE TABLE projection_sku_state (
  sku           text   PRIMARY KEY,
  version       bigint NOT NULL,
  state_version bigint NOT NULL,
  state         json
);

CREATE TABLE target_outbox (
  id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  channel         text        NOT NULL,
  sku             text        NOT NULL,
  quantity        integer     NOT NULL,
  version         bigint      NOT NULL,
  occurred_at     timestamptz NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  published_at    timestamptz,
  rejected_reason text
);
-- The relay reads only what is still to send, in id order.
CREATE INDEX target_outbox_pending_idx ON target_outbox (id) WHERE published_at IS NULL AND rejected_reason IS NULL;
`,
    },
    {
      version: 2,
      name: 'sku_stock.per_order_cap',
      // Rows written before this column read null until their SKU's next event or a rebuild.
      up: `ALTER TABLE sku_stock ADD COLUMN per_order_cap integer;`,
    },
    {
      version: 3,
      name: 'quantity columns become bigint',
      // Stock adds up past 2^31 (the domain allows up to MAX_ON_HAND = 1e12 on hand, and a rejected order records
      // what it asked for), and one value out of range for integer stopped the projection of every SKU. Values
      // stay below 2^53, so readers keep converting them to plain numbers (bigintAsNumber, readModelTypes).
      // card_key_counts.count stays integer: it counts stored card keys, one row each in the vault.
      // ALTER COLUMN TYPE rewrites each table once under an exclusive lock; views over these columns (the
      // analyst views, or an analyst's own) would block it, so their definitions are kept, dropped and created
      // again in the same transaction.
      up: `
DO $$
DECLARE
  found record;
  view_names text[] := '{}';
  view_defs text[] := '{}';
  i integer;
BEGIN
  FOR found IN
    SELECT DISTINCT c.oid::regclass::text AS name, pg_get_viewdef(c.oid) AS def
      FROM pg_depend d
      JOIN pg_rewrite r ON r.oid = d.objid
      JOIN pg_class c ON c.oid = r.ev_class
     WHERE d.classid = 'pg_rewrite'::regclass
       AND d.refclassid = 'pg_class'::regclass
       AND d.refobjid IN ('sku_stock'::regclass, 'channel_stock'::regclass, 'reservations'::regclass,
                          'stock_movements'::regclass, 'stock_alerts'::regclass, 'target_outbox'::regclass)
       AND c.relkind = 'v'
       AND c.oid <> d.refobjid
  LOOP
    view_names := view_names || found.name;
    view_defs := view_defs || found.def;
  END LOOP;
  FOR i IN 1 .. coalesce(array_length(view_names, 1), 0) LOOP
    EXECUTE 'DROP VIEW ' || view_names[i];
  END LOOP;

  ALTER TABLE sku_stock
    ALTER COLUMN received TYPE bigint,
    ALTER COLUMN adjusted TYPE bigint,
    ALTER COLUMN delivered TYPE bigint,
    ALTER COLUMN on_hand TYPE bigint,
    ALTER COLUMN reserved TYPE bigint,
    ALTER COLUMN held_in_pools TYPE bigint,
    ALTER COLUMN available TYPE bigint,
    ALTER COLUMN endless_reserved TYPE bigint,
    ALTER COLUMN endless_delivered TYPE bigint,
    ALTER COLUMN low_stock_threshold TYPE bigint,
    ALTER COLUMN per_order_cap TYPE bigint;
  ALTER TABLE channel_stock
    ALTER COLUMN target TYPE bigint,
    ALTER COLUMN last_pushed TYPE bigint,
    ALTER COLUMN last_acked TYPE bigint;
  ALTER TABLE reservations ALTER COLUMN quantity TYPE bigint;
  ALTER TABLE stock_movements
    ALTER COLUMN quantity TYPE bigint,
    ALTER COLUMN delta_on_hand TYPE bigint,
    ALTER COLUMN delta_reserved TYPE bigint,
    ALTER COLUMN delta_held_in_pools TYPE bigint,
    ALTER COLUMN delta_available TYPE bigint,
    ALTER COLUMN on_hand_after TYPE bigint,
    ALTER COLUMN available_after TYPE bigint;
  ALTER TABLE stock_alerts
    ALTER COLUMN threshold TYPE bigint,
    ALTER COLUMN on_hand TYPE bigint;
  ALTER TABLE target_outbox ALTER COLUMN quantity TYPE bigint;

  FOR i IN 1 .. coalesce(array_length(view_names, 1), 0) LOOP
    EXECUTE 'CREATE VIEW ' || view_names[i] || ' AS ' || view_defs[i];
  END LOOP;
END
$$;
`,
    },
    {
      version: 4,
      name: 'projection_quarantine',
      // The SKUs the projector set aside: it met an event of theirs it cannot project, and skips their events until
      // an operator asks for a retry (retry_requested_at, set by the API). Written only by the projector otherwise.
      up: `
CREATE TABLE projection_quarantine (
  sku                text        PRIMARY KEY,
  version            bigint      NOT NULL,
  global_position    bigint      NOT NULL,
  event_id           text        NOT NULL,
  event_type         text        NOT NULL,
  reason_code        text        NOT NULL,
  reason             text        NOT NULL,
  first_failed_at    timestamptz NOT NULL DEFAULT now(),
  last_failed_at     timestamptz NOT NULL DEFAULT now(),
  attempts           integer     NOT NULL DEFAULT 1,
  skipped_events     bigint      NOT NULL DEFAULT 0,
  retry_requested_at timestamptz,
  retry_requested_by text
);
-- The projector looks for retry requests every second or so.
CREATE INDEX projection_quarantine_retry_idx ON projection_quarantine (retry_requested_at)
  WHERE retry_requested_at IS NOT NULL;
`,
    },
    {
      version: 5,
      name: 'reservations: refunded orders, paid orders waiting for keys',
      up: `
ALTER TABLE reservations DROP CONSTRAINT reservations_status_check;
ALTER TABLE reservations ADD CONSTRAINT reservations_status_check
  CHECK (status IN ('reserved', 'confirmed', 'delivered', 'released', 'expired', 'rejected', 'refunded',
                    'awaiting-keys'));
`,
    },
    {
      version: 6,
      name: 'supplier-backed SKUs, paid orders forwarded to a supplier',
      up: `
ALTER TABLE sku_stock DROP CONSTRAINT sku_stock_kind_check;
ALTER TABLE sku_stock ADD CONSTRAINT sku_stock_kind_check
  CHECK (kind IN ('quantity', 'cardKey', 'unlimited', 'supplier'));
ALTER TABLE reservations DROP CONSTRAINT reservations_status_check;
ALTER TABLE reservations ADD CONSTRAINT reservations_status_check
  CHECK (status IN ('reserved', 'confirmed', 'delivered', 'released', 'expired', 'rejected', 'refunded',
                    'awaiting-keys', 'forwarding'));
`,
    },
    {
      version: 7,
      name: 'sku_suppliers',
      up: `
-- The suppliers of each supplier-backed SKU in priority order, with what each last reported. The supplier
-- connector reads it to route a supplier's report to the SKUs that resell the product.
CREATE TABLE sku_suppliers (
  sku                 text        NOT NULL,
  supplier_id         text        NOT NULL,
  product_id          text        NOT NULL,
  priority            integer     NOT NULL,
  stock               bigint,
  on_sale             boolean     NOT NULL,
  supply_price        bigint,
  observed_at         timestamptz,
  taken_since_report  bigint      NOT NULL,
  version             bigint      NOT NULL,
  PRIMARY KEY (sku, supplier_id)
);
CREATE INDEX sku_suppliers_product_idx ON sku_suppliers (supplier_id, product_id);
-- A channel's selling price (fen) travels with its stock target, for the channels whose SKU has a price rule.
ALTER TABLE target_outbox ADD COLUMN price bigint;
-- The supplier connector looks for paid orders no supplier fulfilled yet.
CREATE INDEX reservations_forwarding_idx ON reservations (updated_at) WHERE status = 'forwarding';
`,
    },
    {
      version: 8,
      name: 'reservations: paid, delivered and refunded times, fulfilling supplier, sale observations',
      // What the reports need (libs/reports, docs/reference/reports.md). Each column is set by one kind of event
      // and then kept (the first value wins), so a replay or a rebuild writes the same row. Rows projected before
      // this migration read null until a rebuild replays their events. The buyer's IP is never projected:
      // personal data is kept to what a report needs.
      up: `
ALTER TABLE reservations
  ADD COLUMN paid_at      timestamptz,
  ADD COLUMN delivered_at timestamptz,
  ADD COLUMN refunded_at  timestamptz,
  ADD COLUMN refund_note  text,
  ADD COLUMN supplier_id  text,
  ADD COLUMN unit_price   bigint,
  ADD COLUMN buyer_ref    text,
  ADD COLUMN buyer_level  text,
  ADD COLUMN province     text,
  ADD COLUMN city         text,
  ADD COLUMN shop         text;
`,
    },
    {
      version: 9,
      name: 'reservations: order-rule priority',
      // The manual queue (paid orders awaiting keys) is listed highest priority first. Set from the reservation's
      // ruling and kept like the report columns; rows projected before read null until a rebuild.
      up: `
ALTER TABLE reservations ADD COLUMN priority smallint;
`,
    },
    {
      version: 10,
      name: 'channel_stock: the selling price published with the target',
      // Written by the relay with the target it published, so analysts and the 串货 engine (a percentage floor
      // under the channel's own price) read each channel's selling price; null where no price rule names one.
      up: `
ALTER TABLE channel_stock ADD COLUMN price bigint;
`,
    },
  ],
};

export async function migrateReadModels(pool: Pool): Promise<number[]> {
  return runMigrations(pool, readModelMigrations);
}

/**
 * The tables that are a pure function of the event store: a rebuild empties them and replays every event.
 * `channel_stock` (what was announced, pushed and acknowledged), `target_outbox` and the checkpoints are not:
 * they record what happened outside the store.
 */
export const READ_MODEL_TABLES = [
  'sku_stock',
  'reservations',
  'stock_movements',
  'card_key_counts',
  'stock_alerts',
  'sku_suppliers',
  'projection_sku_state',
] as const;
