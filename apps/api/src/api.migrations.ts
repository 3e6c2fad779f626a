import type { MigrationSet } from '@libs/database';

export const apiMigrations: MigrationSet = {
  component: 'api',
  migrations: [
    {
      version: 1,
      name: 'api keys and card-key import reports',
      up: `
CREATE TABLE api_keys (
  key_id      text        PRIMARY KEY,
  name        text        NOT NULL,
  role        text        NOT NULL CHECK (role IN ('admin', 'inventory-admin', 'order-operator', 'analyst')),
  -- SHA-256 of the whole key; the key itself is shown once, at creation, and never stored.
  key_hash    bytea       NOT NULL CHECK (octet_length(key_hash) = 32),
  created_by  text        NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz,
  CONSTRAINT api_keys_name_key UNIQUE (name)
);

-- The first report of each card-key import, returned again when the same batch id is sent twice.
CREATE TABLE card_key_imports (
  sku          text        NOT NULL,
  batch_id     text        NOT NULL,
  actor        text        NOT NULL,
  rows         integer     NOT NULL,
  imported     integer     NOT NULL,
  report       jsonb       NOT NULL,
  completed_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT card_key_imports_pkey PRIMARY KEY (sku, batch_id)
);
`,
    },
    {
      version: 2,
      name: 'catalogue import reports',
      up: `
-- The first report of each catalogue (分站) import, returned again when the same batch id is sent twice.
CREATE TABLE catalogue_imports (
  batch_id     text        PRIMARY KEY,
  actor        text        NOT NULL,
  rows         integer     NOT NULL,
  registered   integer     NOT NULL,
  report       jsonb       NOT NULL,
  completed_at timestamptz NOT NULL DEFAULT now()
);
`,
    },
    {
      version: 3,
      name: 'idempotency keys',
      up: `
-- One row per Idempotency-Key a caller sent on a route: the command id it stands for and the hash of the request
-- it was first sent with, so the same key with another request is refused instead of answered with the first.
CREATE TABLE api_idempotency_keys (
  command_id      text        PRIMARY KEY,
  principal       text        NOT NULL,
  route           text        NOT NULL,
  idempotency_key text        NOT NULL,
  request_sha256  bytea       NOT NULL CHECK (octet_length(request_sha256) = 32),
  created_at      timestamptz NOT NULL DEFAULT now()
);
`,
    },
    {
      version: 4,
      name: 'idempotency key pruning',
      up: `
-- The API prunes rows past API_IDEMPOTENCY_RETENTION_HOURS in batches.
CREATE INDEX api_idempotency_keys_created_at ON api_idempotency_keys (created_at);
`,
    },
    {
      version: 5,
      name: 'command bodies',
      up: `
-- A command whose data is too large for one Kafka record (a card-key import of many thousand units) is stored here
-- by the API before it sends the request, and read by the SKU's owner before it decides (a claim check).
CREATE TABLE command_bodies (
  body_id    text        PRIMARY KEY,
  body       jsonb       NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX command_bodies_created_at ON command_bodies (created_at);
`,
    },
    {
      version: 6,
      name: 'after-sales tickets',
      up: `
-- A ticket on an order: opened by an operator, or by a platform's after-sales notice (one ticket per platform case:
-- a repeated notice finds the first). State and resolution are the decider's (apps/api/src/tickets/ticket.ts).
CREATE TABLE tickets (
  id                text        PRIMARY KEY,
  channel           text        NOT NULL,
  channel_order_id  text        NOT NULL,
  sku               text,
  source            text        NOT NULL CHECK (source IN ('operator', 'platform')),
  platform_case_id  text        CHECK ((source = 'platform') = (platform_case_id IS NOT NULL)),
  reason_code       text        NOT NULL CHECK (reason_code ~ '^[A-Z][A-Z0-9_]{0,63}$'),
  summary           text        NOT NULL CHECK (char_length(summary) <= 2000),
  state             text        NOT NULL
                    CHECK (state IN ('open', 'waiting-buyer', 'waiting-platform', 'resolved', 'rejected')),
  opened_by         text        NOT NULL,
  opened_at         timestamptz NOT NULL,
  updated_at        timestamptz NOT NULL,
  resolution        text        CHECK (char_length(resolution) <= 2000),
  -- A closed platform ticket's answer waits here until it is on stock.after-sales (an outbox of one row each).
  answer_pending    boolean     NOT NULL DEFAULT false,
  answer_sent_at    timestamptz
);
CREATE UNIQUE INDEX tickets_platform_case ON tickets (channel, platform_case_id);
CREATE INDEX tickets_order ON tickets (channel, channel_order_id);
CREATE INDEX tickets_state_age ON tickets (state, opened_at, id);
CREATE INDEX tickets_age ON tickets (opened_at, id);
CREATE INDEX tickets_answer_pending ON tickets (updated_at) WHERE answer_pending;

-- Every step of a ticket, with who took it and when: opened, each move, each note and linked action.
CREATE TABLE ticket_events (
  ticket_id   text        NOT NULL REFERENCES tickets (id),
  seq         integer     NOT NULL,
  type        text        NOT NULL CHECK (type IN ('opened', 'moved', 'action')),
  from_state  text,
  to_state    text,
  action_kind text        CHECK (action_kind IN ('void-and-replace', 'refund', 'redeliver', 'redeem', 'note')),
  action_ref  text        CHECK (char_length(action_ref) <= 200),
  note        text        CHECK (char_length(note) <= 2000),
  actor       text        NOT NULL,
  at          timestamptz NOT NULL,
  PRIMARY KEY (ticket_id, seq)
);
`,
    },
    {
      version: 7,
      name: 'catalogue syncs',
      up: `
-- A catalogue sync (主站 → 分站): a supplier's catalogue read through the supplier contract and compared with what
-- StockSync has (the preview), then applied whole or by row. fetched_at: when reading the catalogue began, the
-- time of the supplier's report each row carries when applied.
CREATE TABLE catalogue_syncs (
  sync_id          text        PRIMARY KEY,
  seq              bigserial   NOT NULL UNIQUE,
  supplier_id      text        NOT NULL,
  sku_prefix       text        NOT NULL,
  safety_buffer    bigint      CHECK (safety_buffer >= 0),
  source           text        NOT NULL CHECK (source IN ('operator', 'schedule')),
  requested_by     text        NOT NULL,
  fetched_at       timestamptz NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  products         integer     NOT NULL,
  counts           jsonb       NOT NULL,
  first_applied_at timestamptz,
  first_applied_by text,
  last_applied_at  timestamptz,
  last_applied_by  text
);
CREATE INDEX catalogue_syncs_supplier ON catalogue_syncs (supplier_id, seq);

-- One row per catalogue product (catalogue order), then one per SKU whose product is gone upstream. body: the
-- preview's row as answered (product, changes old → new, reason). applied_at/_by: the first apply that brought
-- the row into StockSync; result/result_reason: what the latest apply did with it.
CREATE TABLE catalogue_sync_rows (
  sync_id       text        NOT NULL REFERENCES catalogue_syncs (sync_id),
  seq           integer     NOT NULL,
  product_id    text        NOT NULL,
  sku           text,
  status        text        NOT NULL CHECK (status IN ('new', 'changed', 'unchanged', 'gone', 'invalid')),
  body          jsonb       NOT NULL,
  applied_at    timestamptz,
  applied_by    text,
  result        text        CHECK (result IN ('applied', 'already_applied', 'unchanged', 'refused', 'rejected')),
  result_reason text,
  PRIMARY KEY (sync_id, seq)
);
CREATE INDEX catalogue_sync_rows_status ON catalogue_sync_rows (sync_id, status, seq);
CREATE INDEX catalogue_sync_rows_product ON catalogue_sync_rows (sync_id, product_id);
`,
    },
    {
      version: 8,
      name: 'order rules',
      up: `
-- Order rules (订单自动化), written by the api only and read by every SKU owner (inventory-service), which hands
-- the rules in force (enabled, not deleted) to each placement's decision. condition and action are the domain's
-- OrderRule when/then (libs/inventory order-rules.ts), checked by it before they are written.
CREATE TABLE order_rules (
  rule_id     text        PRIMARY KEY CHECK (char_length(rule_id) BETWEEN 1 AND 64),
  version     integer     NOT NULL CHECK (version >= 1),
  position    integer     NOT NULL CHECK (position BETWEEN 0 AND 1000000),
  enabled     boolean     NOT NULL,
  deleted     boolean     NOT NULL DEFAULT false,
  description text        CHECK (char_length(description) <= 500),
  condition   jsonb       NOT NULL,
  action      jsonb       NOT NULL,
  updated_by  text        NOT NULL,
  updated_at  timestamptz NOT NULL
);
-- Every version of every rule, as written and by whom: the rulings on orders name (rule_id, version).
CREATE TABLE order_rule_versions (
  rule_id     text        NOT NULL,
  version     integer     NOT NULL,
  change      text        NOT NULL CHECK (change IN ('created', 'changed', 'deleted')),
  position    integer     NOT NULL,
  enabled     boolean     NOT NULL,
  description text,
  condition   jsonb       NOT NULL,
  action      jsonb       NOT NULL,
  actor       text        NOT NULL,
  at          timestamptz NOT NULL,
  PRIMARY KEY (rule_id, version)
);
`,
    },
  ],
};
