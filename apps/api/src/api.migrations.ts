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
  ],
};
