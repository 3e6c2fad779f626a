import type { MigrationSet } from '@libs/database';

export const cardVaultMigrations: MigrationSet = {
  component: 'card-vault',
  migrations: [
    {
      version: 1,
      name: 'card keys and reveals',
      up: `
CREATE TABLE card_keys (
  unit_id     text        PRIMARY KEY,
  sku         text        NOT NULL,
  -- HMAC-SHA256 of the normalised secret under the fingerprint key: finds duplicates without decrypting.
  fingerprint bytea       NOT NULL CHECK (octet_length(fingerprint) = 32),
  key_id      text        NOT NULL,
  iv          bytea       NOT NULL CHECK (octet_length(iv) = 12),
  ciphertext  bytea       NOT NULL,
  auth_tag    bytea       NOT NULL CHECK (octet_length(auth_tag) = 16),
  created_at  timestamptz NOT NULL DEFAULT now(),
  rotated_at  timestamptz,
  CONSTRAINT card_keys_sku_fingerprint_key UNIQUE (sku, fingerprint)
);

CREATE INDEX card_keys_key_id_idx ON card_keys (key_id);

CREATE TABLE card_key_reveals (
  reveal_id   bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  unit_id     text        NOT NULL REFERENCES card_keys (unit_id),
  order_id    text        NOT NULL,
  channel     text        NOT NULL,
  actor       text        NOT NULL,
  key_id      text        NOT NULL,
  revealed_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX card_key_reveals_unit_idx ON card_key_reveals (unit_id);
CREATE INDEX card_key_reveals_order_idx ON card_key_reveals (order_id);
`,
    },
  ],
};
