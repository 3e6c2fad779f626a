import type { MigrationSet } from '@libs/database';

/** Tables owned by the connectors (one database per connector app, or shared: every row names its channel). */
export const channelsMigrations: MigrationSet = {
  component: 'channels',
  migrations: [
    {
      version: 1,
      name: 'push state, notification inbox, card-key deliveries',
      up: `
-- What each channel was told to list, what was sent and what the platform acknowledged, per SKU. The
-- projector's channel_stock and the reconciler read it; only the connectors write it.
CREATE TABLE channel_push_state (
  channel              text        NOT NULL,
  sku                  text        NOT NULL,
  desired_version      bigint,
  desired_quantity     integer,
  desired_published_at timestamptz,
  last_pushed_version  bigint,
  last_pushed_quantity integer,
  last_pushed_at       timestamptz,
  last_acked_version   bigint,
  last_acked_quantity  integer,
  last_acked_at        timestamptz,
  -- A refusal (PDD promotion slot) or the last failure; cleared by the next acknowledgement.
  last_error_code      text,
  last_error_at        timestamptz,
  PRIMARY KEY (channel, sku)
);

-- One row per (platform, order id, status) ever accepted: a repeated notice finds its row and emits nothing.
CREATE TABLE channel_notifications (
  channel      text        NOT NULL,
  order_id     text        NOT NULL,
  status       text        NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (channel, order_id, status)
);

-- One row per card key to hand over; the primary key is what makes delivery happen once.
CREATE TABLE card_key_deliveries (
  channel       text        NOT NULL,
  order_id      text        NOT NULL,
  unit_id       text        NOT NULL,
  sku           text        NOT NULL,
  state         text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
  attempts      integer     NOT NULL DEFAULT 0,
  last_error    text,
  allocated_at  timestamptz NOT NULL DEFAULT now(),
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  delivered_at  timestamptz,
  alerted_at    timestamptz,
  PRIMARY KEY (channel, order_id, unit_id)
);
CREATE INDEX card_key_deliveries_pending_idx ON card_key_deliveries (next_attempt_at) WHERE state = 'pending';
`,
    },
    {
      version: 2,
      name: 'card-key delivery: fenced claims, loop-key copies, one order per unit',
      up: `
-- Every claim writes a fresh token; a write on a claimed row names the token it holds and does nothing when the
-- row was claimed again since (its lease ran out): a slow worker can no longer cut short another worker's lease
-- or mark a delivery done that it no longer owns.
ALTER TABLE card_key_deliveries ADD COLUMN claim_token uuid;
-- A loop key (the same secret sold again and again) is one row per order, with how many copies the order bought.
ALTER TABLE card_key_deliveries ADD COLUMN copies integer NOT NULL DEFAULT 1 CHECK (copies >= 1);
ALTER TABLE card_key_deliveries ADD COLUMN loop boolean NOT NULL DEFAULT false;
-- Rows written before this column existed cannot tell a loop key from a single key: a unit already queued for
-- several orders can only have been a loop key (or a double delivery that has already happened), so it is
-- marked loop and the rule below applies from now on.
UPDATE card_key_deliveries d SET loop = true
 WHERE EXISTS (SELECT 1 FROM card_key_deliveries o WHERE o.unit_id = d.unit_id AND (o.channel, o.order_id) <> (d.channel, d.order_id));
-- A single card key goes to one order, whatever channel or message announces it again.
CREATE UNIQUE INDEX card_key_deliveries_single_unit_idx ON card_key_deliveries (unit_id) WHERE NOT loop;
`,
    },
    {
      version: 3,
      name: 'notification inbox: one row per SKU, recorded before publishing',
      up: `
-- One row per (platform, order id, status, SKU): a second notice of the same order and status that names other
-- SKUs (a partial cancellation, per-item notices) is no longer dropped as a duplicate. Rows from before this
-- migration stand for every SKU of their notice ('*').
ALTER TABLE channel_notifications ADD COLUMN sku text NOT NULL DEFAULT '*';
-- pending: recorded, not yet known to be published; emitted: published. The row is committed on its own before
-- the publish (no transaction stays open across a broker call) and marked emitted after it; a pending row whose
-- claim ran out is published again by the inbox relay, so a crash between the two loses nothing.
ALTER TABLE channel_notifications ADD COLUMN state text NOT NULL DEFAULT 'emitted'
  CHECK (state IN ('pending', 'emitted'));
-- The channel events of this SKU as first translated, so that the relay publishes exactly what was recorded.
ALTER TABLE channel_notifications ADD COLUMN events jsonb;
ALTER TABLE channel_notifications ADD COLUMN claimed_until timestamptz;
ALTER TABLE channel_notifications ADD COLUMN attempts integer NOT NULL DEFAULT 0;
ALTER TABLE channel_notifications ADD COLUMN emitted_at timestamptz;
ALTER TABLE channel_notifications DROP CONSTRAINT channel_notifications_pkey;
ALTER TABLE channel_notifications ADD PRIMARY KEY (channel, order_id, status, sku);
ALTER TABLE channel_notifications ALTER COLUMN sku DROP DEFAULT;
ALTER TABLE channel_notifications ALTER COLUMN state SET DEFAULT 'pending';
CREATE INDEX channel_notifications_pending_idx ON channel_notifications (channel, received_at) WHERE state = 'pending';
`,
    },
    {
      version: 4,
      name: 'card-key delivery: withdrawn keys, redeliveries, delivery reports',
      up: `
-- withdrawn: the inventory took the key back from the order (refunded before delivery, or voided and replaced):
-- never delivered from here.
ALTER TABLE card_key_deliveries DROP CONSTRAINT card_key_deliveries_state_check;
ALTER TABLE card_key_deliveries ADD CONSTRAINT card_key_deliveries_state_check
  CHECK (state IN ('pending', 'delivered', 'failed', 'withdrawn'));
-- The last redelivery (补发) of the order this row was queued again for: a redelivery message read twice sends once.
ALTER TABLE card_key_deliveries ADD COLUMN redeliveries integer NOT NULL DEFAULT 0;
-- When the inventory was told this key was delivered (card-keys.delivered); NULL while the report is owed. Rows
-- delivered before this column existed are reported too, a pass at a time: the inventory then knows which keys a
-- refund may put back in stock.
ALTER TABLE card_key_deliveries ADD COLUMN reported_at timestamptz;
-- A key withdrawn from an order (a refund before delivery) is back in stock and may be sold to another order: the
-- one-order-per-key rule holds for the rows still meant to be delivered.
DROP INDEX card_key_deliveries_single_unit_idx;
CREATE UNIQUE INDEX card_key_deliveries_single_unit_idx ON card_key_deliveries (unit_id)
  WHERE NOT loop AND state <> 'withdrawn';
-- The orders alerted as paid and not delivered, looked for every pass to resolve the alert once they are.
CREATE INDEX card_key_deliveries_alerted_idx ON card_key_deliveries (channel) WHERE alerted_at IS NOT NULL;
CREATE INDEX card_key_deliveries_unreported_idx ON card_key_deliveries (channel, delivered_at)
  WHERE state = 'delivered' AND reported_at IS NULL;
`,
    },
    {
      version: 5,
      name: 'push state: the desired selling price',
      up: `
-- The selling price (fen) the desired target carries, so a target re-queued after a restart keeps its price.
ALTER TABLE channel_push_state ADD COLUMN desired_price bigint;
`,
    },
  ],
};
