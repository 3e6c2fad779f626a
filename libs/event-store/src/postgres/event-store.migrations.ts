import type { MigrationSet } from '@libs/database';
import { EVENT_LOOKUP_KEY, EVENT_LOOKUP_KEYS } from '../event-store';

/** Advisory-lock class (first key of the two-key form) reserved for per-stream append locks. */
export const STREAM_LOCK_CLASS = 774_501;

export const eventStoreMigrations: MigrationSet = {
  component: 'event-store',
  migrations: [
    {
      version: 1,
      name: 'events, streams and snapshots',
      up: `
CREATE TABLE event_streams (
  stream_id  text        PRIMARY KEY,
  version    bigint      NOT NULL CHECK (version >= 0),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE events (
  global_position bigint GENERATED ALWAYS AS IDENTITY,
  event_id        uuid        NOT NULL,
  stream_id       text        NOT NULL,
  version         bigint      NOT NULL CHECK (version >= 1),
  type            text        NOT NULL,
  data            jsonb       NOT NULL,
  metadata        jsonb       NOT NULL DEFAULT '{}'::jsonb,
  occurred_at     timestamptz NOT NULL,
  recorded_at     timestamptz NOT NULL DEFAULT now(),
  -- The writing transaction: readers of the global order only go below the oldest running one.
  transaction_id  xid8        NOT NULL DEFAULT pg_current_xact_id(),
  CONSTRAINT events_pkey PRIMARY KEY (global_position),
  CONSTRAINT events_event_id_key UNIQUE (event_id),
  CONSTRAINT events_stream_version_key UNIQUE (stream_id, version)
);

CREATE INDEX events_global_order_idx ON events (transaction_id, global_position);

CREATE TABLE event_snapshots (
  stream_id     text        NOT NULL,
  snapshot_type text        NOT NULL,
  version       bigint      NOT NULL CHECK (version >= 1),
  state         jsonb       NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (stream_id, snapshot_type)
);

-- Takes the append locks of the given streams, in one global order (by lock key) so writers of overlapping
-- stream sets cannot deadlock. Advisory locks do not assign a transaction id: called first in the append
-- transaction, it makes sure the transaction's id is assigned only once every stream it writes is locked.
CREATE FUNCTION event_store_lock_streams(stream_ids text[]) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
  lock_key integer;
BEGIN
  FOR lock_key IN SELECT DISTINCT hashtext(s) FROM unnest(stream_ids) AS s ORDER BY 1 LOOP
    PERFORM pg_advisory_xact_lock(${STREAM_LOCK_CLASS}, lock_key);
  END LOOP;
END
$fn$;

-- Locks the streams, then (in a new statement, hence a new snapshot that sees what earlier lock holders
-- committed) returns their current versions and any already stored events with the given ids: the whole read
-- side of an append in one round trip.
CREATE FUNCTION event_store_begin_append(p_stream_ids text[], p_event_ids uuid[])
RETURNS TABLE (kind text, stream_id text, version bigint, event_id uuid, type text, data jsonb, metadata jsonb,
               occurred_at timestamptz, recorded_at timestamptz, global_position bigint, transaction_id text)
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
BEGIN
  PERFORM event_store_lock_streams(p_stream_ids);
  RETURN QUERY
    SELECT 'stream'::text, s.stream_id, s.version, NULL::uuid, NULL::text, NULL::jsonb, NULL::jsonb,
           NULL::timestamptz, NULL::timestamptz, NULL::bigint, NULL::text
      FROM event_streams s WHERE s.stream_id = ANY (p_stream_ids)
    UNION ALL
    SELECT 'event'::text, e.stream_id, e.version, e.event_id, e.type, e.data, e.metadata,
           e.occurred_at, e.recorded_at, e.global_position, e.transaction_id::text
      FROM events e WHERE e.event_id = ANY (p_event_ids);
END
$fn$;
`,
    },
    {
      version: 2,
      name: 'append lookups always by key',
      // Both lookups are by key. On a young, fast-growing table the statistics lag behind, and the plan cached in
      // the session picked sequential scans that grew with the table (7 ms at 10,000 events, a third of an append).
      up: `ALTER FUNCTION event_store_begin_append(text[], uuid[]) SET enable_seqscan = off;`,
    },
    {
      version: 3,
      name: 'events of a stream by lookup key',
      // readStreamEventsByKey: an inventory writer that closed its books finds an order's history here. Partial,
      // so events about no order (imports, settings, snapshots' neighbours) cost nothing.
      up: `CREATE INDEX events_stream_lookup_idx ON events (stream_id, (data->>'${EVENT_LOOKUP_KEY}'))
  WHERE data ? '${EVENT_LOOKUP_KEY}';`,
    },
    {
      version: 4,
      name: 'events about many orders by lookup key',
      // An event naming many orders (a batch's rejections, stored as one): GIN finds it by any of them. Not per
      // stream (GIN has no room for it); the few events of other streams with the same id are filtered after.
      up: `CREATE INDEX events_lookup_keys_idx ON events USING gin ((data->'${EVENT_LOOKUP_KEYS}'))
  WHERE data ? '${EVENT_LOOKUP_KEYS}';`,
    },
  ],
};
