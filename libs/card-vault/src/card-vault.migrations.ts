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
    {
      version: 2,
      name: 'reveal only what the event store allocated',
      // The allocation a reveal is checked against is the inventory's own ReservationConfirmed in the event store
      // (written only by the inventory service), never the card-keys.allocated message: anyone who can produce to
      // the broker can write that one. plpgsql binds tables when it runs, so these functions can be created before
      // the event store's tables exist (a connector may migrate first); both tables live in the one database.
      //
      // SECURITY DEFINER with EXECUTE revoked from PUBLIC: a connector's database role is granted EXECUTE on these
      // two functions and nothing on card_keys, so it can read a sealed secret only for a unit the event store
      // allocated to the order it names, and every such read is recorded (docs/security.md, "Connectors get only
      // the keys they need").
      up: `
CREATE FUNCTION card_vault_allocated_units(p_channel text, p_order_id text, p_sku text, p_unit_ids text[])
RETURNS SETOF text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $fn$
BEGIN
  RETURN QUERY
    SELECT DISTINCT u.unit_id
      FROM events e,
           LATERAL (
             SELECT jsonb_array_elements_text(COALESCE(e.data->'allocatedUnitIds', '[]'::jsonb))
             UNION ALL
             SELECT l->>'unitId' FROM jsonb_array_elements(COALESCE(e.data->'loopUnits', '[]'::jsonb)) AS l
             UNION ALL
             SELECT jsonb_array_elements_text(COALESCE(e.data->'loopUnitIds', '[]'::jsonb))
           ) AS u(unit_id)
     WHERE e.stream_id = 'sku-' || p_sku
       AND e.type = 'ReservationConfirmed'
       AND e.data->>'channel' = p_channel
       AND e.data->>'channelOrderId' = p_order_id
       AND u.unit_id = ANY (p_unit_ids);
END
$fn$;

-- One reveal: the sealed row, only when the unit is allocated to (channel, order); the reveal is recorded in the
-- caller's transaction, which commits before the secret is returned. CV404: no such unit; CV403: not allocated.
CREATE FUNCTION card_vault_reveal(p_unit_id text, p_channel text, p_order_id text, p_actor text)
RETURNS TABLE (key_id text, iv bytea, ciphertext bytea, auth_tag bytea)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path FROM CURRENT AS $fn$
#variable_conflict use_column
DECLARE
  k card_keys%ROWTYPE;
BEGIN
  -- FOR SHARE: a concurrent rotation cannot swap the ciphertext between this read and the caller's decryption.
  SELECT * INTO k FROM card_keys c WHERE c.unit_id = p_unit_id FOR SHARE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no card key for unit %', p_unit_id USING ERRCODE = 'CV404';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM card_vault_allocated_units(p_channel, p_order_id, k.sku, ARRAY[p_unit_id])) THEN
    RAISE EXCEPTION 'unit % is not allocated to % order %', p_unit_id, p_channel, p_order_id USING ERRCODE = 'CV403';
  END IF;
  INSERT INTO card_key_reveals (unit_id, order_id, channel, actor, key_id)
    VALUES (p_unit_id, p_order_id, p_channel, p_actor, k.key_id);
  RETURN QUERY SELECT k.key_id, k.iv, k.ciphertext, k.auth_tag;
END
$fn$;

REVOKE ALL ON FUNCTION card_vault_allocated_units(text, text, text, text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION card_vault_reveal(text, text, text, text) FROM PUBLIC;
`,
    },
    {
      version: 3,
      name: 'reveal follows refunds and replacements; a single key goes to one order',
      // An order's keys are the event store's: those its ReservationConfirmed allocated, an operator gave it by hand
      // (KeysAllocatedManually) or a CardKeyReplaced gave it, less those a CardKeyReplaced voided or an OrderRefunded took back (a key returned to stock may be
      // sold to another order). A (key, order) pair once taken back is never given again, so the sets need no order.
      //
      // plpgsql, as before: it binds the event store's table when it runs, not when it is created.
      //
      // A single-use key revealed for one order is never revealed for another: a key a refund put back while its
      // delivery was already in flight must not reach a second buyer. Refused as CV409; loop keys are exempt.
      up: `
CREATE FUNCTION card_vault_order_units(p_channel text, p_order_id text, p_sku text)
RETURNS TABLE (unit_id text, loop boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $fn$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  WITH order_events AS (
    -- data ? 'channelOrderId' lets the planner use the event store's lookup index (stream, order id).
    SELECT e.type, e.data FROM events e
     WHERE e.stream_id = 'sku-' || p_sku AND e.data ? 'channelOrderId'
       AND e.data->>'channelOrderId' = p_order_id AND e.data->>'channel' = p_channel
       AND e.type IN ('ReservationConfirmed', 'KeysAllocatedManually', 'CardKeyReplaced', 'OrderRefunded')
  ), given AS (
    SELECT jsonb_array_elements_text(COALESCE(data->'allocatedUnitIds', '[]'::jsonb)), false
      FROM order_events WHERE type = 'ReservationConfirmed'
    UNION ALL
    SELECT l->>'unitId', true
      FROM order_events, jsonb_array_elements(COALESCE(data->'loopUnits', '[]'::jsonb)) AS l
     WHERE type = 'ReservationConfirmed'
    UNION ALL
    SELECT jsonb_array_elements_text(COALESCE(data->'loopUnitIds', '[]'::jsonb)), true
      FROM order_events WHERE type = 'ReservationConfirmed'
    UNION ALL
    SELECT jsonb_array_elements_text(COALESCE(data->'unitIds', '[]'::jsonb)), false
      FROM order_events WHERE type = 'KeysAllocatedManually'
    UNION ALL
    SELECT data->>'replacementUnitId', false FROM order_events WHERE type = 'CardKeyReplaced'
  ), taken_back AS (
    SELECT data->>'unitId' AS unit_id FROM order_events WHERE type = 'CardKeyReplaced'
    UNION ALL
    SELECT jsonb_array_elements_text(COALESCE(data->'returnedUnitIds', '[]'::jsonb))
      FROM order_events WHERE type = 'OrderRefunded'
  )
  SELECT g.unit_id, bool_or(g.loop) FROM given AS g(unit_id, loop)
   WHERE NOT EXISTS (SELECT 1 FROM taken_back t WHERE t.unit_id = g.unit_id)
   GROUP BY g.unit_id;
END
$fn$;

CREATE OR REPLACE FUNCTION card_vault_allocated_units(p_channel text, p_order_id text, p_sku text, p_unit_ids text[])
RETURNS SETOF text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $fn$
BEGIN
  RETURN QUERY
    SELECT u.unit_id FROM card_vault_order_units(p_channel, p_order_id, p_sku) u WHERE u.unit_id = ANY (p_unit_ids);
END
$fn$;

CREATE OR REPLACE FUNCTION card_vault_reveal(p_unit_id text, p_channel text, p_order_id text, p_actor text)
RETURNS TABLE (key_id text, iv bytea, ciphertext bytea, auth_tag bytea)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path FROM CURRENT AS $fn$
#variable_conflict use_column
DECLARE
  k card_keys%ROWTYPE;
  v_loop boolean;
BEGIN
  SELECT * INTO k FROM card_keys c WHERE c.unit_id = p_unit_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no card key for unit %', p_unit_id USING ERRCODE = 'CV404';
  END IF;
  SELECT u.loop INTO v_loop FROM card_vault_order_units(p_channel, p_order_id, k.sku) u WHERE u.unit_id = p_unit_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unit % is not allocated to % order %', p_unit_id, p_channel, p_order_id USING ERRCODE = 'CV403';
  END IF;
  -- Locked before decrypting, so a concurrent rotation cannot swap the ciphertext. A single key is locked FOR UPDATE:
  -- two reveals of it for two orders queue here and the second sees the first one's record. A loop key, revealed
  -- for many orders at once, only FOR SHARE.
  IF v_loop THEN
    SELECT * INTO k FROM card_keys c WHERE c.unit_id = p_unit_id FOR SHARE;
  ELSE
    SELECT * INTO k FROM card_keys c WHERE c.unit_id = p_unit_id FOR UPDATE;
  END IF;
  IF NOT v_loop AND EXISTS (
    SELECT 1 FROM card_key_reveals r
     WHERE r.unit_id = p_unit_id AND (r.channel, r.order_id) <> (p_channel, p_order_id)) THEN
    RAISE EXCEPTION 'unit % was revealed for another order', p_unit_id USING ERRCODE = 'CV409';
  END IF;
  INSERT INTO card_key_reveals (unit_id, order_id, channel, actor, key_id)
    VALUES (p_unit_id, p_order_id, p_channel, p_actor, k.key_id);
  RETURN QUERY SELECT k.key_id, k.iv, k.ciphertext, k.auth_tag;
END
$fn$;

REVOKE ALL ON FUNCTION card_vault_order_units(text, text, text) FROM PUBLIC;
`,
    },
    {
      version: 4,
      name: 'reveal: keys a supplier fulfilled an order with',
      // The keys of a SupplierForwardFulfilled belong to its order like those a ReservationConfirmed allocated
      // (supplier-backed SKUs: the supplier connector sealed them before the fulfilment was decided).
      up: `
CREATE OR REPLACE FUNCTION card_vault_order_units(p_channel text, p_order_id text, p_sku text)
RETURNS TABLE (unit_id text, loop boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $fn$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  WITH order_events AS (
    -- data ? 'channelOrderId' lets the planner use the event store's lookup index (stream, order id).
    SELECT e.type, e.data FROM events e
     WHERE e.stream_id = 'sku-' || p_sku AND e.data ? 'channelOrderId'
       AND e.data->>'channelOrderId' = p_order_id AND e.data->>'channel' = p_channel
       AND e.type IN ('ReservationConfirmed', 'KeysAllocatedManually', 'CardKeyReplaced', 'OrderRefunded',
                      'SupplierForwardFulfilled')
  ), given AS (
    SELECT jsonb_array_elements_text(COALESCE(data->'allocatedUnitIds', '[]'::jsonb)), false
      FROM order_events WHERE type = 'ReservationConfirmed'
    UNION ALL
    SELECT l->>'unitId', true
      FROM order_events, jsonb_array_elements(COALESCE(data->'loopUnits', '[]'::jsonb)) AS l
     WHERE type = 'ReservationConfirmed'
    UNION ALL
    SELECT jsonb_array_elements_text(COALESCE(data->'loopUnitIds', '[]'::jsonb)), true
      FROM order_events WHERE type = 'ReservationConfirmed'
    UNION ALL
    SELECT jsonb_array_elements_text(COALESCE(data->'unitIds', '[]'::jsonb)), false
      FROM order_events WHERE type = 'KeysAllocatedManually'
    UNION ALL
    SELECT data->>'replacementUnitId', false FROM order_events WHERE type = 'CardKeyReplaced'
    UNION ALL
    SELECT u->>'unitId', false
      FROM order_events, jsonb_array_elements(COALESCE(data->'units', '[]'::jsonb)) AS u
     WHERE type = 'SupplierForwardFulfilled'
  ), taken_back AS (
    SELECT data->>'unitId' AS unit_id FROM order_events WHERE type = 'CardKeyReplaced'
    UNION ALL
    SELECT jsonb_array_elements_text(COALESCE(data->'returnedUnitIds', '[]'::jsonb))
      FROM order_events WHERE type = 'OrderRefunded'
  )
  SELECT g.unit_id, bool_or(g.loop) FROM given AS g(unit_id, loop)
   WHERE NOT EXISTS (SELECT 1 FROM taken_back t WHERE t.unit_id = g.unit_id)
   GROUP BY g.unit_id;
END
$fn$;
`,
    },
  ],
};
