import type { MigrationSet } from '@libs/database';

/** The supplier connector's own table: every attempt it was asked to place, and where it stands. */
export const supplierForwardsMigrations: MigrationSet = {
  component: 'connector-supplier',
  migrations: [
    {
      version: 1,
      name: 'supplier_forwards',
      up: `
-- One row per forwarding attempt (the inventory's SupplierForwardStarted). Recorded before the offset of its request
-- is committed, so a crash never loses an attempt; the order id the supplier sees is derived from forward_id, so
-- placing it again after a crash is the same order there.
CREATE TABLE supplier_forwards (
  forward_id          text        PRIMARY KEY,
  supplier_order_id   text        NOT NULL UNIQUE,
  supplier_id         text        NOT NULL,
  product_id          text        NOT NULL,
  sku                 text        NOT NULL,
  channel             text        NOT NULL,
  channel_order_id    text        NOT NULL,
  attempt             integer     NOT NULL,
  quantity            integer     NOT NULL,
  expected_unit_price bigint,
  -- placing: no definite answer yet; pending: the supplier accepted it and works on it; answered: the inventory
  -- was told the outcome (outcome below).
  status              text        NOT NULL CHECK (status IN ('placing', 'pending', 'answered')),
  outcome             text        CHECK (outcome IN ('fulfilled', 'refused', 'timeout')),
  outcome_code        text,
  supplier_ref        text,
  calls               integer     NOT NULL DEFAULT 0,
  requested_at        timestamptz NOT NULL,
  give_up_at          timestamptz NOT NULL,
  next_check_at       timestamptz NOT NULL,
  answered_at         timestamptz,
  -- A fulfilment that arrived after the attempt was given up (recorded in the inventory as surplus).
  late_fulfilled_at   timestamptz
);
CREATE INDEX supplier_forwards_due_idx ON supplier_forwards (next_check_at) WHERE status <> 'answered';
-- Paid orders alerted as not fulfilled in time (PAID_NOT_FULFILLED), so each is raised once and resolved once.
CREATE TABLE supplier_fulfilment_alerts (
  channel          text        NOT NULL,
  channel_order_id text        NOT NULL,
  sku              text        NOT NULL,
  raised_at        timestamptz NOT NULL,
  resolved_at      timestamptz,
  PRIMARY KEY (channel, channel_order_id)
);
`,
    },
    {
      version: 2,
      name: 'supplier_forwards: top-ups',
      up: `
-- A top-up (直充) attempt: the account the supplier credits and the amount in fen ({account, amount, server?,
-- region?}). Kept while the attempt is worked on, and cleared once it is answered: the account is personal data
-- the connector has no use for afterwards. The supplier's receipt reference is kept in supplier_ref.
ALTER TABLE supplier_forwards ADD COLUMN top_up jsonb;
`,
    },
    {
      version: 3,
      name: 'supplier_forwards: priority',
      up: `
-- An order rule's priority (1–100; 0 when no rule gave one): among attempts due at once, higher ones are placed first.
ALTER TABLE supplier_forwards ADD COLUMN priority integer NOT NULL DEFAULT 0;
`,
    },
  ],
};
